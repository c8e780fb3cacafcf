//! The console's own durable data: accounts, sessions, failed sign-ins,
//! the audit log, every run (installs, migrations, waves) and the plans
//! reviewed for them, the workload migrations it deployed, and who
//! created and retired each mesh root.
//!
//! One code path for SQLite (the default, a file in the state dir) and
//! PostgreSQL (when a database URL is given) through sqlx's `Any` driver.
//! Queries are checked at run time and written in the SQL both accept:
//! `$n` placeholders, `BIGINT` Unix seconds, `0/1` flags, JSON text lists.
//! The schema is embedded in the binary and migrated at start.

pub mod accounts;
pub mod audit;
pub mod csr;
mod grants;
pub mod oidc;
mod plans;
pub mod roots;
pub mod runs;
pub mod sessions;
pub mod sign_in;
pub mod workloads;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

use crate::audit::key::AuditKey;

/// Rows per page when export and verification walk the audit table.
pub const AUDIT_PAGE_SIZE: i64 = 1000;

/// A failure of the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {url}: {source}")]
    Open { url: String, source: sqlx::Error },
    #[error("cannot create the state directory {dir}: {source}")]
    StateDir { dir: String, source: std::io::Error },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("{0}")]
    Conflict(String),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("{0}")]
    AuditKey(String),
}

/// The migrations in `backend/migrations/`, compiled into the binary.
/// (`sqlx::migrate!` would need sqlx's macros; this is the same list.)
#[derive(Debug)]
struct Embedded;

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "accounts sessions audit",
        include_str!("../../migrations/0001_accounts_sessions_audit.sql"),
    ),
    (
        2,
        "audit head",
        include_str!("../../migrations/0002_audit_head.sql"),
    ),
    (
        3,
        "wave runs",
        include_str!("../../migrations/0003_wave_runs.sql"),
    ),
    (
        4,
        "workload migrations",
        include_str!("../../migrations/0004_workload_migrations.sql"),
    ),
    (
        5,
        "csr approvals",
        include_str!("../../migrations/0005_csr_approvals.sql"),
    ),
    (
        6,
        "sign-in failures",
        include_str!("../../migrations/0006_sign_in_failures.sql"),
    ),
    (
        7,
        "audit mac",
        include_str!("../../migrations/0007_audit_mac.sql"),
    ),
    (
        8,
        "mesh roots",
        include_str!("../../migrations/0008_mesh_roots.sql"),
    ),
    (9, "runs", include_str!("../../migrations/0009_runs.sql")),
    (
        10,
        "issuance grants",
        include_str!("../../migrations/0010_issuance_grants.sql"),
    ),
    (11, "plans", include_str!("../../migrations/0011_plans.sql")),
    (
        12,
        "run versions",
        include_str!("../../migrations/0012_run_versions.sql"),
    ),
    (
        13,
        "officer appointments",
        include_str!("../../migrations/0013_officer_appointments.sql"),
    ),
    (
        14,
        "root records",
        include_str!("../../migrations/0014_root_records.sql"),
    ),
    (
        15,
        "officer confirmations",
        include_str!("../../migrations/0015_officer_confirmations.sql"),
    ),
    (16, "oidc", include_str!("../../migrations/0016_oidc.sql")),
];

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send>> {
        Box::pin(async {
            Ok(MIGRATIONS
                .iter()
                .map(|(version, description, sql)| {
                    Migration::new(
                        *version,
                        Cow::Borrowed(*description),
                        MigrationType::Simple,
                        Cow::Borrowed(*sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A pool on the console's database, migrated and ready.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    url: String,
    /// Audit appends read the chain's head and write after it: one at a
    /// time per process (the primary key catches a second process).
    audit_append: Arc<tokio::sync::Mutex<()>>,
    /// Appends made through this store and its clones (for the metrics).
    audit_counts: Arc<audit::counts::AuditCounts>,
    /// Keys new audit entries (see [`crate::audit::chain`]); without it
    /// entries are plain SHA-256, and only until the log is keyed.
    audit_key: Option<AuditKey>,
    /// Where appends leave a signed checkpoint (needs `audit_key`).
    audit_checkpoint: Option<PathBuf>,
    audit_page: i64,
}

impl Store {
    /// `database_url` when given (PostgreSQL or SQLite URL), else
    /// `<state_dir>/meshdeck.db`, created if missing.
    pub async fn open_configured(
        database_url: Option<&str>,
        state_dir: &Path,
    ) -> Result<Self, StoreError> {
        match database_url {
            Some(url) => Self::open(url).await,
            None => Self::open_sqlite_in(state_dir).await,
        }
    }

    /// `<dir>/meshdeck.db`, creating the directory and file as needed.
    pub async fn open_sqlite_in(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::StateDir {
            dir: dir.display().to_string(),
            source,
        })?;
        let file = dir.join("meshdeck.db");
        Self::open(&format!("sqlite://{}?mode=rwc", file.display())).await
    }

    /// Connects to `url` (`sqlite://…` or `postgres://…`) and migrates.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .connect(url)
            .await
            .map_err(|source| StoreError::Open {
                url: redact_url(url),
                source,
            })?;
        Migrator::new(Embedded).await?.run(&pool).await?;
        Ok(Self {
            pool,
            backend,
            url: url.to_owned(),
            audit_append: Arc::default(),
            audit_counts: Arc::default(),
            audit_key: None,
            audit_checkpoint: None,
            audit_page: AUDIT_PAGE_SIZE,
        })
    }

    /// The same store keying audit entries with `key` and, after each
    /// append, signing a checkpoint into `checkpoint` when given.
    #[must_use]
    pub fn with_audit_key(mut self, key: AuditKey, checkpoint: Option<PathBuf>) -> Self {
        self.audit_key = Some(key);
        self.audit_checkpoint = checkpoint;
        self
    }

    /// The same store reading the audit table `rows` at a time (tests
    /// lower it to cross pages with a few entries).
    #[must_use]
    pub fn with_audit_page_size(mut self, rows: i64) -> Self {
        self.audit_page = rows.max(1);
        self
    }

    /// How many audit entries this store (and its clones) appended.
    pub fn audit_counts(&self) -> &audit::counts::AuditCounts {
        &self.audit_counts
    }

    /// The key audit entries are keyed with, if the store has one.
    pub fn audit_key(&self) -> Option<&AuditKey> {
        self.audit_key.as_ref()
    }

    /// The checkpoint file appends keep up to date, if any.
    pub fn audit_checkpoint_file(&self) -> Option<&Path> {
        self.audit_checkpoint.as_deref()
    }

    /// Rows per page when the audit table is walked.
    pub fn audit_page_size(&self) -> i64 {
        self.audit_page
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL the store was opened with (it may hold a password: never log
    /// it; errors show it with the password masked).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The raw pool, for maintenance tools and tests that must reach under
    /// the API (e.g. to prove tampering is detected).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Runs `delete`, a `DELETE … WHERE <key> = $1`, for `key`; true when
    /// it removed a row.
    pub(crate) async fn delete_keyed(
        &self,
        delete: &'static str,
        key: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(delete)
            .bind(key.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_passwords_are_not_echoed() {
        assert_eq!(
            super::redact_url("postgres://meshdeck:s3cret@db:5432/meshdeck"),
            "postgres://meshdeck:***@db:5432/meshdeck"
        );
        assert_eq!(
            super::redact_url("sqlite:///tmp/x.db?mode=rwc"),
            "sqlite:///tmp/x.db?mode=rwc"
        );
    }
}
