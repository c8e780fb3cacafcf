//! The manifests in `deploy/` (issue #28, "Running in a cluster"): the
//! Deployment passes only options the console has; kubectl accepts them
//! with a server-side dry run on a sandbox member; and the member
//! ClusterRole in `deploy/member-rbac/` is what the console needs: an
//! install and a namespace migration succeed as a user bound to exactly
//! that role on a member that enforces RBAC, fail with the API server's
//! 403 when one rule is gone, and every rule is used there or named with
//! the feature that uses it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use clap::Parser;
use serde_json::{Value, json};
use shared::Role;
use shared::mesh::InstallPhase;

use crate::migration::{install, operate, synced};
use crate::support::{Session, TestConsole, temp_dir};

const CLUSTER: &str = "gke-eu";
const REV: &str = "asm-1106-2";

/// `(verb, group, resource[/subresource])`.
type Access = (String, String, String);

/// Rules of the member ClusterRole an install and a migration do not use,
/// each with the feature that does (or why a real API server needs it).
#[rustfmt::skip]
const USED_ELSEWHERE: &[(&str, &str, &str, &str)] = &[
    ("delete", "", "services", "finishing a migration deletes the old istiod Service"),
    ("delete", "apps", "deployments", "finishing a migration deletes the old istiod"),
    ("delete", "autoscaling", "horizontalpodautoscalers", "finishing a migration"),
    ("delete", "policy", "poddisruptionbudgets", "finishing a migration"),
    ("delete", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "finishing a migration"),
    ("list", "admissionregistration.k8s.io", "validatingwebhookconfigurations", "finishing a migration"),
    ("delete", "admissionregistration.k8s.io", "validatingwebhookconfigurations", "finishing a migration"),
    ("list", "apps", "replicasets", "rolling back a moved gateway"),
    ("get", "", "secrets", "Istio CA installs (cacerts), HSM requests, the trust inventory"),
    ("patch", "", "secrets", "Istio CA installs (cacerts), HSM answers, the token reviewer"),
    ("create", "", "secrets", "Istio CA installs (cacerts), the token reviewer, pull secrets"),
    ("list", "", "secrets", "the workload pull-secret doctor"),
    ("delete", "", "secrets", "deleting a migrated workload (its pull secret copy)"),
    ("list", "", "configmaps", "the trust inventory (cluster/trust.rs)"),
    ("delete", "", "configmaps", "deleting a migrated workload"),
    ("delete", "", "serviceaccounts", "deleting a migrated workload"),
    ("get", "", "persistentvolumeclaims", "workload migration"),
    ("create", "", "persistentvolumeclaims", "workload migration"),
    ("patch", "", "persistentvolumeclaims", "workload migration"),
    ("delete", "", "persistentvolumeclaims", "deleting a migrated workload"),
    ("get", "apps", "statefulsets", "workload migration"),
    ("create", "apps", "statefulsets", "workload migration"),
    ("patch", "apps", "statefulsets", "workload migration"),
    ("delete", "apps", "statefulsets", "deleting a migrated workload"),
    ("get", "apps", "daemonsets", "workload migration"),
    ("create", "apps", "daemonsets", "workload migration"),
    ("patch", "apps", "daemonsets", "workload migration"),
    ("delete", "apps", "daemonsets", "deleting a migrated workload"),
    ("get", "", "pods/log", "why an istiod is not ready"),
    ("bind", "rbac.authorization.k8s.io", "clusterroles", "checked by a real API server on bindings"),
    ("bind", "rbac.authorization.k8s.io", "roles", "checked by a real API server on bindings"),
    ("escalate", "rbac.authorization.k8s.io", "clusterroles", "checked by a real API server on roles"),
    ("escalate", "rbac.authorization.k8s.io", "roles", "checked by a real API server on roles"),
    ("get", "certificates.k8s.io", "certificatesigningrequests", "the CSR queue"),
    ("list", "certificates.k8s.io", "certificatesigningrequests", "the CSR queue"),
    ("patch", "certificates.k8s.io", "certificatesigningrequests/approval", "approving or denying a CSR"),
    ("patch", "certificates.k8s.io", "certificatesigningrequests/status", "issuing a CSR"),
    ("approve", "certificates.k8s.io", "signers", "checked by a real API server on approval"),
    ("sign", "certificates.k8s.io", "signers", "checked by a real API server on issuance"),
    ("get", "install.istio.io", "istiooperators", "installs planned as an IstioOperator"),
    ("create", "install.istio.io", "istiooperators", "installs planned as an IstioOperator"),
    ("patch", "install.istio.io", "istiooperators", "installs planned as an IstioOperator"),
    ("get", "networking.gke.io", "multiclusterservices", "multi-cluster ingress"),
    ("create", "networking.gke.io", "multiclusterservices", "multi-cluster ingress"),
    ("list", "networking.gke.io", "multiclusterservices", "multi-cluster ingress"),
    ("patch", "networking.gke.io", "multiclusterservices", "multi-cluster ingress"),
    ("delete", "networking.gke.io", "multiclusterservices", "multi-cluster ingress"),
    ("get", "networking.gke.io", "multiclusteringresses", "multi-cluster ingress"),
    ("create", "networking.gke.io", "multiclusteringresses", "multi-cluster ingress"),
    ("list", "networking.gke.io", "multiclusteringresses", "multi-cluster ingress"),
    ("patch", "networking.gke.io", "multiclusteringresses", "multi-cluster ingress"),
    ("delete", "networking.gke.io", "multiclusteringresses", "multi-cluster ingress"),
];

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

