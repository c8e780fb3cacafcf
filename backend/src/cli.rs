//! The maintenance subcommands: create and list accounts, verify the audit
//! chain and take checkpoints of it. They open the same database (and
//! audit key) the server uses.

use std::io::BufRead;

use shared::Account;

use crate::audit::checkpoint::{Checkpoint, CheckpointError};
use crate::audit::{chain, verify};
use crate::auth::HashCost;
use crate::auth::bootstrap::{self, CreateError};
use crate::clock::Clock;
use crate::config::{AccountCommand, AuditCommand, Command, Config, ConfigError};
use crate::store::{Store, StoreError};

/// A subcommand's failure, printed by `main`.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Create(#[from] CreateError),
    #[error("cannot read the password from standard input: {0}")]
    Stdin(std::io::Error),
    #[error("the audit chain is broken at entry {seq}: {reason}")]
    Broken { seq: i64, reason: String },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("no audit key: give --audit-key-file (a checkpoint is signed with it)")]
    NoKey,
}

/// Runs `command`; what it prints goes to stdout (results) or stderr.
pub async fn run(config: &Config, command: Command) -> Result<(), CliError> {
    let store = Store::open_configured(config.database_url.as_deref(), &config.state_dir).await?;
    let checkpoint_file = config.audit_checkpoint_file();
    // Accounts commands append to the log, so they key it like the server
    // (creating the key on first use); audit commands only read it and
    // never create a key.
    let key = match &command {
        Command::Account(_) => Some(config.audit_key()?),
        Command::Audit(_) => config.existing_audit_key()?,
    };
    let store = match key {
        Some(key) => store.with_audit_key(key, Some(checkpoint_file.clone())),
        None => store,
    };
    let result = match command {
        Command::Account(AccountCommand::Create {
            name,
            role,
            admin,
            password_stdin,
        }) => {
            let password = read_password(password_stdin)?;
            let generated = password.is_none();
            let account = Account { name, role, admin };
            let now = Clock::system().now();
            let created =
                bootstrap::create_account(&store, HashCost::Default, now, "cli", account, password)
                    .await?;
            let admin = if created.account.admin { ", admin" } else { "" };
            eprintln!(
                "created account {} ({}{admin})",
                created.account.name,
                created.account.role.title()
            );
            if generated {
                eprintln!("its password, shown only now:");
                write_out(&created.password);
            }
            Ok(())
        }
        Command::Account(AccountCommand::ResetPassword {
            name,
            password_stdin,
        }) => {
            let chosen = read_password(password_stdin)?;
            let generated = chosen.is_none();
            let now = Clock::system().now();
            let password =
                bootstrap::reset_password(&store, HashCost::Default, now, "cli", &name, chosen)
                    .await?;
            eprintln!("new password set for {name}; its sessions are ended");
            if generated {
                eprintln!("the password, shown only now:");
                write_out(&password);
            }
            Ok(())
        }
        Command::Account(AccountCommand::List) => {
            for account in store.list_accounts().await? {
                let admin = if account.admin { " admin" } else { "" };
                write_out(&format!("{}\t{}{admin}", account.name, account.role));
            }
            Ok(())
        }
        Command::Audit(AuditCommand::Verify { checkpoint }) => {
            let (checkpoint, from) = match checkpoint {
                Some(file) => match Checkpoint::read(&file)? {
                    Some(checkpoint) => (Some(checkpoint), file),
                    None => {
                        return Err(CheckpointError::Io {
                            path: file,
                            source: std::io::ErrorKind::NotFound.into(),
                        }
                        .into());
                    }
                },
                None => (Checkpoint::read(&checkpoint_file)?, checkpoint_file),
            };
            let report = verify::verify_log(&store, checkpoint.as_ref()).await?;
            match (report.broken, checkpoint) {
                (None, checkpoint) => {
                    if let Some(checkpoint) = checkpoint {
                        eprintln!(
                            "checked against the checkpoint of entry {} in {}",
                            checkpoint.seq,
                            from.display()
                        );
                    } else {
                        eprintln!(
                            "no checkpoint to check against: an emptied or cut log goes unnoticed without one"
                        );
                    }
                    write_out(&format!("audit chain intact: {} entries", report.checked));
                    Ok(())
                }
                (Some(broken), _) => Err(CliError::Broken {
                    seq: broken.seq,
                    reason: broken.reason,
                }),
            }
        }
        Command::Audit(AuditCommand::Checkpoint { out }) => {
            take_checkpoint(&store, &checkpoint_file, out.as_deref()).await
        }
    };
    store.close().await;
    result
}

/// Verifies the log (against the last checkpoint, if there is one), then
/// signs its head into `out` or onto standard output.
async fn take_checkpoint(
    store: &Store,
    last: &std::path::Path,
    out: Option<&std::path::Path>,
) -> Result<(), CliError> {
    let key = store.audit_key().ok_or(CliError::NoKey)?;
    // The head read first is inside what the walk then checks.
    let head = store.audit_head().await?;
    let report = verify::verify_log(store, Checkpoint::read(last)?.as_ref()).await?;
    if let Some(broken) = report.broken {
        return Err(CliError::Broken {
            seq: broken.seq,
            reason: broken.reason,
        });
    }
    let (seq, hash) = head.map_or_else(|| (0, chain::GENESIS.to_owned()), |h| (h.seq, h.hash));
    if seq > 0 && store.audit_hash_at(seq).await?.as_deref() != Some(hash.as_str()) {
        return Err(CliError::Broken {
            seq,
            reason: format!("entry {seq} changed while it was being checked"),
        });
    }
    let checkpoint = Checkpoint::sign(key, seq, &hash, Clock::system().now());
    match out {
        Some(file) => {
            checkpoint.write(file)?;
            eprintln!("checkpoint of entry {seq} written to {}", file.display());
        }
        None => write_out(checkpoint.to_json().trim_end()),
    }
    Ok(())
}

/// The first line of standard input when `from_stdin`, else `None` (the
/// caller generates one).
fn read_password(from_stdin: bool) -> Result<Option<String>, CliError> {
    if !from_stdin {
        return Ok(None);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(CliError::Stdin)?;
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_owned()))
}

#[expect(clippy::print_stdout, reason = "a subcommand's result is its output")]
fn write_out(line: &str) {
    println!("{line}");
}
