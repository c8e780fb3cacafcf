//! Runs survive the console (issue 23): the real `meshdeck` binary, killed
//! with SIGKILL in the middle of a namespace migration and started again
//! on the same state directory, lists the run, finishes it from its last
//! completed step and restarts every Deployment exactly once; and an
//! install run is still listed and readable after a restart.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, PostParams};
use sandbox::faults::Fault;
use serde_json::{Value, json};
use shared::fleet::Fleet;
use shared::mesh::migration::run::MigrationRun;
use shared::mesh::{InstallPhase, InstallProgress, StepState};
use shared::{AuditPage, Outcome, Role};

use crate::faults::http;
use crate::migration::{client, install, synced, workload};
use crate::support::{TestConsole, body_json, temp_dir, test_store, test_store_shared};

pub(crate) const WAIT: Duration = Duration::from_secs(90);
const REV: &str = "asm-1106-2";
const NAMESPACE: &str = "shop";
const DEPLOYMENTS: [&str; 6] = ["app", "cart", "checkout", "pay", "search", "stock"];

/// Where a console keeps its state: the directory, and the database URL
/// when the tests run on PostgreSQL.
pub(crate) struct Place {
    dir: PathBuf,
    database: Option<String>,
}

impl Place {
    pub(crate) async fn new() -> Self {
        let database = match std::env::var("MESHDECK_TEST_DATABASE_URL") {
            Ok(_) => {
                let store = test_store().await;
                let url = store.url().to_owned();
                store.close().await;
                Some(url)
            }
            Err(_) => None,
        };
        Self {
            dir: temp_dir("restart"),
            database,
        }
    }

    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_meshdeck"));
        command
            .arg("--state-dir")
            .arg(&self.dir)
            .env("RUST_LOG", "warn")
            .env_remove("SOFTHSM2_CONF");
        if let Some(url) = &self.database {
            command.arg("--database-url").arg(url);
        }
        command
    }

    /// Creates operator `name`; its generated password.
    pub(crate) fn account(&self, name: &str) -> String {
        let out = self
            .command()
            .args(["account", "create", name, "--role", "operator"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }
}

/// A console process, killed (SIGKILL) when dropped.
pub(crate) struct Console {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `meshdeck` as replica `replica` on `place`, watching
/// `kubeconfig`, until it is ready.
pub(crate) fn serve(place: &Place, kubeconfig: &Path, replica: &str) -> Console {
    let mut child = place
        .command()
        .env("MESHDECK_REPLICA", replica)
        .args(["--listen", "127.0.0.1:0", "--dist", "/nonexistent"])
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut console = Console {
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
    };
    let (lines, seen) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut said = String::new();
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = seen
            .recv_timeout(left)
            .unwrap_or_else(|e| panic!("not ready ({e}); said:\n{said}"));
        said.push_str(&line);
        said.push('\n');
        if let Some(url) = line.strip_prefix("meshdeck is ready: open http://") {
            console.addr = url.trim().parse().unwrap();
            return console;
        }
    }
}

/// A signed-in session on a console process.
pub(crate) struct Browser {
    addr: SocketAddr,
    cookie: String,
    csrf: String,
}

impl Browser {
    pub(crate) fn sign_in(console: &Console, name: &str, password: &str) -> Self {
        let body = json!({"name": name, "password": password}).to_string();
        let (status, info, head) =
            blocking(|| http(console.addr, "POST", "/api/session", &[], &body));
        assert_eq!(status, 200, "{head}");
        let cookie = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
            .find_map(|(_, v)| v.trim().strip_prefix("meshdeck_session="))
            .map(|rest| rest.split(';').next().unwrap().to_owned())
            .unwrap();
        Self {
            addr: console.addr,
            cookie: format!("meshdeck_session={cookie}"),
            csrf: info["csrf_token"].as_str().unwrap().to_owned(),
        }
    }

    /// The same session (cookie and CSRF token) sent to another replica.
    pub(crate) fn on(&self, console: &Console) -> Self {
        Self {
            addr: console.addr,
            cookie: self.cookie.clone(),
            csrf: self.csrf.clone(),
        }
    }

    pub(crate) fn get(&self, path: &str) -> (u16, Value) {
        let (status, body, _) = blocking(|| {
            http(
                self.addr,
                "GET",
                path,
                &[("cookie", self.cookie.as_str())],
                "",
            )
        });
        (status, body)
    }

    pub(crate) fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let body = body.to_string();
        let (status, body, _) = blocking(|| {
            http(
                self.addr,
                "POST",
                path,
                &[
                    ("cookie", self.cookie.as_str()),
                    ("x-csrf-token", self.csrf.as_str()),
                ],
                &body,
            )
        });
        (status, body)
    }

    /// Follows `path`'s Server-Sent Events on a thread until the stream
    /// ends: each `progress` event's data as it arrives, and when.
    pub(crate) fn follow(&self, path: &str) -> mpsc::Receiver<(Instant, Value)> {
        use std::io::Write;
        let request = format!(
            "GET {path} HTTP/1.0\r\nhost: {}\r\ncookie: {}\r\naccept: text/event-stream\r\n\r\n",
            self.addr, self.cookie
        );
        let addr = self.addr;
        let (events, seen) = mpsc::channel();
        std::thread::spawn(move || {
            let mut stream = std::net::TcpStream::connect(addr).unwrap();
            stream.set_read_timeout(Some(WAIT)).unwrap();
            stream.write_all(request.as_bytes()).unwrap();
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if let Some(data) = line.strip_prefix("data:") {
                    let _ =
                        events.send((Instant::now(), serde_json::from_str(data.trim()).unwrap()));
                }
            }
        });
        seen
    }

    fn run(&self, id: &str) -> MigrationRun {
        let (status, body) = self.get(&format!("/api/mesh/migrations/{id}"));
        assert_eq!(status, 200, "{body}");
        serde_json::from_value(body).unwrap()
    }

    /// Polls `/api/fleet` until `done` holds.
    pub(crate) fn fleet_when(&self, what: &str, done: impl Fn(&Fleet) -> bool) {
        let deadline = Instant::now() + WAIT;
        loop {
            let (status, body) = self.get("/api/fleet");
            assert_eq!(status, 200);
            let fleet: Fleet = serde_json::from_value(body).unwrap();
            if done(&fleet) {
                return;
            }
            assert!(Instant::now() < deadline, "never {what}: {fleet:#?}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// Blocking I/O on a worker of the multi-threaded test runtime, which
/// keeps serving the sandbox fleet meanwhile.
pub(crate) fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

/// The restarts of `run` done so far.
fn restarts_done(run: &MigrationRun) -> usize {
    run.steps
        .iter()
        .filter(|s| s.title.starts_with("Rolling restart"))
        .filter(|s| matches!(s.state, StepState::Done { .. }))
        .count()
}

/// Each Deployment of `namespace`: its rollout revision and the restart
/// stamp of the run that last restarted it.
pub(crate) async fn deployments(
    client: &kube::Client,
    namespace: &str,
) -> Vec<(String, String, String)> {
    let list = Api::<Deployment>::namespaced(client.clone(), namespace)
        .list(&Default::default())
        .await
        .unwrap();
    list.items
        .into_iter()
        .map(|d| {
            let revision = d
                .metadata
                .annotations
                .unwrap_or_default()
                .get("deployment.kubernetes.io/revision")
                .cloned()
                .unwrap_or_default();
            let restarted_by = d
                .spec
                .template
                .metadata
                .and_then(|m| m.annotations)
                .unwrap_or_default()
                .get("meshdeck.io/restart")
                .cloned()
                .unwrap_or_default();
            (d.metadata.name.unwrap_or_default(), revision, restarted_by)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_killed_between_steps_resumes_after_a_restart_restarting_each_deployment_once()
{
    killed_mid_migration(false).await;
}

/// Two replicas on one database: the one driving the run is killed, and
/// the other takes the run over once its lease has expired.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_whose_replica_is_killed_is_taken_over_by_another_replica() {
    killed_mid_migration(true).await;
}

/// Kills the console driving a migration of a namespace with several
/// Deployments between two steps; then a console restarted on the same
/// state (or, with `takeover`, a second replica running beside it)
/// finishes the run, restarting each Deployment once.
async fn killed_mid_migration(takeover: bool) {
    // The fleet outlives the consoles, as clusters do. An in-process
    // console installs the revision and creates the namespace.
    let fleet = sandbox::Fleet::start(sandbox::FleetOptions::from_scenario(
        sandbox::scenario::Scenario::default_fleet(),
        None,
    ))
    .await
    .unwrap();
    let kubeconfig = temp_dir("kubeconfig").join("kubeconfig");
    fleet.write_kubeconfig(&kubeconfig).unwrap();
    let mut setup = TestConsole::watching(fleet, &kubeconfig, None).await;
    let operator = setup.signed_in("operator", Role::Operator, false).await;
    synced(&setup, &operator).await;
    install(&setup, &operator, "gke-us").await;
    workload(
        &setup,
        &operator,
        "gke-us",
        NAMESPACE,
        "gcr.io/google-samples/hello-app:1.0",
        1,
    )
    .await;
    let gke_us = client(&setup, "gke-us");
    for name in &DEPLOYMENTS[1..] {
        let deployment: Deployment = serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": NAMESPACE, "labels": {"app": name}},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": {"app": name}},
                    "spec": {"containers": [{"name": "app",
                        "image": "gcr.io/google-samples/hello-app:1.0",
                        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}}
        }))
        .unwrap();
        Api::<Deployment>::namespaced(gke_us.clone(), NAMESPACE)
            .create(&PostParams::default(), &deployment)
            .await
            .unwrap();
    }
    let fleet = setup.sandbox.take().unwrap();
    drop(setup);

    let place = Place::new().await;
    let password = place.account("olga");
    let first = serve(&place, &kubeconfig, "replica-a");
    let beside = takeover.then(|| serve(&place, &kubeconfig, "replica-b"));
    let olga = Browser::sign_in(&first, "olga", &password);
    olga.fleet_when("saw the revision and the namespace", |f| {
        f.cluster("gke-us").is_some_and(|c| {
            c.reachability.is_reachable()
                && c.namespace(NAMESPACE).is_some()
                && c.control_planes
                    .iter()
                    .any(|cp| cp.revision == REV && cp.webhook)
        })
    });

    // Slow member: each restart takes a few round trips of 150 ms (more
    // with a follower on the other replica, which reads the store each
    // second).
    let faults = fleet.cluster("gke-us").unwrap().faults();
    let latency = if takeover { 400 } else { 150 };
    faults.set(Fault::Latency(Duration::from_millis(latency)));
    faults.applied().await;
    let (status, started) = olga.post(
        "/api/mesh/migrations/migrate",
        &json!({"cluster": "gke-us", "namespace": NAMESPACE, "revision": REV}),
    );
    assert_eq!(status, 202, "{started}");
    let run: MigrationRun = serde_json::from_value(started).unwrap();
    assert_eq!(restarts_done(&run), 0);
    // Followed on the other replica from the start: it sees the run
    // progress while A drives it and after it takes over.
    // The session signed in on A serves on B too (sessions and CSRF
    // tokens are in the database), and follows the run there.
    let followed = beside.as_ref().map(|b| {
        let on_b = olga.on(b);
        let (status, session) = on_b.get("/api/session");
        assert_eq!(status, 200, "A's session on B: {session}");
        assert_eq!(session["account"]["name"], "olga");
        on_b.follow(&shared::routes::fill(
            shared::routes::MESH_MIGRATION_EVENTS,
            &[&run.id],
        ))
    });
    let deadline = Instant::now() + WAIT;
    // With a follower on B: B's stream shows A's progress (from the
    // store) before A is killed.
    let mut on_b = Vec::new();
    if let Some(events) = &followed {
        while !on_b.iter().any(|r| restarts_done(r) >= 1) {
            let left = deadline.saturating_duration_since(Instant::now());
            let (_, event) = events
                .recv_timeout(left)
                .unwrap_or_else(|e| panic!("replica B showed no progress ({e}): {on_b:#?}"));
            on_b.push(serde_json::from_value::<MigrationRun>(event).unwrap());
        }
    }
    let at_kill = loop {
        let now = olga.run(&run.id);
        if restarts_done(&now) >= 1 {
            break now;
        }
        assert!(Instant::now() < deadline, "no restart done: {now:#?}");
        std::thread::sleep(Duration::from_millis(20));
    };
    let killed = Instant::now();
    drop(first); // SIGKILL, between two steps
    assert!(
        restarts_done(&at_kill) < DEPLOYMENTS.len(),
        "killed too late: {at_kill:#?}"
    );
    faults.restore();
    faults.applied().await;

    // A new console on the same state (or the other replica): the run is
    // there and carries on.
    let second = beside.unwrap_or_else(|| serve(&place, &kubeconfig, "replica-a"));
    let olga = Browser::sign_in(&second, "olga", &password);
    let (status, listed) = olga.get("/api/mesh/migrations");
    assert_eq!(status, 200, "{listed}");
    let listed: Vec<MigrationRun> = serde_json::from_value(listed).unwrap();
    assert_eq!(
        listed.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        [run.id.as_str()]
    );
    let deadline = Instant::now() + WAIT;
    let done = loop {
        let now = olga.run(&run.id);
        if now.phase != InstallPhase::Running {
            break now;
        }
        assert!(Instant::now() < deadline, "never finished: {now:#?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(done.phase, InstallPhase::Succeeded, "{done:#?}");
    assert_eq!(restarts_done(&done), DEPLOYMENTS.len(), "{done:#?}");
    if let Some(events) = followed {
        // B's stream carried on and ended with the run.
        let rest: Vec<(Instant, MigrationRun)> = events
            .iter()
            .map(|(at, v)| (at, serde_json::from_value::<MigrationRun>(v).unwrap()))
            .collect();
        // Printed, not asserted: the first step replica B drove.
        let before = rest
            .iter()
            .filter(|(at, _)| *at < killed)
            .map(|(_, r)| restarts_done(r))
            .chain(on_b.iter().map(restarts_done))
            .chain([restarts_done(&at_kill)])
            .max()
            .unwrap_or_default();
        if let Some((at, _)) = rest
            .iter()
            .find(|(at, r)| *at > killed && restarts_done(r) > before)
        {
            eprintln!(
                "takeover: replica B's first step {:.1} s after replica A was killed",
                at.duration_since(killed).as_secs_f64()
            );
        }
        on_b.extend(rest.into_iter().map(|(_, r)| r));
        let last = on_b.last().unwrap();
        assert_eq!(last.phase, InstallPhase::Succeeded, "{last:#?}");
        assert_eq!(restarts_done(last), DEPLOYMENTS.len());
    }

    // Each Deployment rolled out once (revision 1 → 2), by this run.
    let mut expected: Vec<(String, String, String)> = DEPLOYMENTS
        .iter()
        .map(|d| ((*d).to_owned(), "2".to_owned(), run.id.clone()))
        .collect();
    expected.sort();
    let mut seen = deployments(&gke_us, NAMESPACE).await;
    seen.sort();
    assert_eq!(seen, expected);

    // The outcome of the resumed run is audited, once.
    let (status, page) = olga.get("/api/audit?action=mesh.migrate.outcome");
    assert_eq!(status, 200, "{page}");
    let page: AuditPage = serde_json::from_value(page).unwrap();
    let outcomes: Vec<(Outcome, bool)> = page
        .entries
        .iter()
        .map(|e| (e.outcome, e.params.contains(&format!("run={}", run.id))))
        .collect();
    assert_eq!(outcomes, [(Outcome::Success, true)]);
    drop(fleet);
}

#[tokio::test]
async fn an_install_run_is_listed_and_read_after_a_restart() {
    let shared_store = test_store_shared().await;
    let fleet = sandbox::Fleet::start(sandbox::FleetOptions::from_scenario(
        sandbox::scenario::Scenario::default_fleet(),
        None,
    ))
    .await
    .unwrap();
    let kubeconfig = temp_dir("kubeconfig").join("kubeconfig");
    fleet.write_kubeconfig(&kubeconfig).unwrap();
    let mut first =
        TestConsole::watching_on(fleet, &kubeconfig, None, shared_store.store.clone()).await;
    let operator = first.signed_in("operator", Role::Operator, false).await;
    synced(&first, &operator).await;
    install(&first, &operator, "gke-us").await;
    let response = first.get_as("/api/mesh/installs", Some(&operator)).await;
    let before: Vec<InstallProgress> = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].phase, InstallPhase::Succeeded);

    let fleet = first.sandbox.take().unwrap();
    drop(first);
    let second =
        TestConsole::watching_on(fleet, &kubeconfig, None, shared_store.reopen().await).await;
    let operator = second.sign_in("operator", "operator-password").await;
    let response = second.get_as("/api/mesh/installs", Some(&operator)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let after: Vec<InstallProgress> = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(after, before);
    let response = second
        .get_as(
            &format!("/api/mesh/installs/{}", before[0].id),
            Some(&operator),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let read: InstallProgress = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(read, before[0]);
    // A run from before the restart is followed to its end too.
    let response = second
        .get_as(
            &format!("/api/mesh/installs/{}/events", before[0].id),
            Some(&operator),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// A plan reviewed through replica A is exported and run through replica
/// B on the same database (reviewed plans are in the store, not in A's
/// memory).
#[tokio::test]
async fn a_plan_reviewed_on_one_replica_is_run_on_another() {
    let shared_store = test_store_shared().await;
    let fleet = sandbox::Fleet::start(sandbox::FleetOptions::from_scenario(
        sandbox::scenario::Scenario::default_fleet(),
        None,
    ))
    .await
    .unwrap();
    let kubeconfig = temp_dir("kubeconfig").join("kubeconfig");
    fleet.write_kubeconfig(&kubeconfig).unwrap();
    let a = TestConsole::watching_on(fleet, &kubeconfig, None, shared_store.store.clone()).await;
    let on_a = a.signed_in("operator", Role::Operator, false).await;
    let b = a.beside(shared_store.reopen().await).await;
    let on_b = b.sign_in("operator", "operator-password").await;
    synced(&a, &on_a).await;
    synced(&b, &on_b).await;

    let settings = crate::mesh::settings(&a, &on_a, "gke-us", shared::mesh::CaMode::MeshCa).await;
    let review = crate::mesh::review(&a, &on_a, "gke-us", &settings).await;
    let response = b
        .get_as(
            &format!("/api/mesh/plans/{}/export", review.id),
            Some(&on_b),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let run = crate::mesh::install(&b, &on_b, &review.id, Some(crate::mesh::REASON)).await;
    let done = crate::mesh::finished(&b, &on_b, &run.id).await;
    assert_eq!(done.phase, InstallPhase::Succeeded, "{done:#?}");
    // A lists B's run from the store.
    let response = a.get_as("/api/mesh/installs", Some(&on_a)).await;
    let listed: Vec<InstallProgress> = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(listed.iter().map(|r| &r.id).collect::<Vec<_>>(), [&run.id]);
}
