//! What every request handler can reach.

use std::path::PathBuf;
use std::sync::Arc;

use shared::mesh::InstallProgress;
use shared::mesh::migration::run::MigrationRun;
use shared::mesh::migration::waves::WaveRun;

use crate::auth::anonymous::AnonymousBudget;
use crate::auth::limiter::SignInLimiter;
use crate::auth::password_checks::PasswordChecks;
use crate::auth::{AuthSettings, secrets};
use crate::clock::Clock;
use crate::cluster::FleetService;
use crate::metrics::Metrics;
use crate::runs::RunBook;
use crate::security::ca::CertificateAuthority;
use crate::security::csr::CsrSettings;
use crate::store::Store;

/// How long reviewing one member of a fleet plan may take by default; a
/// member that takes longer is blocked as timed out and slows no other.
pub const MEMBER_REVIEW_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The settings [`AppState`] is built from.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The built SPA.
    pub dist: PathBuf,
    /// Whether the fleet is the embedded sandbox (shown to users, never
    /// branched on for cluster work).
    pub sandbox: bool,
    pub auth: AuthSettings,
}

/// Shared, cheaply cloned application state.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
    /// Beside `inner` so [`AppState::with_ca`] can add it to a built state.
    ca: Option<CertificateAuthority>,
    /// The signers the console manages (see [`AppState::with_csr_settings`]).
    csr: Arc<CsrSettings>,
    /// Where HSM slot PINs live (see [`AppState::with_vault`]).
    vault: Option<Arc<hsm::Vault>>,
    /// How long reviewing one member of a fleet plan may take.
    fleet_plan_timeout: std::time::Duration,
}

struct Inner {
    settings: Settings,
    store: Store,
    clock: Clock,
    fleet: FleetService,
    installs: RunBook<InstallProgress>,
    migrations: RunBook<MigrationRun>,
    waves: RunBook<WaveRun>,
    limiter: SignInLimiter,
    anonymous_budget: AnonymousBudget,
    password_checks: PasswordChecks,
    decoy_hash: String,
    csrf_key: String,
    metrics: Metrics,
}

impl AppState {
    /// A console without member clusters.
    pub fn new(settings: Settings, store: Store, clock: Clock) -> Self {
        Self::with_fleet(settings, store, clock, FleetService::empty())
    }

    pub fn with_fleet(settings: Settings, store: Store, clock: Clock, fleet: FleetService) -> Self {
        let decoy_hash = secrets::decoy_hash(settings.auth.hash_cost);
        let limiter = SignInLimiter::new(settings.auth.limits);
        Self {
            inner: Arc::new(Inner {
                installs: RunBook::stored(store.clone(), clock.clone()),
                migrations: RunBook::stored(store.clone(), clock.clone()),
                waves: RunBook::stored(store.clone(), clock.clone()),
                settings,
                store,
                clock,
                fleet,
                limiter,
                anonymous_budget: AnonymousBudget::default(),
                password_checks: PasswordChecks::per_core(),
                decoy_hash,
                csrf_key: secrets::random_token(),
                metrics: Metrics::default(),
            }),
            ca: None,
            csr: Arc::new(CsrSettings::default()),
            vault: None,
            fleet_plan_timeout: MEMBER_REVIEW_TIMEOUT,
        }
    }

    /// The same state with the mesh CA (Istio CA mode). Call it before the
    /// state is cloned into the router: clones taken earlier keep none.
    #[must_use]
    pub fn with_ca(mut self, ca: CertificateAuthority) -> Self {
        self.ca = Some(ca);
        self
    }

    /// The same state managing `settings`' signers. Like
    /// [`AppState::with_ca`], call it before the state is cloned.
    #[must_use]
    pub fn with_csr_settings(mut self, settings: CsrSettings) -> Self {
        self.csr = Arc::new(settings);
        self
    }

    /// The same state reading HSM slot credentials from `vault`. Like
    /// [`AppState::with_ca`], call it before the state is cloned.
    #[must_use]
    pub fn with_vault(mut self, vault: hsm::Vault) -> Self {
        self.vault = Some(Arc::new(vault));
        self
    }

    /// The same state giving each member of a fleet plan `timeout` to be
    /// reviewed. Like [`AppState::with_ca`], call it before the state is
    /// cloned.
    #[must_use]
    pub fn with_fleet_plan_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.fleet_plan_timeout = timeout;
        self
    }

    /// How long reviewing one member of a fleet plan may take.
    pub fn fleet_plan_timeout(&self) -> std::time::Duration {
        self.fleet_plan_timeout
    }

    /// The Vault holding HSM slot credentials, if one is configured.
    pub fn vault(&self) -> Option<&hsm::Vault> {
        self.vault.as_deref()
    }

    /// The signers the console manages and their two-person rules.
    pub fn csr_settings(&self) -> &CsrSettings {
        &self.csr
    }

    /// The mesh CA, if a token is configured.
    pub fn ca(&self) -> Option<&CertificateAuthority> {
        self.ca.as_ref()
    }

    pub fn dist(&self) -> &std::path::Path {
        &self.inner.settings.dist
    }

    pub fn sandbox(&self) -> bool {
        self.inner.settings.sandbox
    }

    pub fn auth(&self) -> &AuthSettings {
        &self.inner.settings.auth
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn fleet(&self) -> &FleetService {
        &self.inner.fleet
    }

    /// Install runs, and the reviewed plans beside them.
    pub fn installs(&self) -> &RunBook<InstallProgress> {
        &self.inner.installs
    }

    /// Per-namespace migrate, rollback and finish runs.
    pub fn migrations(&self) -> &RunBook<MigrationRun> {
        &self.inner.migrations
    }

    /// Wave runs across the fleet.
    pub fn waves(&self) -> &RunBook<WaveRun> {
        &self.inner.waves
    }

    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    pub fn limiter(&self) -> &SignInLimiter {
        &self.inner.limiter
    }

    pub fn anonymous_budget(&self) -> &AnonymousBudget {
        &self.inner.anonymous_budget
    }

    pub fn password_checks(&self) -> &PasswordChecks {
        &self.inner.password_checks
    }

    /// Verified against when a sign-in names an unknown account.
    pub fn decoy_hash(&self) -> &str {
        &self.inner.decoy_hash
    }

    /// The series counted as things happen (see [`crate::metrics`]).
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Per-process key behind the proxy mode's CSRF tokens.
    pub fn csrf_key(&self) -> &str {
        &self.inner.csrf_key
    }
}
