//! The maintenance subcommands: create and list accounts, verify the audit
//! chain. They open the same database the server uses.

use std::io::BufRead;

use shared::Account;

use crate::auth::HashCost;
use crate::auth::bootstrap::{self, CreateError};
use crate::clock::Clock;
use crate::config::{AccountCommand, AuditCommand, Command, Config};
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
}

/// Runs `command`; what it prints goes to stdout (results) or stderr.
pub async fn run(config: &Config, command: Command) -> Result<(), CliError> {
    let store = Store::open_configured(config.database_url.as_deref(), &config.state_dir).await?;
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
        Command::Audit(AuditCommand::Verify) => {
            let (chain, head) = store.audit_chain().await?;
            let report = crate::audit::chain::verify(&chain, head.as_ref());
            match report.broken {
                None => {
                    write_out(&format!("audit chain intact: {} entries", report.checked));
                    Ok(())
                }
                Some(broken) => Err(CliError::Broken {
                    seq: broken.seq,
                    reason: broken.reason,
                }),
            }
        }
    };
    store.close().await;
    result
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