/// The objects of the kustomization in `dir`, file by file, in order.
fn documents(dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("kustomization.yaml")).unwrap();
    let kustomization: Value = serde_yaml::from_str(&text).unwrap();
    let mut objects = Vec::new();
    for file in kustomization["resources"].as_array().unwrap() {
        let text = std::fs::read_to_string(dir.join(file.as_str().unwrap())).unwrap();
        for document in serde_yaml::Deserializer::from_str(&text) {
            let object: Value = serde::Deserialize::deserialize(document).unwrap();
            if !object.is_null() {
                objects.push(object);
            }
        }
    }
    objects
}

fn of_kind(objects: &[Value], kind: &str) -> Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in deploy/"))
        .clone()
}

/// kubectl 1.37, which `cargo xtask test` installs and names in
/// `MESHDECK_KUBECTL`.
fn kubectl() -> PathBuf {
    let bin = std::env::var_os("MESHDECK_KUBECTL").map(PathBuf::from);
    match bin {
        Some(bin) if bin.is_file() => bin,
        other => panic!(
            "kubectl not found (MESHDECK_KUBECTL={other:?}): run `cargo xtask test`, or set MESHDECK_KUBECTL to kubectl 1.37"
        ),
    }
}

#[test]
fn the_deployment_passes_only_options_the_console_has() {
    let objects = documents(&deploy_dir());
    let deployment = of_kind(&objects, "Deployment");
    let spec = &deployment["spec"]["template"]["spec"];
    assert_eq!(deployment["spec"]["replicas"], 2);
    let console = spec["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "console")
        .unwrap();
    let args: Vec<&str> = console["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let parsed =
        backend::config::Cli::try_parse_from(std::iter::once("meshdeck").chain(args.clone()));
    let cli = parsed.unwrap_or_else(|e| panic!("deploy/deployment.yaml's args {args:?}: {e}"));
    assert!(cli.command.is_none(), "it serves the console");
    assert_eq!(cli.config.listen.port(), 8080);
    for probe in ["readinessProbe", "livenessProbe"] {
        assert_eq!(
            console[probe]["httpGet"]["path"],
            shared::routes::HEALTH,
            "{probe}"
        );
    }
    assert!(console["resources"]["requests"]["memory"].is_string());
    assert!(console["resources"]["limits"]["memory"].is_string());

    // Credentials by reference only: the database URL from a Secret, and
    // every file option naming a file of a mounted Secret.
    let database = console["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "MESHDECK_DATABASE_URL")
        .unwrap();
    assert_eq!(
        database["valueFrom"]["secretKeyRef"]["name"],
        "meshdeck-database"
    );
    assert!(database.get("value").is_none());
    let mounted = |volume: &str| -> String {
        console["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == volume)
            .unwrap_or_else(|| panic!("volume {volume} is not mounted"))["mountPath"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let secret_of = |volume: &str| -> Value {
        spec["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == volume)
            .unwrap()["secret"]
            .clone()
    };
    for (option, volume, secret) in [
        ("--vault-token-file=", "vault", "meshdeck-vault"),
        ("--pkcs11-pin-file=", "pkcs11", "meshdeck-pkcs11"),
        ("--kubeconfig=", "members", "meshdeck-members"),
    ] {
        let file = args.iter().find_map(|a| a.strip_prefix(option)).unwrap();
        assert!(
            file.starts_with(&format!("{}/", mounted(volume))),
            "{option}{file}"
        );
        assert_eq!(secret_of(volume)["secretName"], secret);
    }
    // The audit key: copied from its Secret into the state volume (mode
    // 0400, the console's own) where --audit-key-file expects it.
    let key = args
        .iter()
        .find_map(|a| a.strip_prefix("--audit-key-file="))
        .unwrap();
    assert!(key.starts_with(&format!("{}/", mounted("state"))), "{key}");
    let copy = &spec["initContainers"][0];
    let command: Vec<&str> = copy["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(command.first(), Some(&"install"));
    assert_eq!(command.last(), Some(&key));
    assert_eq!(secret_of("audit")["secretName"], "meshdeck-audit");
    let oidc = secret_of("oidc");
    assert_eq!(
        (oidc["secretName"].as_str(), oidc["optional"].as_bool()),
        (Some("meshdeck-oidc"), Some(true))
    );
    assert!(mounted("oidc").starts_with("/etc/meshdeck/"));
    assert_eq!(
        of_kind(&objects, "PodDisruptionBudget")["spec"]["minAvailable"],
        1
    );
}

#[tokio::test]
async fn kubectl_accepts_deploy_with_a_server_side_dry_run_on_a_sandbox_member() {
    let kubectl = kubectl();
    let fleet = sandbox::Fleet::start(sandbox::FleetOptions::in_memory(&[CLUSTER]))
        .await
        .unwrap();
    let kubeconfig = temp_dir("deploy").join("kubeconfig");
    fleet.write_kubeconfig(&kubeconfig).unwrap();
    let run = |args: Vec<String>| {
        let kubectl = kubectl.clone();
        let kubeconfig = kubeconfig.clone();
        async move {
            let out = tokio::process::Command::new(kubectl)
                .arg("--kubeconfig")
                .arg(&kubeconfig)
                .args(["--context", CLUSTER])
                .args(&args)
                .output()
                .await
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            assert!(out.status.success(), "kubectl {args:?}: {stderr}{stdout}");
            stdout
        }
    };
    let deploy = deploy_dir();
    run(vec!["create".into(), "namespace".into(), "meshdeck".into()]).await;
    for dir in [deploy.clone(), deploy.join("member-rbac")] {
        let out = run(vec![
            "apply".into(),
            "--dry-run=server".into(),
            "-k".into(),
            dir.display().to_string(),
        ])
        .await;
        for object in documents(&dir) {
            let name = object["metadata"]["name"].as_str().unwrap();
            let line = format!("/{name} created (server dry run)");
            assert!(out.contains(&line), "{}: {out}", object["kind"]);
        }
    }
    // A dry run stores nothing.
    let member = fleet.cluster(CLUSTER).unwrap();
    assert!(
        member
            .store
            .get("deployments.apps", "meshdeck", "meshdeck")
            .is_none()
    );
    assert!(
        member
            .store
            .get(
                "clusterroles.rbac.authorization.k8s.io",
                "",
                "meshdeck-console"
            )
            .is_none()
    );
}

/// The member ClusterRole as `deploy/member-rbac/` has it.
fn member_role() -> Value {
    of_kind(&documents(&deploy_dir().join("member-rbac")), "ClusterRole")
}

/// Every `(verb, group, resource)` `role` grants.
fn grants_of(role: &Value) -> BTreeSet<Access> {
    let mut all = BTreeSet::new();
    for rule in role["rules"].as_array().unwrap() {
        let each = |field: &str| -> Vec<String> {
            rule[field]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        for verb in each("verbs") {
            for group in each("apiGroups") {
                for resource in each("resources") {
                    all.insert((verb.clone(), group.clone(), resource));
                }
            }
        }
    }
    all
}

/// A console whose kubeconfig reaches [`CLUSTER`] as the account
/// `deploy/member-rbac/` creates there (the other members as admin), with
/// an operator signed in and the fleet synced.
async fn restricted_console() -> (TestConsole, Session) {
    let fleet = sandbox::Fleet::start(sandbox::FleetOptions::from_scenario(
        sandbox::scenario::Scenario::default_fleet(),
        None,
    ))
    .await
    .unwrap();
    let member = fleet.cluster(CLUSTER).unwrap().clone();
    for object in documents(&deploy_dir().join("member-rbac")) {
        sandbox::restricted::create(&member, object).await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let token = loop {
        let secret = member
            .store
            .get("secrets", "kube-system", "meshdeck-console-token")
            .unwrap();
        if let Some(token) = secret["data"]["token"].as_str() {
            let token = base64::engine::general_purpose::STANDARD
                .decode(token)
                .unwrap();
            break String::from_utf8(token).unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "the token Secret was never filled in"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let kubeconfig = temp_dir("restricted").join("kubeconfig");
    fleet.write_kubeconfig(&kubeconfig).unwrap();
    let restricted = sandbox::restricted::kubeconfig(&fleet, &[(CLUSTER, token.as_str())]);
    std::fs::write(&kubeconfig, restricted).unwrap();
    let console = TestConsole::watching(fleet, &kubeconfig, None).await;
    let operator = console.signed_in("operator", Role::Operator, false).await;
    synced(&console, &operator).await;
    (console, operator)
}

/// Replaces the member ClusterRole on [`CLUSTER`] with `role`, as its admin.
async fn set_role(console: &TestConsole, role: &Value) {
    let member = console.sandbox.as_ref().unwrap().cluster(CLUSTER).unwrap();
    member.store.put(
        "clusterroles.rbac.authorization.k8s.io",
        "",
        "meshdeck-console",
        role.clone(),
    );
}

#[tokio::test]
async fn the_member_cluster_role_is_what_an_install_and_a_migration_need() {
    let (console, operator) = restricted_console().await;
    install(&console, &operator, CLUSTER).await;
    let migrate = json!({"cluster": CLUSTER, "namespace": "blue", "revision": REV});

    // Without patch on namespaces the relabelling is the member's 403.
    let role = member_role();
    let mut reduced = role.clone();
    for rule in reduced["rules"].as_array_mut().unwrap() {
        if rule["resources"] == json!(["namespaces"]) {
            rule["verbs"] = json!(["get", "list", "watch"]);
        }
    }
    set_role(&console, &reduced).await;
    let refused = operate(&console, &operator, "migrate", migrate.clone()).await;
    assert_eq!(refused.phase, InstallPhase::Failed, "{refused:#?}");
    let (step, why) = refused.failure().unwrap();
    assert!(step.starts_with("Label namespace blue"), "{step}");
    assert!(
        why.contains(
            r#"cannot patch resource "namespaces" in API group "" in the namespace "blue""#
        ),
        "{why}"
    );

    // With the whole role it goes through.
    set_role(&console, &role).await;
    let run = operate(&console, &operator, "migrate", migrate).await;
    assert_eq!(run.phase, InstallPhase::Succeeded, "{run:#?}");

    // Every rule is used here or named with what uses it elsewhere.
    let granted = grants_of(&role);
    let member = console.sandbox.as_ref().unwrap().cluster(CLUSTER).unwrap();
    let used: BTreeSet<Access> = member
        .granted()
        .into_iter()
        .map(|(_, verb, group, resource)| (verb, group, resource))
        .collect();
    let outside: Vec<&Access> = used.difference(&granted).collect();
    assert!(outside.is_empty(), "used beyond the role: {outside:?}");
    let elsewhere: BTreeSet<Access> = USED_ELSEWHERE
        .iter()
        .map(|(v, g, r, _)| ((*v).to_owned(), (*g).to_owned(), (*r).to_owned()))
        .collect();
    let stale: Vec<&Access> = elsewhere.difference(&granted).collect();
    assert!(
        stale.is_empty(),
        "USED_ELSEWHERE names what the role lacks: {stale:?}"
    );
    let unexplained: Vec<&Access> = granted
        .iter()
        .filter(|a| !used.contains(*a) && !elsewhere.contains(*a))
        .collect();
    assert!(
        unexplained.is_empty(),
        "rules nothing uses: {unexplained:?}"
    );
    // A rule named as used elsewhere may be used here too: an install
    // reads istiod's log when it waits long on a loaded machine.
}
