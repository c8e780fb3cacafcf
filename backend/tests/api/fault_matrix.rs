//! The fault matrix (issue 23): install, migrate, CSR decide, MCS apply
//! and workload deploy, each with a member unreachable, slower than the
//! call timeout, or failing half of its writes with 500. The operation on
//! the faulty member ends failed with a message naming the member (and,
//! after the fault clears, succeeds when performed again: runs are resumed
//! by running them again) or succeeds; the same operation on another
//! member, started while the faulty one is under way, completes before
//! the fault is cleared. An MCS lives on the config cluster only: there
//! the other operation is an MCS apply linking the faulty member while the
//! config cluster is healthy. Behaviour and ordering only: no wall-clock
//! bounds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestSpec,
};
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, PostParams};
use rcgen::KeyPair;
use sandbox::faults::Fault;
use serde_json::{Value, json};
use shared::Role;
use shared::mesh::migration::run::MigrationRun;
use shared::mesh::{CaMode, InstallPhase, InstallProgress, StepState};

use crate::support::{Session, TestConsole, body_json, json_request};

/// Short, so that a slow member fails fast.
const CALL_TIMEOUT: Duration = Duration::from_secs(1);
const FAULTY: &str = "gke-eu";
const OTHER: &str = "gke-us";
/// Where MultiClusterServices live in the default fleet.
const CONFIG_CLUSTER: &str = "gke-us";
const EU_LINK: &str = "europe-west1-c/gke-eu";
const REV: &str = "asm-1106-2";
const WAIT: Duration = Duration::from_secs(90);
const IMAGE: &str = "gcr.io/google-samples/hello-app:1.0";
/// The patch of the next install case's `1.10.6-asm.N`.
static NEXT_ASM_PATCH: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(2);

/// The faults of the matrix.
#[derive(Debug, Clone, Copy)]
enum Injected {
    Unreachable,
    /// Three times the call timeout per request.
    Slow,
    HalfOfWritesFail,
}

const FAULTS: [Injected; 3] = [
    Injected::Unreachable,
    Injected::Slow,
    Injected::HalfOfWritesFail,
];

impl Injected {
    fn fault(self) -> Fault {
        match self {
            Injected::Unreachable => Fault::Unreachable,
            Injected::Slow => Fault::Latency(CALL_TIMEOUT * 3),
            Injected::HalfOfWritesFail => Fault::FailWrites {
                fraction: 0.5,
                status: 500,
                seed: 7,
            },
        }
    }
}

/// The operations of the matrix.
#[derive(Debug, Clone, Copy)]
enum Op {
    Install,
    Migrate,
    CsrDecide,
    McsApply,
    WorkloadDeploy,
}

/// How an operation ended.
#[derive(Debug, PartialEq)]
enum Ended {
    Succeeded,
    /// Its message (with the cluster the error names, if any).
    Failed(String),
}

/// A console with a short call timeout, an operator and an officer.
struct Bench {
    console: TestConsole,
    operator: Session,
    officer: Session,
}

impl Bench {
    async fn new() -> Arc<Self> {
        let console = TestConsole::with_sandbox_bounded(CALL_TIMEOUT).await;
        let operator = console.signed_in("operator", Role::Operator, false).await;
        let officer = console
            .signed_in("olivia", Role::SecurityOfficer, false)
            .await;
        crate::migration::synced(&console, &operator).await;
        Arc::new(Self {
            console,
            operator,
            officer,
        })
    }

    async fn post(&self, session: &Session, path: &str, body: &Value) -> (StatusCode, Value) {
        let response = self
            .console
            .send(json_request(Method::POST, path, body, Some(session)))
            .await;
        let status = response.status();
        (status, body_json(response).await)
    }

    async fn get(&self, path: &str) -> Value {
        let response = self.console.get_as(path, Some(&self.operator)).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        body_json(response).await
    }
}

/// An API error as the operator reads it, with the cluster it names.
fn refused(status: StatusCode, body: &Value) -> Ended {
    Ended::Failed(format!(
        "{status}: {} (cluster {})",
        body["message"].as_str().unwrap_or_default(),
        body["cluster"].as_str().unwrap_or("none")
    ))
}

/// The message of a run's failed step.
fn failed_step(steps: &[shared::mesh::InstallStep]) -> Ended {
    steps
        .iter()
        .find_map(|s| match &s.state {
            StepState::Failed { message } => Some(Ended::Failed(message.clone())),
            _ => None,
        })
        .unwrap_or_else(|| Ended::Failed("failed without a failed step".into()))
}

impl Op {
    /// The member the fault is put on, and the one the same operation
    /// runs on meanwhile (`None`: it runs on the faulty one, see
    /// [`mcs_apply_elsewhere`]).
    fn members(self) -> (&'static str, Option<&'static str>) {
        match self {
            Op::McsApply => (CONFIG_CLUSTER, None),
            _ => (FAULTY, Some(OTHER)),
        }
    }

