//! meshdeck's backend: the HTTP API under `/api`, the Prometheus metrics at
//! `/metrics` (see [`metrics`]) and the single-page app for every other
//! path. [`app`] builds the whole router (tests drive it directly);
//! [`serve`] binds it and runs until SIGINT/SIGTERM.

pub mod accounts;
pub mod api;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod error;
pub mod fleet;
pub mod ingress;
pub mod mesh;
pub mod metrics;
pub mod runs;
pub mod security;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod workloads;

use axum::Router;
use axum::http::{HeaderName, Request};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::api::request_id::{REQUEST_ID_HEADER, SequentialRequestId};
use crate::auth::AuthMode;
use crate::clock::Clock;
use crate::cluster::{FleetService, Registry, WatchTiming};
use crate::config::{CaToken, Config};
use crate::security::ca::{CaError, CertificateAuthority};
pub use crate::state::{AppState, Settings};
use crate::store::Store;

/// Where `GET /metrics` is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsOn {
    /// On the console's own listener (the default).
    MainListener,
    /// On another listener (`--metrics-listen`, see
    /// [`metrics::http::router`]): the console's listener does not serve it.
    OwnListener,
}

/// The complete router: API, SPA, metrics, and the middleware every
/// response passes.
pub fn app(state: AppState) -> Router {
    console(state, MetricsOn::MainListener)
}

/// [`app`], with the metrics served where `metrics` says.
pub fn console(state: AppState, metrics: MetricsOn) -> Router {
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    let middleware = ServiceBuilder::new()
        .layer(axum::middleware::from_fn_with_state(
            state.metrics().clone(),
            metrics::http::count_requests,
        ))
        .layer(axum::middleware::from_fn(api::headers::security_headers))
        .layer(SetRequestIdLayer::new(
            request_id.clone(),
            SequentialRequestId::default(),
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let id = request
                    .headers()
                    .get(REQUEST_ID_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!(
                    "request",
                    method = %request.method(),
                    // The path only: a query may carry an OAuth code or state.
                    path = %request.uri().path(),
                    request_id = %id,
                )
            }),
        )
        .layer(PropagateRequestIdLayer::new(request_id))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(error::render_api_errors));

    let metrics_route = match metrics {
        MetricsOn::MainListener => axum::routing::get(metrics::http::get_metrics),
        MetricsOn::OwnListener => axum::routing::get(metrics::http::served_elsewhere),
    };
    Router::new()
        .nest(shared::routes::API_PREFIX, api::api_routes(&state))
        .route(
            metrics::http::METRICS_PATH,
            metrics_route.route_layer(axum::middleware::from_fn(metrics::http::mark_route)),
        )
        .fallback_service(api::spa::service(state.dist()))
        .layer(middleware)
        .with_state(state)
}

