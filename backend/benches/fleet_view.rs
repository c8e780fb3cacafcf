//! How live and how light the fleet view is. Prints, in one run:
//!
//! 1. write → delta latency: a namespace relabelled in a member cluster,
//!    timed until the console's `/api/events` stream carries the delta,
//!    beside a kube watcher on the same cluster seeing the same write (the
//!    ratio is the figure);
//! 2. for a scaled fleet (50 clusters × 2,000 pods): the console's initial
//!    sync time and its resident memory, beside a raw parallel LIST of the
//!    same objects.
//!
//! The sandbox runs in a child process (this same binary, re-executed), so
//! the resident memory measured here is the console's alone.
//!
//! `cargo bench -p meshdeck-backend --bench fleet_view` (`SCALE=10x500` for a
//! smaller scaled fleet)

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, header};
use backend::auth::bootstrap;
use backend::auth::{AuthSettings, HashCost};
use backend::clock::Clock;
use backend::cluster::{FleetService, Registry, WatchTiming};
use backend::store::Store;
use backend::{AppState, Settings};
use futures_util::StreamExt;
use http_body_util::BodyExt;
use k8s_openapi::api::core::v1::{Namespace, Node, Pod};
use kube::api::{Api, ListParams, Patch, PatchParams};
use kube::runtime::watcher::{self, Event, watcher};
use shared::fleet::{ClusterChange, Fleet, FleetDelta};
use tower::ServiceExt;

const LATENCY_RUNS: usize = 100;
/// The scaled fleet, `SCALE=CLUSTERSxPODS` (default 50x2000), seed 7.
fn scale_spec() -> sandbox::scale::ScaleSpec {
    let text = std::env::var("SCALE").unwrap_or_else(|_| "50x2000".into());
    let mut spec: sandbox::scale::ScaleSpec = text.parse().expect("SCALE is CLUSTERSxPODS");
    spec.seed = 7;
    spec
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve-sandbox") {
        serve_sandbox(Path::new(&args[i + 1]), &args[i + 2]);
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        latency().await;
        scale().await;
    });
}

/// The child: serves a sandbox fleet and writes its kubeconfig to `dir`.
fn serve_sandbox(dir: &Path, fleet: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let options = match fleet {
            "default" => sandbox::FleetOptions::from_scenario(
                sandbox::scenario::Scenario::default_fleet(),
                None,
            ),
            _ => sandbox::FleetOptions::scaled(scale_spec()),
        };
        let fleet = sandbox::Fleet::start(options)
            .await
            .expect("start the sandbox");
        fleet
            .write_kubeconfig(&dir.join("kubeconfig"))
            .expect("write the kubeconfig");
        std::fs::write(dir.join("ready"), "").expect("write the ready marker");
        std::future::pending::<()>().await;
    });
}

/// A sandbox fleet in a child process, killed on drop.
struct SandboxProcess {
    child: Child,
    kubeconfig: PathBuf,
}