    /// What every case of this operation needs on both members.
    async fn prepare(self, bench: &Bench) {
        if let Op::Migrate = self {
            for member in [FAULTY, OTHER] {
                crate::migration::install(&bench.console, &bench.operator, member).await;
            }
        }
    }

    /// What one performance on `member` needs, made before the fault:
    /// a reviewed plan, a namespace, a request.
    async fn arm(self, bench: &Bench, member: &str) -> String {
        let console = &bench.console;
        let client = console.state.fleet().client(member).unwrap();
        let name = crate::csr::unique("fm");
        match self {
            Op::Install => {
                let op = &bench.operator;
                let mut s = crate::mesh::settings(console, op, member, CaMode::MeshCa).await;
                // Each case installs a revision of its own: preflight
                // refuses installing over a running one, whatever reason
                // is given.
                let patch = NEXT_ASM_PATCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                s.version = format!("1.10.6-asm.{patch}").parse().unwrap();
                s.revision = s.version.revision();
                crate::mesh::review(console, op, member, &s).await.id
            }
            Op::Migrate => {
                crate::migration::workload(console, &bench.operator, member, &name, IMAGE, 1).await;
                name
            }
            Op::CsrDecide => {
                let (td, _) = crate::csr::mesh_of(console);
                let key = KeyPair::generate().unwrap();
                let pem = crate::csr::request(&[format!("spiffe://{td}/ns/a/sa/b")], false, &key);
                let csr = CertificateSigningRequest {
                    metadata: ObjectMeta {
                        name: Some(name.clone()),
                        ..ObjectMeta::default()
                    },
                    spec: CertificateSigningRequestSpec {
                        request: ByteString(pem.into_bytes()),
                        signer_name: "istio.io/workload".into(),
                        username: Some("alice".into()),
                        usages: Some(vec!["digital signature".into()]),
                        ..CertificateSigningRequestSpec::default()
                    },
                    status: None,
                };
                Api::<CertificateSigningRequest>::all(client)
                    .create(&PostParams::default(), &csr)
                    .await
                    .unwrap();
                name
            }
            Op::McsApply => name,
            Op::WorkloadDeploy => {
                let ns: Namespace =
                    serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
                Api::<Namespace>::all(client)
                    .create(&PostParams::default(), &ns)
                    .await
                    .unwrap();
                name
            }
        }
    }

    /// Performs the operation on `member` with what [`Op::arm`] made, to
    /// its end.
    async fn perform(self, bench: Arc<Bench>, member: &'static str, armed: String) -> Ended {
        match self {
            Op::Install => {
                let body = json!({"plan": armed, "overrides": crate::mesh::overrides(crate::mesh::REASON)});
                let (status, started) = bench
                    .post(&bench.operator, "/api/mesh/installs", &body)
                    .await;
                if status != StatusCode::ACCEPTED {
                    return refused(status, &started);
                }
                let id = started["id"].as_str().unwrap().to_owned();
                let run: InstallProgress = until_ended(
                    &bench,
                    &format!("/api/mesh/installs/{id}"),
                    |r: &InstallProgress| r.phase != InstallPhase::Running,
                )
                .await;
                match run.phase {
                    InstallPhase::Succeeded => Ended::Succeeded,
                    _ => failed_step(&run.steps),
                }
            }
            Op::Migrate => {
                let body = json!({"cluster": member, "namespace": armed, "revision": REV});
                let (status, started) = bench
                    .post(&bench.operator, shared::routes::MESH_MIGRATE, &body)
                    .await;
                if status != StatusCode::ACCEPTED {
                    return refused(status, &started);
                }
                let id = started["id"].as_str().unwrap().to_owned();
                let path = shared::routes::fill(shared::routes::MESH_MIGRATION, &[&id]);
                let run: MigrationRun = until_ended(&bench, &path, |r: &MigrationRun| {
                    r.phase != InstallPhase::Running
                })
                .await;
                match run.phase {
                    InstallPhase::Succeeded => Ended::Succeeded,
                    _ => failed_step(&run.steps),
                }
            }
            Op::CsrDecide => {
                let path = format!("{}/deny", shared::routes::csr(member, &armed));
                let body = json!({"reason": "not a workload of ours"});
                match bench.post(&bench.officer, &path, &body).await {
                    (StatusCode::OK, _) => Ended::Succeeded,
                    (status, body) => refused(status, &body),
                }
            }
            Op::McsApply => {
                // Reviewed (which reads the config cluster) and applied at
                // the reviewed version, as the editor does.
                let body = crate::ingress::mcs("blue", &armed, &[EU_LINK]);
                let review = shared::routes::INGRESS_SERVICE_REVIEW;
                let (status, reviewed) = bench.post(&bench.operator, review, &body).await;
                if status != StatusCode::OK {
                    return refused(status, &reviewed);
                }
                let version = reviewed["resource_version"].as_str();
                let at = crate::ingress::service_at("blue", &armed);
                let applying = crate::ingress::applying(&body, version);
                let response = bench
                    .console
                    .send(json_request(
                        Method::PUT,
                        &at,
                        &applying,
                        Some(&bench.operator),
                    ))
                    .await;
                match response.status() {
                    StatusCode::OK => Ended::Succeeded,
                    status => refused(status, &body_json(response).await),
                }
            }
            Op::WorkloadDeploy => {
                let spec = format!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n      - name: web\n        image: {}\n        resources:\n          requests: {{cpu: 10m, memory: 16Mi}}\n",
                    crate::workloads::PROJECT_A_IMAGE
                );
                let body = json!({"cluster": member, "namespace": armed, "spec": spec});
                match bench
                    .post(&bench.operator, "/api/workloads/migrations", &body)
                    .await
                {
                    (StatusCode::CREATED, _) => Ended::Succeeded,
                    (status, body) => refused(status, &body),
                }
            }
        }
    }
}

