//! Helpers: a throwaway dist directory and database, accounts with known
//! passwords, and one-shot requests against `app()`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, Response, StatusCode, header};
use backend::audit::key::AuditKey;
use backend::auth::bootstrap;
use backend::auth::{AuthSettings, HashCost};
use backend::clock::{Clock, ManualTime};
use backend::cluster::{FleetService, Registry, WatchTiming};
use backend::security::ca::{CertificateAuthority, embedded};
use backend::store::Store;
use backend::{AppState, Settings};
use http_body_util::BodyExt;
use shared::{Account, Role};
use tower::ServiceExt;

/// Like Trunk's page: one inline module script that starts the app.
pub const INDEX_HTML: &str = "<!DOCTYPE html><html><head><script type=\"module\">import init from '/meshdeck-frontend-0123456789abcdef.js'; await init();</script></head><body>meshdeck test shell</body></html>";
/// The inline script of [`INDEX_HTML`].
pub const INDEX_SCRIPT: &str =
    "import init from '/meshdeck-frontend-0123456789abcdef.js'; await init();";
pub const HASHED_JS: &str = "meshdeck-frontend-0123456789abcdef.js";
pub const HASHED_CSS: &str = "style-0123456789abcdef.css";
/// Stands in for the `.br` file `cargo xtask` writes at build time.
pub const PRECOMPRESSED_CSS: &[u8] = b"precompressed at build time";
/// Checks and retries quick enough for tests to see changes promptly.
pub const FAST_WATCH: WatchTiming = WatchTiming {
    probe_every: std::time::Duration::from_millis(300),
    probe_timeout: std::time::Duration::from_secs(2),
    retry_min: std::time::Duration::from_millis(100),
    retry_max: std::time::Duration::from_millis(500),
};

/// Where the test clock starts (2023-11-14 22:13:20 UTC).
pub const START: i64 = 1_700_000_000;