impl SandboxProcess {
    fn start(fleet: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "meshdeck-fleet-bench-{}-{fleet}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("bench dir");
        let child = Command::new(std::env::current_exe().expect("this binary"))
            .arg("--serve-sandbox")
            .arg(&dir)
            .arg(fleet)
            .stdout(Stdio::null())
            .spawn()
            .expect("start the sandbox child");
        let deadline = Instant::now() + Duration::from_secs(600);
        while !dir.join("ready").exists() {
            assert!(Instant::now() < deadline, "the sandbox did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            kubeconfig: dir.join("kubeconfig"),
        }
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The console on `kubeconfig`'s fleet, and a signed-in session cookie.
async fn console(kubeconfig: &Path) -> (Router, FleetService, String) {
    let dir = kubeconfig.parent().expect("a directory");
    let store = Store::open_sqlite_in(dir).await.expect("database");
    let registry = Registry::load(kubeconfig, None).await.expect("registry");
    let fleet = FleetService::start(registry, Clock::system(), WatchTiming::default());
    let account = shared::Account {
        name: "bench".into(),
        role: shared::Role::Manager,
        admin: false,
    };
    let created = bootstrap::create_account(
        &store,
        HashCost::TestOnly,
        Clock::system().now(),
        "bench",
        account,
        None,
    )
    .await
    .expect("account");
    let settings = Settings {
        dist: dir.to_owned(),
        sandbox: false,
        auth: AuthSettings {
            hash_cost: HashCost::TestOnly,
            ..AuthSettings::default()
        },
    };
    let app = backend::app(AppState::with_fleet(
        settings,
        store,
        Clock::system(),
        fleet.clone(),
    ));
    let body = serde_json::json!({"name": "bench", "password": created.password});
    let response = send(
        &app,
        Request::post("/api/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request"),
    )
    .await;
    let cookie = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("meshdeck_session="))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
        .expect("signed in");
    (app, fleet, cookie)
}

async fn send(app: &Router, mut request: Request<Body>) -> axum::response::Response {
    let peer: SocketAddr = "127.0.0.1:40000".parse().expect("address");
    request.extensions_mut().insert(ConnectInfo(peer));
    app.clone().oneshot(request).await.expect("response")
}

async fn wait_until(fleet: &FleetService, what: &str, done: impl Fn(&Fleet) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(600);
    while !done(&fleet.snapshot()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A kube client per member of `kubeconfig`'s fleet, as the console
/// itself makes them.
async fn member_clients(kubeconfig: &Path) -> Vec<(String, kube::Client)> {
    let registry = Registry::load(kubeconfig, None).await.expect("registry");
    registry
        .members
        .into_iter()
        .map(|r| {
            (
                r.member.name.to_string(),
                r.client.expect("a usable context"),
            )
        })
        .collect()
}

/// When the observer behind `rx` saw label value `rev`.
async fn seen(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<(String, Instant)>,
    rev: &str,
) -> Instant {
    loop {
        let (seen_rev, at) = rx.recv().await.expect("stream open");
        if seen_rev == rev {
            return at;
        }
    }
}

#[expect(clippy::print_stdout, reason = "a benchmark prints its figures")]
async fn latency() {
    let sandbox = SandboxProcess::start("default");
    let (app, fleet, cookie) = console(&sandbox.kubeconfig).await;
    wait_until(&fleet, "the fleet to sync", |f| {
        f.clusters.iter().all(|c| c.reachability.is_reachable())
    })
    .await;
    let client = member_clients(&sandbox.kubeconfig)
        .await
        .into_iter()
        .find_map(|(name, client)| (name == "gke-eu").then_some(client))
        .expect("gke-eu");
    let namespaces: Api<Namespace> = Api::all(client);

    // The console's stream, read as a browser would.
    let (sse_tx, mut sse_rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    let since = fleet.snapshot().version;
    let response = send(
        &app,
        Request::get(format!("/api/events?since={since}"))
            .header(header::COOKIE, format!("meshdeck_session={cookie}"))
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    let mut body = response.into_body();
    tokio::spawn(async move {
        let mut buffer = String::new();
        while let Some(Ok(frame)) = body.frame().await {
            let Ok(data) = frame.into_data() else {
                continue;
            };
            let seen = Instant::now();
            buffer.push_str(&String::from_utf8_lossy(&data));
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                let Some(json) = block.lines().find_map(|l| l.strip_prefix("data:")) else {
                    continue;
                };
                let Ok(delta) = serde_json::from_str::<FleetDelta>(json.trim()) else {
                    continue;
                };
                if let ClusterChange::Namespace(ns) = delta.change
                    && ns.name == "blue"
                    && let Some(rev) = ns.rev_label
                {
                    let _ = sse_tx.send((rev, seen));
                }
            }
        }
    });

    // A plain kube watcher on the same member.
    let (watch_tx, mut watch_rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    let watched = namespaces.clone();
    let (synced_tx, synced_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let mut synced = Some(synced_tx);
        let mut events = watcher(watched, watcher::Config::default()).boxed();
        while let Some(Ok(event)) = events.next().await {
            let seen = Instant::now();
            match event {
                Event::InitDone => {
                    if let Some(tx) = synced.take() {
                        let _ = tx.send(());
                    }
                }
                Event::Apply(ns) if ns.metadata.name.as_deref() == Some("blue") => {
                    if let Some(rev) = ns
                        .metadata
                        .labels
                        .and_then(|l| l.get("istio.io/rev").cloned())
                    {
                        let _ = watch_tx.send((rev, seen));
                    }
                }
                _ => {}
            }
        }
    });
    synced_rx.await.expect("watcher synced");

    let mut console_samples = Vec::new();
    let mut watcher_samples = Vec::new();
    for i in 0..LATENCY_RUNS {
        let rev = format!("bench-{i}");
        let patch = serde_json::json!({"metadata": {"labels": {"istio.io/rev": rev}}});
        let written = Instant::now();
        namespaces
            .patch("blue", &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .expect("relabel");
        let at_console = tokio::time::timeout(Duration::from_secs(30), seen(&mut sse_rx, &rev))
            .await
            .expect("the delta arrived");
        let at_watcher = tokio::time::timeout(Duration::from_secs(30), seen(&mut watch_rx, &rev))
            .await
            .expect("the watch event arrived");
        console_samples.push(at_console - written);
        watcher_samples.push(at_watcher - written);
    }
    let (c50, c99) = (
        percentile(&mut console_samples, 0.5),
        percentile(&mut console_samples, 0.99),
    );
    let (w50, w99) = (
        percentile(&mut watcher_samples, 0.5),
        percentile(&mut watcher_samples, 0.99),
    );
    println!("write → delta, {LATENCY_RUNS} namespace relabels on one member:");
    println!("  console /api/events  p50 {}  p99 {}", ms(c50), ms(c99));
    println!("  kube watcher         p50 {}  p99 {}", ms(w50), ms(w99));
    println!(
        "  ratio console/watcher  p50 {:.2}×  p99 {:.2}×",
        c50.as_secs_f64() / w50.as_secs_f64(),
        c99.as_secs_f64() / w99.as_secs_f64()
    );
}

#[expect(clippy::print_stdout, reason = "a benchmark prints its figures")]
async fn scale() {
    let spec = scale_spec();
    let started = Instant::now();
    let sandbox = SandboxProcess::start("scaled");
    println!(
        "\nscaled fleet: {} clusters × {} pods (seed {}), sandbox ready in {:.1} s (separate process)",
        spec.clusters,
        spec.pods_per_cluster,
        spec.seed,
        started.elapsed().as_secs_f64()
    );
    let rss_before = rss_kib();
    let sync_started = Instant::now();
    let (_app, fleet, _cookie) = console(&sandbox.kubeconfig).await;
    let expected = u32::try_from(spec.clusters * spec.pods_per_cluster).expect("fits");
    wait_until(&fleet, "the scaled fleet to sync", |f| {
        let pods: u32 = f
            .clusters
            .iter()
            .flat_map(|c| &c.namespaces)
            .map(|n| n.pod_total().total)
            .sum();
        f.clusters.iter().all(|c| c.reachability.is_reachable()) && pods >= expected
    })
    .await;
    let sync_time = sync_started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_synced = rss_kib();

    // Raw parallel LIST of what the console watches, as a floor.
    let clients: Vec<kube::Client> = member_clients(&sandbox.kubeconfig)
        .await
        .into_iter()
        .map(|(_, client)| client)
        .collect();
    let list_started = Instant::now();
    let lists = clients.iter().map(|client| {
        let client = client.clone();
        async move {
            let params = ListParams::default();
            let pods = Api::<Pod>::all(client.clone())
                .list(&params)
                .await
                .expect("pods");
            let nodes = Api::<Node>::all(client.clone())
                .list(&params)
                .await
                .expect("nodes");
            let namespaces = Api::<Namespace>::all(client)
                .list(&params)
                .await
                .expect("namespaces");
            pods.items.len() + nodes.items.len() + namespaces.items.len()
        }
    });
    let listed: usize = futures_util::future::join_all(lists)
        .await
        .into_iter()
        .sum();
    let list_time = list_started.elapsed();
    drop(clients);

    println!(
        "  raw parallel LIST (pods, nodes, namespaces; {listed} objects): {:.2} s",
        list_time.as_secs_f64()
    );
    println!(
        "  console initial sync (watch + project, all members reachable, {expected} pods counted): {:.2} s",
        sync_time.as_secs_f64()
    );
    println!(
        "  ratio sync/LIST {:.2}×",
        sync_time.as_secs_f64() / list_time.as_secs_f64()
    );
    println!(
        "  console RSS: {rss_before} KiB before starting, {rss_synced} KiB synced ({} bytes per pod of growth)",
        (rss_synced.saturating_sub(rss_before) * 1024) / u64::from(expected)
    );
}