/// Polls `path` until the run read there has `ended`.
async fn until_ended<T: serde::de::DeserializeOwned + std::fmt::Debug>(
    bench: &Bench,
    path: &str,
    ended: impl Fn(&T) -> bool,
) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        let run: T = serde_json::from_value(bench.get(path).await).unwrap();
        if ended(&run) {
            return run;
        }
        assert!(Instant::now() < deadline, "never ended: {run:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One row of the matrix: `op` under each fault.
async fn row(op: Op) {
    let bench = Bench::new().await;
    op.prepare(&bench).await;
    let (faulty_member, other_member) = op.members();
    let sandbox = bench.console.sandbox.as_ref().unwrap();
    let faults = sandbox.cluster(faulty_member).unwrap().faults();
    for injected in FAULTS {
        let on_faulty = op.arm(&bench, faulty_member).await;
        let on_other = match other_member {
            Some(other) => Some((other, op.arm(&bench, other).await)),
            None => None,
        };
        faults.set(injected.fault());
        faults.applied().await;

        let faulty = tokio::spawn(op.perform(Arc::clone(&bench), faulty_member, on_faulty.clone()));
        // Started while the faulty one is under way, it completes while
        // the fault is still there.
        if let Some((other, armed)) = on_other {
            let ended = op.perform(Arc::clone(&bench), other, armed).await;
            assert_eq!(
                ended,
                Ended::Succeeded,
                "{op:?} on {other} with {injected:?} on {faulty_member}"
            );
        }
        let ended = faulty.await.unwrap();
        eprintln!("{op:?} with {injected:?} on {faulty_member}: {ended:?}");
        faults.restore();
        faults.applied().await;
        match ended {
            Ended::Succeeded => {}
            Ended::Failed(message) => {
                assert!(
                    message.contains(faulty_member),
                    "{op:?} with {injected:?}: the failure names {faulty_member}: {message}"
                );
                // A member answering a write with 500 failed, not the
                // request: a refused request is a 502 naming the member.
                if let Injected::HalfOfWritesFail = injected
                    && message.starts_with(|c: char| c.is_ascii_digit())
                {
                    assert!(
                        message.starts_with("502")
                            && message.ends_with(&format!("(cluster {faulty_member})")),
                        "{op:?} with {injected:?}: {message}"
                    );
                }
                // Performed again once the fault cleared, it completes.
                let again = op
                    .perform(Arc::clone(&bench), faulty_member, on_faulty)
                    .await;
                assert_eq!(again, Ended::Succeeded, "{op:?} again after {injected:?}");
            }
        }
    }
}

/// An MCS apply linking a member under each fault completes: the config
/// cluster it is written to is healthy.
async fn mcs_apply_elsewhere() {
    let bench = Bench::new().await;
    let sandbox = bench.console.sandbox.as_ref().unwrap();
    let faults = sandbox.cluster(FAULTY).unwrap().faults();
    for injected in FAULTS {
        let armed = Op::McsApply.arm(&bench, CONFIG_CLUSTER).await;
        faults.set(injected.fault());
        faults.applied().await;
        let ended = Op::McsApply
            .perform(Arc::clone(&bench), CONFIG_CLUSTER, armed)
            .await;
        assert_eq!(
            ended,
            Ended::Succeeded,
            "MCS apply with {injected:?} on {FAULTY}"
        );
        faults.restore();
        faults.applied().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installs_fail_on_a_faulty_member_naming_it_and_go_on_elsewhere() {
    row(Op::Install).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_fail_on_a_faulty_member_naming_it_and_go_on_elsewhere() {
    row(Op::Migrate).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csr_decisions_fail_on_a_faulty_member_naming_it_and_go_on_elsewhere() {
    row(Op::CsrDecide).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcs_applies_fail_on_a_faulty_config_cluster_naming_it_and_go_on_elsewhere() {
    row(Op::McsApply).await;
    mcs_apply_elsewhere().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploys_fail_on_a_faulty_member_naming_it_and_go_on_elsewhere() {
    row(Op::WorkloadDeploy).await;
}