/// A directory unique to this call.
pub fn temp_dir(kind: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "meshdeck-api-test-{kind}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A dist directory with an index and one hashed asset, unique per call.
pub fn dist_dir() -> PathBuf {
    let dir = temp_dir("dist");
    std::fs::write(dir.join("index.html"), INDEX_HTML).unwrap();
    std::fs::write(dir.join(HASHED_JS), "console.log('x');\n".repeat(50)).unwrap();
    std::fs::write(dir.join(HASHED_CSS), "body { margin: 0 }\n".repeat(50)).unwrap();
    std::fs::write(dir.join(format!("{HASHED_CSS}.br")), PRECOMPRESSED_CSS).unwrap();
    dir
}

/// A fresh audit key and a checkpoint file beside nothing else, as the
/// server keeps them outside its database.
pub fn test_audit_key() -> (AuditKey, PathBuf) {
    let key = AuditKey::generate(&mut rand::rngs::OsRng);
    (key, temp_dir("audit").join("audit-checkpoint.json"))
}

/// A fresh, migrated database whose audit log is keyed (see
/// [`test_audit_key`]): SQLite in a temporary directory, or, when
/// `MESHDECK_TEST_DATABASE_URL` names a PostgreSQL server (`postgres://…/db`),
/// a new database created there for this console.
pub async fn test_store() -> Store {
    let (key, checkpoint) = test_audit_key();
    unkeyed_test_store()
        .await
        .with_audit_key(key, Some(checkpoint))
}

/// Like [`test_store`], without an audit key (a log from before keys).
pub async fn unkeyed_test_store() -> Store {
    let Ok(admin_url) = std::env::var("MESHDECK_TEST_DATABASE_URL") else {
        return Store::open_sqlite_in(&temp_dir("state")).await.unwrap();
    };
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "meshdeck_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    sqlx::any::install_default_drivers();
    let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let (server, _) = admin_url.rsplit_once('/').unwrap();
    let store = Store::open(&format!("{server}/{name}")).await.unwrap();
    assert_eq!(store.backend(), backend::store::Backend::Postgres);
    store
}

/// A database two [`Store`]s can open, as two processes would.
pub struct SharedStore {
    pub store: Store,
    url: String,
}

impl SharedStore {
    /// A second, independent pool on the same database (with the same
    /// audit key and checkpoint file).
    pub async fn reopen(&self) -> Store {
        let store = Store::open(&self.url).await.unwrap();
        match self.store.audit_key() {
            Some(key) => store.with_audit_key(
                key.clone(),
                self.store.audit_checkpoint_file().map(Into::into),
            ),
            None => store,
        }
    }
}

/// Like [`test_store`], remembering how to open the database again.
pub async fn test_store_shared() -> SharedStore {
    let url = match std::env::var("MESHDECK_TEST_DATABASE_URL") {
        Ok(_) => {
            let store = test_store().await;
            let url = store.url().to_owned();
            store.close().await;
            url
        }
        Err(_) => {
            let file = temp_dir("shared").join("meshdeck.db");
            format!("sqlite://{}?mode=rwc", file.display())
        }
    };
    let (key, checkpoint) = test_audit_key();
    SharedStore {
        store: Store::open(&url)
            .await
            .unwrap()
            .with_audit_key(key, Some(checkpoint)),
        url,
    }
}

/// The mesh CA on the test token: SoftHSM2 under `target/softhsm`, where
/// the workspace's `.cargo/config.toml` points `SOFTHSM2_CONF`. One session
/// for the whole test binary.
pub fn test_ca() -> CertificateAuthority {
    static CA: OnceLock<CertificateAuthority> = OnceLock::new();
    CA.get_or_init(|| {
        let token = embedded::token_from_env(embedded::LABEL).unwrap();
        CertificateAuthority::open(&token, Clock::system()).unwrap()
    })
    .clone()
}

/// Auth settings for tests: cheap password hashing, otherwise the defaults.
pub fn test_auth() -> AuthSettings {
    let mut auth = AuthSettings {
        hash_cost: HashCost::TestOnly,
        ..AuthSettings::default()
    };
    // The per-account delay is real time: keep it short in tests.
    auth.limits.delay_step = std::time::Duration::from_millis(10);
    auth.limits.delay_max = std::time::Duration::from_millis(40);
    auth
}

/// A console with its own SQLite database and a hand-moved clock.
pub struct TestConsole {
    pub state: AppState,
    pub time: ManualTime,
    /// The in-process sandbox fleet the console watches, if started with one.
    pub sandbox: Option<sandbox::Fleet>,
    /// The kubeconfig the console reads its members from, if any.
    pub kubeconfig: Option<PathBuf>,
    app: Router,
}

/// A signed-in browser: its session cookie and CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl TestConsole {
    pub async fn new() -> Self {
        Self::with_auth(test_auth()).await
    }

    pub async fn with_auth(auth: AuthSettings) -> Self {
        Self::on_store(test_store().await, auth)
    }

    /// A console without member clusters on `store` (a restarted console,
    /// or a second replica beside another).
    pub fn on_store(store: Store, auth: AuthSettings) -> Self {
        let (clock, time) = Clock::manual(START);
        let settings = Settings {
            dist: dist_dir(),
            sandbox: true,
            auth,
        };
        let state = AppState::new(settings, store, clock);
        Self {
            app: backend::app(state.clone()),
            state,
            time,
            sandbox: None,
            kubeconfig: None,
        }
    }

    /// A console watching the default sandbox fleet (in memory), which it
    /// knows only through the kubeconfig and `fleet.yaml` the sandbox
    /// writes, like any fleet.
    pub async fn with_sandbox() -> Self {
        let fleet = sandbox::Fleet::start(sandbox::FleetOptions::from_scenario(
            sandbox::scenario::Scenario::default_fleet(),
            None,
        ))
        .await
        .unwrap();
        let kubeconfig = temp_dir("kubeconfig").join("kubeconfig");
        fleet.write_kubeconfig(&kubeconfig).unwrap();
        Self::watching(fleet, &kubeconfig, None).await
    }

    /// Like [`TestConsole::with_sandbox`], the clusters reaching the test
    /// SoftHSM2 (HSM mode's istiod).
    pub async fn with_sandbox_hsm() -> Self {
        let mut options = sandbox::FleetOptions::from_scenario(
            sandbox::scenario::Scenario::default_fleet(),
            None,
        );
        options.hsm = Some(sandbox::SandboxHsm {
            pkcs11_module: hsm::SOFTHSM2_MODULE.into(),
        });
        let fleet = sandbox::Fleet::start(options).await.unwrap();
        let kubeconfig = temp_dir("kubeconfig").join("kubeconfig");
        fleet.write_kubeconfig(&kubeconfig).unwrap();
        Self::watching(fleet, &kubeconfig, None).await
    }

    /// A console watching the members of `kubeconfig` (and `description`).
    pub async fn watching(
        fleet: sandbox::Fleet,
        kubeconfig: &std::path::Path,
        description: Option<&std::path::Path>,
    ) -> Self {
        Self::watching_on(fleet, kubeconfig, description, test_store().await).await
    }

    /// Like [`TestConsole::with_sandbox`], each call to a member bounded
    /// by `call_timeout` (`--call-timeout`).
    pub async fn with_sandbox_bounded(call_timeout: std::time::Duration) -> Self {
        let fleet = sandbox::Fleet::start(sandbox::FleetOptions::from_scenario(
            sandbox::scenario::Scenario::default_fleet(),
            None,
        ))
        .await
        .unwrap();
        let kubeconfig = temp_dir("kubeconfig").join("kubeconfig");
        fleet.write_kubeconfig(&kubeconfig).unwrap();
        let registry = Registry::load_bounded(&kubeconfig, None, call_timeout)
            .await
            .unwrap();
        Self::on_registry(fleet, &kubeconfig, registry, test_store().await)
    }

    /// Like [`TestConsole::watching`], on a given database (a console
    /// restarted on the store of another).
    pub async fn watching_on(
        fleet: sandbox::Fleet,
        kubeconfig: &std::path::Path,
        description: Option<&std::path::Path>,
        store: Store,
    ) -> Self {
        let registry = Registry::load(kubeconfig, description).await.unwrap();
        Self::on_registry(fleet, kubeconfig, registry, store)
    }

    fn on_registry(
        fleet: sandbox::Fleet,
        kubeconfig: &std::path::Path,
        registry: Registry,
        store: Store,
    ) -> Self {
        let (clock, time) = Clock::manual(START);
        let members = FleetService::start(registry, clock.clone(), FAST_WATCH);
        let settings = Settings {
            dist: dist_dir(),
            sandbox: true,
            auth: test_auth(),
        };
        let state = AppState::with_fleet(settings, store, clock, members).with_ca(test_ca());
        Self {
            app: backend::app(state.clone()),
            state,
            time,
            sandbox: Some(fleet),
            kubeconfig: Some(kubeconfig.to_owned()),
        }
    }

    /// A second replica beside this console: on `store` (the same
    /// database, opened again), watching the same members; the sandbox
    /// fleet stays with this console.
    pub async fn beside(&self, store: Store) -> Self {
        let kubeconfig = self
            .kubeconfig
            .as_deref()
            .expect("a console watching members");
        let registry = Registry::load(kubeconfig, None).await.unwrap();
        let (clock, time) = Clock::manual(self.state.clock().now());
        let members = FleetService::start(registry, clock.clone(), FAST_WATCH);
        let settings = Settings {
            dist: dist_dir(),
            sandbox: true,
            auth: test_auth(),
        };
        let state = AppState::with_fleet(settings, store, clock, members).with_ca(test_ca());
        Self {
            app: backend::app(state.clone()),
            state,
            time,
            sandbox: None,
            kubeconfig: Some(kubeconfig.to_owned()),
        }
    }

    /// The same console with its state changed by `change` (settings that
    /// must be in place before the router takes its copy).
    pub fn reconfigured(mut self, change: impl FnOnce(AppState) -> AppState) -> Self {
        self.state = change(self.state);
        self.app = backend::app(self.state.clone());
        self
    }

    /// Creates an account whose password is `<name>-password`.
    pub async fn add_account(&self, name: &str, role: Role, admin: bool) -> String {
        let password = format!("{name}-password");
        let account = Account {
            name: name.to_owned(),
            role,
            admin,
        };
        bootstrap::create_account(
            self.state.store(),
            HashCost::TestOnly,
            self.time.now(),
            "test",
            account,
            Some(password.clone()),
        )
        .await
        .unwrap();
        password
    }

    /// Sends `request` from 127.0.0.1.
    pub async fn send(&self, request: Request<Body>) -> Response<Body> {
        self.send_from(request, "127.0.0.1:40000".parse().unwrap())
            .await
    }

    pub async fn send_from(&self, mut request: Request<Body>, peer: SocketAddr) -> Response<Body> {
        request.extensions_mut().insert(ConnectInfo(peer));
        self.app.clone().oneshot(request).await.unwrap()
    }

    /// `POST /api/session`, as the sign-in form does.
    pub async fn try_sign_in(&self, name: &str, password: &str) -> Response<Body> {
        let body = serde_json::json!({"name": name, "password": password});
        self.send(json_request(Method::POST, "/api/session", &body, None))
            .await
    }

    /// Signs in, panicking unless it works.
    pub async fn sign_in(&self, name: &str, password: &str) -> Session {
        let response = self.try_sign_in(name, password).await;
        assert_eq!(response.status(), StatusCode::OK, "sign-in of {name}");
        let cookie = session_cookie(&response).unwrap();
        let info: shared::SessionInfo = serde_json::from_value(body_json(response).await).unwrap();
        Session {
            cookie,
            csrf: info.csrf_token,
        }
    }

    /// Creates an account and signs it in.
    pub async fn signed_in(&self, name: &str, role: Role, admin: bool) -> Session {
        let password = self.add_account(name, role, admin).await;
        self.sign_in(name, &password).await
    }

    pub async fn get_as(&self, path: &str, session: Option<&Session>) -> Response<Body> {
        let mut request = Request::get(path);
        if let Some(s) = session {
            request = request.header(header::COOKIE, format!("meshdeck_session={}", s.cookie));
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// The active root of `mesh`, which a security officer creates through
    /// `POST /api/ca/roots` when the token lacks it (installs and signing
    /// never create one). The test token outlives test runs and is shared
    /// by the tests, so the root may be there already (409).
    pub async fn mesh_root(&self, mesh: &shared::mesh::MeshId) -> shared::csr::MeshRoot {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!("root-officer-{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let officer = self.signed_in(&name, Role::SecurityOfficer, false).await;
        let response = self
            .send(json_request(
                Method::POST,
                shared::routes::CA_ROOTS,
                &serde_json::json!({ "mesh": mesh }),
                Some(&officer),
            ))
            .await;
        let status = response.status();
        if status == StatusCode::CREATED {
            return serde_json::from_value(body_json(response).await).unwrap();
        }
        assert_eq!(
            status,
            StatusCode::CONFLICT,
            "{:?}",
            api_error(response).await
        );
        let response = self.get_as(shared::routes::CA_ROOTS, Some(&officer)).await;
        let roots: shared::csr::MeshRoots =
            serde_json::from_value(body_json(response).await).unwrap();
        roots
            .roots
            .into_iter()
            .find(|r| r.mesh == *mesh && r.state == shared::csr::RootState::Active)
            .unwrap()
    }

    /// An active issuance grant for `clusters` in `mesh` and
    /// `trust_domain`, as two security officers make one: the first
    /// proposes through `POST /api/ca/grants`, the second approves.
    pub async fn issuance_grant(
        &self,
        mesh: &shared::mesh::MeshId,
        clusters: &[&str],
        trust_domain: &str,
    ) -> shared::csr::IssuanceGrant {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let first = self
            .signed_in(&format!("grant-officer-{n}a"), Role::SecurityOfficer, false)
            .await;
        let second = self
            .signed_in(&format!("grant-officer-{n}b"), Role::SecurityOfficer, false)
            .await;
        let body = serde_json::json!({
            "mesh": mesh,
            "clusters": clusters,
            "trust_domain": trust_domain,
            "validity_days": 90,
            "grant_days": 30,
        });
        let response = self
            .send(json_request(
                Method::POST,
                shared::routes::CA_GRANTS,
                &body,
                Some(&first),
            ))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let proposed: shared::csr::IssuanceGrant =
            serde_json::from_value(body_json(response).await).unwrap();
        let response = self
            .send(json_request(
                Method::POST,
                &shared::routes::ca_grant_approve(&proposed.id),
                &serde_json::json!({}),
                Some(&second),
            ))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let grant: shared::csr::IssuanceGrant =
            serde_json::from_value(body_json(response).await).unwrap();
        assert_eq!(grant.state, shared::csr::GrantState::Active);
        grant
    }

    /// The audit log as `GET /api/audit?query` returns it to `session`.
    pub async fn audit(&self, session: &Session, query: &str) -> shared::AuditPage {
        let response = self
            .get_as(&format!("/api/audit?{query}"), Some(session))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        serde_json::from_value(body_json(response).await).unwrap()
    }
}

/// A JSON request carrying `session`'s cookie and CSRF token, if given.
pub fn json_request(
    method: Method,
    path: &str,
    body: &serde_json::Value,
    session: Option<&Session>,
) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(s) = session {
        request = request
            .header(header::COOKIE, format!("meshdeck_session={}", s.cookie))
            .header("x-csrf-token", &s.csrf);
    }
    request.body(Body::from(body.to_string())).unwrap()
}

/// The session token the response's `Set-Cookie` sets.
pub fn session_cookie(response: &Response<Body>) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("meshdeck_session="))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
}

/// One request against a fresh console (for tests that need no account).
pub async fn send(request: Request<Body>) -> Response<Body> {
    TestConsole::new().await.send(request).await
}

pub async fn get(path: &str) -> Response<Body> {
    send(Request::get(path).body(Body::empty()).unwrap()).await
}

pub async fn body_bytes(response: Response<Body>) -> Vec<u8> {
    response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

pub async fn body_json(response: Response<Body>) -> serde_json::Value {
    serde_json::from_slice(&body_bytes(response).await).unwrap()
}

/// The `ApiError` of a failed response.
pub async fn api_error(response: Response<Body>) -> shared::ApiError {
    serde_json::from_value(body_json(response).await).unwrap()
}