/// Errors that stop the server from starting.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("server failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Settings(#[from] config::ConfigError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("cannot create the sandbox accounts: {0}")]
    Bootstrap(#[from] auth::bootstrap::CreateError),
    #[error("cannot start the sandbox fleet: {0}")]
    Sandbox(std::io::Error),
    #[error(transparent)]
    Fleet(#[from] cluster::RegistryError),
    #[error("cannot open the mesh CA's token: {0}")]
    Ca(#[from] CaError),
}

/// Serving on the embedded token needs `SOFTHSM2_CONF` naming its
/// configuration, which SoftHSM2 reads from the environment only: when it
/// does not, meshdeck replaces itself with a copy that has it. Returns when
/// nothing needs to change; an error if the restart failed.
pub fn ensure_token_environment(config: &Config) -> Result<(), ServeError> {
    if let CaToken::Embedded { conf } = config.ca_token()?
        && !security::ca::embedded::env_names(&conf)
    {
        return Err(security::ca::embedded::restart_with_conf(&conf).into());
    }
    Ok(())
}

/// Opens the mesh CA's token (creating the embedded one if needed); `None`
/// when no token is configured.
async fn open_ca(token: CaToken, clock: Clock) -> Result<Option<CertificateAuthority>, ServeError> {
    let token = match token {
        CaToken::None => {
            tracing::info!("no PKCS#11 token configured: Istio CA mode is unavailable");
            return Ok(None);
        }
        CaToken::Configured(token) => token,
        CaToken::Embedded { conf } => tokio::task::spawn_blocking(move || {
            security::ca::embedded::ensure_token(&conf, security::ca::embedded::LABEL)
        })
        .await
        .map_err(|e| CaError::Task(e.to_string()))??,
    };
    let ca = tokio::task::spawn_blocking(move || CertificateAuthority::open(&token, clock))
        .await
        .map_err(|e| CaError::Task(e.to_string()))??;
    tracing::info!(module = %ca.token().module.display(), token = %ca.token().token_label, "mesh CA token open");
    Ok(Some(ca))
}

/// Starts the embedded sandbox fleet (the shipped default scenario, state
/// under `<state-dir>/sandbox`) and writes its kubeconfig and fleet
/// description there. From then on the console knows it only through those
/// two files, exactly as it knows real clusters. Its faults admin endpoint
/// listens on a free loopback port, written to `sandbox-admin.json` there,
/// so members of a running console can be made slow, failing or
/// unreachable from outside.
async fn start_sandbox_fleet(
    state_dir: &std::path::Path,
    hsm: Option<sandbox::SandboxHsm>,
) -> Result<(sandbox::Fleet, std::path::PathBuf), ServeError> {
    let dir = state_dir.join("sandbox");
    let scenario = sandbox::scenario::Scenario::default_fleet();
    let mut options = sandbox::FleetOptions::from_scenario(scenario, Some(dir.clone()));
    options.hsm = hsm;
    options.admin = Some(std::net::SocketAddr::from((
        std::net::Ipv4Addr::LOCALHOST,
        0,
    )));
    let fleet = sandbox::Fleet::start(options)
        .await
        .map_err(ServeError::Sandbox)?;
    let kubeconfig = dir.join("kubeconfig");
    fleet
        .write_kubeconfig(&kubeconfig)
        .map_err(ServeError::Sandbox)?;
    tracing::info!(
        clusters = fleet.members.len(),
        kubeconfig = %kubeconfig.display(),
        admin = fleet.admin_url().unwrap_or_default(),
        "sandbox fleet serving"
    );
    Ok((fleet, kubeconfig))
}

/// Binds `config.listen`, prints the URL to open, serves until a shutdown
/// signal, then lets in-flight requests finish.
pub async fn serve(config: Config) -> Result<(), ServeError> {
    let auth = config.auth_settings()?;
    let csr_settings = config.csr_settings()?;
    for rule in csr_settings.lowered() {
        tracing::warn!(
            signer = %rule.name,
            approvals = rule.required_approvals,
            "the two-person rule is lowered: one officer alone signs with this signer"
        );
        eprintln!(
            "meshdeck: WARNING: --csr-signers lets {} approval(s) sign with {}; the default is two distinct security officers",
            rule.required_approvals, rule.name
        );
    }
    // Before anything starts: a key others may read is refused here.
    let audit_key = config.audit_key()?;
    tracing::info!(key = audit_key.id(), "audit entries keyed");
    let clock = Clock::system();
    let ca = open_ca(config.ca_token()?, clock.clone()).await?;
    let vault_access = config.vault()?;
    let vault = match &vault_access {
        Some(access) => Some(
            hsm::Vault::with_timeout(&access.addr, &access.token, config.call_timeout())
                .map_err(|e| ServeError::Config(e.to_string()))?,
        ),
        None => None,
    };
    // Kept alive for as long as the console serves.
    let sandbox_fleet = match (config.sandbox, &config.kubeconfig) {
        (true, None) => {
            // The simulated clusters reach the same HSM as the console, as
            // real clusters reach the site's (and Vault at the address
            // their istiod is installed with).
            let hsm = ca.as_ref().map(|ca| sandbox::SandboxHsm {
                pkcs11_module: ca.token().module.clone(),
            });
            Some(start_sandbox_fleet(&config.state_dir, hsm).await?)
        }
        _ => None,
    };
    let store = Store::open_configured(config.database_url.as_deref(), &config.state_dir)
        .await?
        .with_audit_key(audit_key, Some(config.audit_checkpoint_file()));
    store.check_audit_key().await?;
    if config.sandbox && matches!(auth.mode, AuthMode::Local) && auth.local_accounts {
        let created =
            auth::bootstrap::sandbox_accounts(&store, auth.hash_cost, clock.now()).await?;
        if created.is_empty() {
            eprintln!(
                "meshdeck: sign in with the accounts printed at first start; lost a password? \
                 `meshdeck --state-dir {} account reset-password NAME`",
                config.state_dir.display()
            );
        } else {
            // Printed once, on the terminal only: never logged, never stored.
            eprint!("{}", auth::bootstrap::announce(&created));
        }
    }
    if matches!(auth.mode, AuthMode::Local)
        && auth.local_accounts
        && store.count_accounts().await? == 0
    {
        tracing::warn!(
            "no accounts yet: create one with `meshdeck account create NAME --role ROLE --admin`"
        );
    }
    let kubeconfig = config
        .kubeconfig
        .clone()
        .or_else(|| sandbox_fleet.as_ref().map(|(_, path)| path.clone()));
    let registry = match &kubeconfig {
        Some(path) => {
            Registry::load_bounded(
                path,
                config.fleet_description.as_deref(),
                config.call_timeout(),
            )
            .await?
        }
        None => {
            tracing::warn!(
                "no kubeconfig: the console has no member clusters (give --kubeconfig, or --sandbox)"
            );
            Registry::empty()
        }
    };
    tracing::info!(members = registry.members.len(), "fleet registry loaded");
    let fleet = FleetService::start(registry, clock.clone(), WatchTiming::default());
    let settings = Settings {
        dist: config.dist.clone(),
        sandbox: config.sandbox,
        auth,
    };
    let mut state =
        AppState::with_fleet(settings, store, clock, fleet).with_csr_settings(csr_settings);
    if let Some(ca) = ca {
        state = state.with_ca(ca.with_call_timeout(config.call_timeout()));
    }
    if let Some(vault) = vault {
        tracing::info!(addr = vault.addr(), "HSM slot credentials in Vault");
        state = state.with_vault(vault);
    }
    // Runs interrupted by the last shutdown carry on where they were, and
    // runs of replicas that stopped are taken over.
    tokio::spawn(mesh::keep_resuming(state.clone()));
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr()?;
    let metrics_on = match config.metrics_listen {
        Some(metrics_addr) => {
            serve_metrics(metrics_addr, state.clone()).await?;
            MetricsOn::OwnListener
        }
        None => MetricsOn::MainListener,
    };
    if !config.dist.join("index.html").is_file() {
        tracing::warn!(dist = %config.dist.display(), "the single-page app is not built; run `cargo xtask run`");
    }
    tracing::info!(%addr, sandbox = config.sandbox, "meshdeck listening");
    // The one line people look for in the terminal.
    eprintln!("meshdeck is ready: open http://{addr}");
    if let Some((fleet, kubeconfig)) = &sandbox_fleet {
        eprintln!(
            "sandbox fleet: {} clusters; for kubectl: export KUBECONFIG={}",
            fleet.members.len(),
            kubeconfig.display()
        );
        if let Some(url) = fleet.admin_url() {
            eprintln!(
                "sandbox faults: {url} (e.g. curl -X PUT {url}/clusters/gke-eu/faults -d '{{\"unreachable\":true}}')"
            );
        }
    }
    // Connect info gives the sign-in limiter and the proxy check the
    // client's address.
    axum::serve(
        listener,
        console(state, metrics_on).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("meshdeck stopped");
    Ok(())
}

/// Binds `addr` and serves only the metrics there (`--metrics-listen`),
/// until the process ends.
async fn serve_metrics(addr: std::net::SocketAddr, state: AppState) -> Result<(), ServeError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })?;
    let bound = listener.local_addr()?;
    tracing::info!(addr = %bound, "metrics listening");
    eprintln!("metrics: http://{bound}{}", metrics::http::METRICS_PATH);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, metrics::http::router(state)).await {
            tracing::error!(%error, "the metrics listener failed");
        }
    });
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
