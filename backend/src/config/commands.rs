//! The maintenance subcommands (`meshdeck account …`, `meshdeck audit …`),
//! run by [`crate::cli`].

use std::path::PathBuf;

use clap::Subcommand;
use shared::Role;

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Manage local accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Inspect the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Clone, Subcommand)]
pub enum AccountCommand {
    /// Create an account. Its password is generated and printed once,
    /// unless --password-stdin reads one.
    Create {
        name: String,
        /// manager, operator or security_officer.
        #[arg(long)]
        role: Role,
        /// May manage accounts.
        #[arg(long)]
        admin: bool,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Give an account a new password (generated and printed once, unless
    /// --password-stdin reads one) and end its sessions.
    ResetPassword {
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AuditCommand {
    /// Check the keyed chain; exits 1 and names the first broken entry if
    /// anyone edited or deleted a row. Checked against a checkpoint too, it
    /// also notices an emptied log, a cut tail and a recomputed chain.
    Verify {
        /// A checkpoint taken earlier (default: the server's checkpoint
        /// file, when it exists).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
    /// Verify the chain, then print a signed checkpoint of its newest
    /// entry to keep outside the database.
    Checkpoint {
        /// Write it to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}
