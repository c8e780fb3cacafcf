//! istiod in HSM mode (SPEC §2.2 mode 3, seed 004) through the kube crate,
//! against a real SoftHSM2 slot and a real OpenBao dev server: the pod
//! waits at 2/3 with its CSR encrypted in `istio-ca-cert-csr`, refuses a
//! chain for another key, loads one signed for its request and becomes
//! 3/3; a PIN Vault has wrong, or none at all, keeps its sidecars unready.
//! istiod reaches Vault with its service account token (Kubernetes auth,
//! reviewed by the cluster's TokenReview), never with a Vault token.

#![expect(
    clippy::unwrap_used,
    reason = "a failing step should fail the test loudly"
)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use k8s_openapi::ByteString;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace, Node, Pod, Secret, ServiceAccount};
use k8s_openapi::api::rbac::v1::ClusterRoleBinding;
use kube::Client;
use kube::api::{Api, DeleteParams, ListParams, LogParams, Patch, PatchParams, PostParams};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DnType, IsCa, Issuer,
    KeyPair,
};
use sandbox::{FleetOptions, SandboxHsm};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sha2::Digest;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;

use hsm::{Envelope, HsmCredentials, KubernetesApi, Vault, dev_vault::DevVault};

const NS: &str = "istio-system";
const TRUST_DOMAIN: &str = "proj-1234.svc.id.goog";

/// Polls `$body` (an `Option`) until it is `Some`, failing after a while.
macro_rules! eventually {
    ($what:expr, $body:expr) => {{
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(v) = async { $body }.await {
                break v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {}", $what);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }};
}

fn typed<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap()
}

fn module() -> &'static Path {
    hsm::softhsm::module_from_env().unwrap()
}

/// A slot as the console provisions it: credentials and KEK.
struct Slot {
    label: String,
    credentials: HsmCredentials,
    kek: String,
}

fn provision(test: &str) -> Slot {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let label = format!("{test}-{:x}", nanos ^ u64::from(std::process::id()));
    let credentials = HsmCredentials::generate();
    hsm::provision_slot(module(), &label, &credentials).unwrap();
    let kek = hsm::new_kek_id();
    hsm::with_slot(module(), &label, &credentials.pin, |s| s.ensure_kek(&kek)).unwrap();
    Slot {
        label,
        credentials,
        kek,
    }
}

fn root_vault() -> Vault {
    let dev = DevVault::shared();
    Vault::new(&dev.addr, &dev.root_token).unwrap()
}

async fn store_pin(path: &str, credentials: &HsmCredentials) {
    root_vault()
        .write_credentials(path, credentials)
        .await
        .unwrap();
}

/// A token reviewer on the cluster as the console sets one up: a service
/// account with a token Secret, bound to `system:auth-delegator` when
/// `bound`; its token, once the cluster filled it in.
async fn reviewer_token(client: &Client, name: &str, bound: bool) -> String {
    let pp = PostParams::default();
    Api::<ServiceAccount>::namespaced(client.clone(), "kube-system")
        .create(&pp, &typed(json!({"metadata": {"name": name}})))
        .await
        .unwrap();
    if bound {
        Api::<ClusterRoleBinding>::all(client.clone())
            .create(
                &pp,
                &typed(json!({"metadata": {"name": name},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                "name": "system:auth-delegator"},
                    "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": "kube-system"}]})),
            )
            .await
            .unwrap();
    }
    let secret = Api::<Secret>::namespaced(client.clone(), "kube-system")
        .create(
            &pp,
            &typed(json!({"metadata": {"name": format!("{name}-token"),
                    "annotations": {"kubernetes.io/service-account.name": name}},
                "type": "kubernetes.io/service-account-token"})),
        )
        .await
        .unwrap();
    let data = secret.data.unwrap();
    assert_eq!(data["namespace"].0, b"kube-system");
    assert!(
        String::from_utf8(data["ca.crt"].0.clone())
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    String::from_utf8(data["token"].0.clone()).unwrap()
}

/// Kubernetes auth for `fleet`'s cluster at `path`, reviewing tokens with
/// `reviewer_jwt`.
async fn configure_auth(fleet: &common::TestFleet, path: &str, reviewer_jwt: String) {
    let api = KubernetesApi {
        host: fleet.fleet.members[0].server.clone(),
        ca_pem: Some(fleet.fleet.ca_pem.clone()),
        reviewer_jwt,
    };
    root_vault().grant_istiod(path, &api).await.unwrap();
}

/// What the console sets up in Vault for istiod on `fleet`'s cluster: the
/// read policy, Kubernetes auth against its API server with a token
/// reviewer, the role.
async fn grant_istiod(fleet: &common::TestFleet, path: &str) {
    let client = fleet.client("onprem-1").await;
    let reviewer = reviewer_token(&client, "vault-reviewer", true).await;
    let api = KubernetesApi {
        host: fleet.fleet.members[0].server.clone(),
        ca_pem: Some(fleet.fleet.ca_pem.clone()),
        reviewer_jwt: reviewer,
    };
    root_vault().grant_istiod(path, &api).await.unwrap();
    assert_eq!(
        root_vault()
            .istiod_grant_problem(path, &api.host)
            .await
            .unwrap(),
        None
    );
}

/// istiod-`rev`'s service account, then its Deployment.
async fn create_istiod(client: &Client, rev: &str, slot: &Slot, path: &str, root_sha256: &str) {
    let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), NS);
    accounts
        .create(
            &PostParams::default(),
            &typed(json!({"metadata": {"name": format!("istiod-{rev}"), "namespace": NS}})),
        )
        .await
        .unwrap();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), NS);
    deployments
        .create(
            &PostParams::default(),
            &istiod(rev, slot, path, root_sha256),
        )
        .await
        .unwrap();
}

fn hsm_access() -> SandboxHsm {
    SandboxHsm {
        pkcs11_module: module().to_owned(),
    }
}

async fn fleet(test: &str, hsm: Option<SandboxHsm>) -> (common::TestFleet, Client) {
    let mut options = FleetOptions::in_memory(&["onprem-1"]);
    options.hsm = hsm;
    let fleet = common::start_with(test, options).await;
    let client = fleet.client("onprem-1").await;
    let nodes: Api<Node> = Api::all(client.clone());
    for i in 1..=3 {
        let name = format!("node-{i}");
        nodes
            .create(
                &PostParams::default(),
                &typed(json!({"metadata": {"name": name}})),
            )
            .await
            .unwrap();
        let status = json!({"status": {
            "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
            "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True"}],
        }});
        nodes
            .patch_status(&name, &PatchParams::default(), &Patch::Merge(status))
            .await
            .unwrap();
    }
    let namespaces: Api<Namespace> = Api::all(client.clone());
    namespaces
        .create(
            &PostParams::default(),
            &typed(json!({"metadata": {"name": NS}})),
        )
        .await
        .unwrap();
    (fleet, client)
}

/// istiod-`rev` in HSM mode, as the console's install plan applies it.
fn istiod(rev: &str, slot: &Slot, secret_path: &str, root_sha256: &str) -> Deployment {
    let env = |pairs: &[(&str, &str)]| -> Value {
        pairs
            .iter()
            .map(|(k, v)| json!({"name": k, "value": v}))
            .collect()
    };
    let labels = json!({"app": "istiod", "istio.io/rev": rev});
    typed(json!({
        "metadata": {"name": format!("istiod-{rev}"), "namespace": NS, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "serviceAccountName": format!("istiod-{rev}"),
                    "containers": [
                        {"name": "discovery", "image": "gcr.io/gke-release/asm/pilot:1.10.6-asm.2", "env": env(&[
                            ("TRUST_DOMAIN", TRUST_DOMAIN), ("REVISION", rev), ("CLUSTER_ID", "onprem-1"),
                            ("EXTERNAL_CA", "ISTIOD_RA_HSM"), ("ROOT_CERT_SHA256", root_sha256),
                        ])},
                        {"name": "hsm-plugin", "image": "gcr.io/thalescpl-io-k8s-kms-plugin/hsm-plugin:asm-1.7-1", "env": env(&[
                            ("P11_TOKEN", &slot.label), ("KEK_ID", &slot.kek),
                            ("P11_PIN_FILE", "/var/run/hsm-credential/pin"), ("SOCKET", "/var/run/hsm-socket/.sock"),
                        ])},
                        {"name": "vault-client", "image": "gcr.io/gke-release/asm/vaultclient:latest", "env": env(&[
                            ("VAULT_ADDR", &DevVault::shared().addr), ("VAULT_SECRET_PATH", secret_path),
                            ("VAULT_AUTH_PATH", &format!("auth/{secret_path}/login")), ("VAULT_AUTH_ROLE", "istiod"),
                            ("VAULT_AUTH_JWT_PATH", "/var/run/secrets/kubernetes.io/serviceaccount/token"),
                        ])},
                    ]
                }
            }
        }
    }))
}

/// `kubectl` (the one the kubectl tests use) against the fleet's cluster.
async fn kubectl(fleet: &common::TestFleet, args: &[&str]) -> String {
    let installed =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tools/kubectl-venv/bin/kubectl");
    let bin = std::env::var_os("MESHDECK_KUBECTL").map_or(installed, std::path::PathBuf::from);
    let out = tokio::process::Command::new(&bin)
        .arg("--kubeconfig")
        .arg(&fleet.kubeconfig)
        .args(["--context", "onprem-1"])
        .args(args)
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The READY column `kubectl get pod` prints for the istiod pod of `rev`.
async fn ready_column(fleet: &common::TestFleet, rev: &str) -> String {
    let selector = format!("istio.io/rev={rev}");
    let table = kubectl(
        fleet,
        &["get", "pod", "-n", NS, "-l", &selector, "--no-headers"],
    )
    .await;
    let row = table.lines().next().unwrap_or_default();
    row.split_whitespace().nth(1).unwrap_or_default().to_owned()
}

/// Each container's readiness by name.
fn readiness(pod: &Pod) -> BTreeMap<String, bool> {
    pod.status
        .iter()
        .flat_map(|s| s.container_statuses.iter().flatten())
        .map(|c| (c.name.clone(), c.ready))
        .collect()
}

fn condition<'a>(pod: &'a Pod, kind: &str) -> Option<&'a k8s_openapi::api::core::v1::PodCondition> {
    pod.status
        .as_ref()?
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == kind)
}

fn ready_map(discovery: bool, plugin: bool, vault: bool) -> BTreeMap<String, bool> {
    BTreeMap::from([
        ("discovery".to_owned(), discovery),
        ("hsm-plugin".to_owned(), plugin),
        ("vault-client".to_owned(), vault),
    ])
}

/// The pod of `rev` once its containers' readiness is `want`.
async fn pod_with(pods: &Api<Pod>, rev: &str, want: &BTreeMap<String, bool>) -> Pod {
    let selector = format!("istio.io/rev={rev}");
    eventually!(format!("an istiod {rev} pod with readiness {want:?}"), {
        let list = pods
            .list(&ListParams::default().labels(&selector))
            .await
            .unwrap();
        list.items
            .into_iter()
            .find(|p| p.metadata.deletion_timestamp.is_none() && readiness(p) == *want)
    })
}

async fn log_of(pods: &Api<Pod>, pod: &Pod, container: &str) -> String {
    let params = LogParams {
        container: Some(container.into()),
        ..LogParams::default()
    };
    pods.logs(pod.metadata.name.as_deref().unwrap(), &params)
        .await
        .unwrap()
}

/// The log of `container` once it contains `text`.
async fn log_with(pods: &Api<Pod>, pod: &Pod, container: &str, text: &str) -> String {
    let mut last = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        last = log_of(pods, pod, container).await;
        if last.contains(text) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{container} never logged {text:?}:\n{last}");
}

fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
}

/// The mesh root and an intermediate under it, as issuers.
struct Pki {
    root_pem: String,
    root_sha256: String,
    middle_pem: String,
    middle: Issuer<'static, KeyPair>,
}

fn pki() -> Pki {
    let root_key = KeyPair::generate().unwrap();
    let root = ca_params("mesh root").self_signed(&root_key).unwrap();
    let root_issuer = Issuer::new(ca_params("mesh root"), root_key);
    let middle_key = KeyPair::generate().unwrap();
    let middle = ca_params("mesh intermediate")
        .signed_by(&middle_key, &root_issuer)
        .unwrap();
    Pki {
        root_pem: root.pem(),
        root_sha256: hex::encode(sha2::Sha256::digest(root.der())),
        middle_pem: middle.pem(),
        middle: Issuer::new(ca_params("mesh intermediate"), middle_key),
    }
}

fn secret_bytes(secret: &Secret) -> BTreeMap<String, Vec<u8>> {
    secret
        .data
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.0.clone()))
        .collect()
}

async fn put_chain(secrets: &Api<Secret>, chain: String) {
    let _ = secrets
        .delete("istio-ca-cert", &DeleteParams::default())
        .await;
    let secret: Secret = typed(json!({
        "metadata": {"name": "istio-ca-cert", "namespace": NS},
        "type": "Opaque",
    }));
    let secret = Secret {
        data: Some(BTreeMap::from([(
            "cert-chain.pem".to_owned(),
            ByteString(chain.into_bytes()),
        )])),
        ..secret
    };
    secrets
        .create(&PostParams::default(), &secret)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hsm_istiod_waits_with_an_encrypted_request_and_loads_a_chain_for_its_key() {
    let slot = provision("hsm-ok");
    let path = format!("asm-{}/hsm", slot.label);
    // As for a network HSM: its connection files beside the PIN.
    let network = HsmCredentials {
        client_cert: Some("client certificate".into()),
        client_key: Some("client key".into()),
        server_cert: Some("server certificate".into()),
        ..slot.credentials.clone()
    };
    store_pin(&path, &network).await;
    let pki = pki();
    let (fleet, client) = fleet("istiod-hsm-ok", Some(hsm_access())).await;
    grant_istiod(&fleet, &path).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), NS);
    let secrets: Api<Secret> = Api::namespaced(client.clone(), NS);
    let rev = "asm-1106-2";
    create_istiod(&client, rev, &slot, &path, &pki.root_sha256).await;

    // 2/3: the sidecars are ready, discovery waits for its certificate.
    let pod = pod_with(&pods, rev, &ready_map(false, true, true)).await;
    assert_eq!(ready_column(&fleet, rev).await, "2/3");
    let ready = condition(&pod, "Ready").unwrap();
    assert_eq!(ready.status, "False");
    let containers_ready = condition(&pod, "ContainersReady").unwrap();
    assert_eq!(containers_ready.status, "False");
    assert_eq!(
        containers_ready.message.as_deref(),
        Some("containers with unready status: [discovery]")
    );
    let wait = "info\tpkica\tWait until the CA certificate secret istio-system.istio-ca-cert can be loaded...";
    let discovery = log_with(&pods, &pod, "discovery", wait).await;
    assert_eq!(discovery.matches(wait).count(), 1, "{discovery}");
    let plugin = log_of(&pods, &pod, "hsm-plugin").await;
    for line in [
        "The token has been initialized and is reassigned to slot ",
        "INFO Loaded P11 PIN from file: /var/run/hsm-credential/pin line=\"cmd/serve.go:93\"",
        "INFO KMS Plugin Listening on : /var/run/hsm-socket/.sock line=\"cmd/serve.go:119\"",
        "INFO Serving on socket: /var/run/hsm-socket/.sock line=\"cmd/serve.go:198\"",
        &format!("KEK ID: {}", slot.kek),
    ] {
        assert!(plugin.contains(line), "{line:?} not in:\n{plugin}");
    }
    let pod_name = pod.metadata.name.clone().unwrap();
    let vault_log = kubectl(&fleet, &["logs", "-n", NS, &pod_name, "-c", "vault-client"]).await;
    assert!(vault_log.contains(&path), "{vault_log}");
    assert!(
        vault_log.contains(&format!(
            "Logged in to Vault at {} (auth/{path}/login, role istiod) as istio-system/istiod-{rev}",
            DevVault::shared().addr
        )),
        "{vault_log}"
    );
    assert!(!vault_log.contains(&slot.credentials.pin), "{vault_log}");
    assert!(
        vault_log.contains("wrote the HSM client certificate and key to /var/run/hsm-credential/clientcert and /var/run/hsm-credential/clientkey and the HSM server certificate to /var/run/hsm-credential/servercert"),
        "{vault_log}"
    );
    assert!(!vault_log.contains("client key"), "{vault_log}");

    // The request, encrypted with the cluster's KEK.
    let sealed = secrets.get("istio-ca-cert-csr").await.unwrap();
    assert_eq!(
        sealed.metadata.labels.as_ref().unwrap()["istio.io/rev"],
        rev
    );
    assert_eq!(
        sealed.metadata.annotations.as_ref().unwrap()["meshdeck.io/requested-by"],
        format!("system:serviceaccount:istio-system:istiod-{rev}")
    );
    let envelope = Envelope::from_secret_data(&secret_bytes(&sealed)).unwrap();
    assert_eq!(envelope.kek_id, slot.kek);
    let csr_pem = hsm::with_slot(module(), &slot.label, &slot.credentials.pin, |s| {
        s.decrypt(&envelope)
    })
    .unwrap();
    let csr_pem = String::from_utf8(csr_pem).unwrap();
    let (_, block) = x509_parser::pem::parse_x509_pem(csr_pem.as_bytes()).unwrap();
    let (_, csr) = X509CertificationRequest::from_der(&block.contents).unwrap();
    csr.verify_signature().unwrap();
    assert_eq!(
        csr.certification_request_info.subject.to_string(),
        format!("CN=istiod {rev} intermediate CA, O={TRUST_DOMAIN}")
    );
    let (mut sans, mut ca) = (Vec::new(), None);
    for ext in csr.requested_extensions().into_iter().flatten() {
        match ext {
            ParsedExtension::SubjectAlternativeName(san) => {
                for name in &san.general_names {
                    if let GeneralName::URI(uri) = name {
                        sans.push((*uri).to_owned());
                    }
                }
            }
            ParsedExtension::BasicConstraints(bc) => ca = Some((bc.ca, bc.path_len_constraint)),
            _ => {}
        }
    }
    assert_eq!(
        sans,
        [format!(
            "spiffe://{TRUST_DOMAIN}/ns/istio-system/sa/istiod-{rev}"
        )]
    );
    assert_eq!(ca, Some((true, Some(0))));

    // A chain for another key is refused, and says so.
    let stranger = KeyPair::generate().unwrap();
    let foreign = ca_params("not istiod")
        .signed_by(&stranger, &pki.middle)
        .unwrap();
    put_chain(
        &secrets,
        format!("{}{}{}", foreign.pem(), pki.middle_pem, pki.root_pem),
    )
    .await;
    let refused = "error\tpkica\tfailed to load the CA certificate secret istio-system/istio-ca-cert: the first certificate (CN=not istiod) is not for istiod's CA key";
    log_with(&pods, &pod, "discovery", refused).await;
    let still = pods
        .get(pod.metadata.name.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(readiness(&still), ready_map(false, true, true));

    // A request deleted while istiod waits is made again, for the same key.
    secrets
        .delete("istio-ca-cert-csr", &DeleteParams::default())
        .await
        .unwrap();
    let remade = eventually!("the request made again", {
        secrets.get_opt("istio-ca-cert-csr").await.unwrap()
    });
    let envelope = Envelope::from_secret_data(&secret_bytes(&remade)).unwrap();
    let remade_pem = hsm::with_slot(module(), &slot.label, &slot.credentials.pin, |s| {
        s.decrypt(&envelope)
    })
    .unwrap();
    let remade =
        CertificateSigningRequestParams::from_pem(std::str::from_utf8(&remade_pem).unwrap())
            .unwrap();
    let first = CertificateSigningRequestParams::from_pem(&csr_pem).unwrap();
    assert_eq!(
        rcgen::PublicKeyData::der_bytes(&remade.public_key),
        rcgen::PublicKeyData::der_bytes(&first.public_key)
    );
    eventually!("the second request in the discovery log", {
        let discovery = log_of(&pods, &pod, "discovery").await;
        let wrote = discovery
            .matches("Wrote the CA certificate request")
            .count();
        assert!(wrote <= 2, "{discovery}");
        (wrote == 2).then_some(())
    });

    // A chain signed for the request: 3/3, and the chain in the log.
    let request = CertificateSigningRequestParams::from_pem(&csr_pem).unwrap();
    let signed = request.signed_by(&pki.middle).unwrap();
    put_chain(
        &secrets,
        format!("{}{}{}", signed.pem(), pki.middle_pem, pki.root_pem),
    )
    .await;
    let pod = pod_with(&pods, rev, &ready_map(true, true, true)).await;
    assert_eq!(condition(&pod, "Ready").unwrap().status, "True");
    assert_eq!(ready_column(&fleet, rev).await, "3/3");
    let discovery = log_with(&pods, &pod, "discovery", "marking server ready").await;
    let loaded = discovery.split("info\tpkica\tCA cert:\n").nth(1).unwrap();
    let expected = format!(
        "{}\nintermediate certs:\n{}\nroot cert:\n{}\n",
        signed.pem().trim_end(),
        pki.middle_pem.trim_end(),
        pki.root_pem.trim_end()
    );
    assert!(loaded.starts_with(&expected), "{discovery}");
    assert_eq!(discovery.matches(refused).count(), 1, "{discovery}");

    // A restarted pod of the revision keeps its key: its request stays,
    // and the chain loads at once.
    let version = secrets
        .get("istio-ca-cert-csr")
        .await
        .unwrap()
        .metadata
        .resource_version;
    pods.delete(
        pod.metadata.name.as_deref().unwrap(),
        &DeleteParams::default(),
    )
    .await
    .unwrap();
    let again = eventually!("a new ready istiod pod", {
        let list = pods.list(&ListParams::default()).await.unwrap();
        list.items.into_iter().find(|p| {
            p.metadata.name != pod.metadata.name && readiness(p) == ready_map(true, true, true)
        })
    });
    let discovery = log_with(&pods, &again, "discovery", "marking server ready").await;
    assert!(
        discovery.contains("root cert:\n-----BEGIN CERTIFICATE-----"),
        "{discovery}"
    );
    let after = secrets.get("istio-ca-cert-csr").await.unwrap();
    assert_eq!(after.metadata.resource_version, version);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pin_the_slot_rejects_keeps_the_hsm_plugin_unready_and_writes_no_request() {
    let slot = provision("hsm-pin");
    let path = format!("asm-{}/hsm", slot.label);
    let wrong = HsmCredentials::pin("not-the-pin");
    store_pin(&path, &wrong).await;
    let pki = pki();
    let (fleet, client) = fleet("istiod-hsm-pin", Some(hsm_access())).await;
    grant_istiod(&fleet, &path).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), NS);
    let secrets: Api<Secret> = Api::namespaced(client.clone(), NS);
    create_istiod(&client, "pin", &slot, &path, &pki.root_sha256).await;
    let pod = pod_with(&pods, "pin", &ready_map(false, false, true)).await;
    let rejected = format!("ERROR the HSM rejected the PIN for slot {:?}", slot.label);
    let plugin = log_with(&pods, &pod, "hsm-plugin", &rejected).await;
    assert!(!plugin.contains("KEK ID:"), "{plugin}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        secrets
            .get_opt("istio-ca-cert-csr")
            .await
            .unwrap()
            .is_none()
    );
    let pod = pods
        .get(pod.metadata.name.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(readiness(&pod), ready_map(false, false, true));

    // The right PIN in Vault: the plugin picks it up on a retry.
    store_pin(&path, &slot.credentials).await;
    pod_with(&pods, "pin", &ready_map(false, true, true)).await;
    eventually!("the request secret", {
        secrets.get_opt("istio-ca-cert-csr").await.unwrap()
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_credentials_or_a_vault_role_for_its_cluster_the_vault_client_stays_unready() {
    let slot = provision("hsm-none");
    let path = format!("asm-{}/hsm", slot.label);
    let pki = pki();

    // No Kubernetes auth at the path yet: Vault refuses the login.
    let (first, client) = fleet("istiod-hsm-none", Some(hsm_access())).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), NS);
    create_istiod(&client, "none", &slot, &path, &pki.root_sha256).await;
    let pod = pod_with(&pods, "none", &ready_map(false, false, false)).await;
    let refused = format!("refused the login as role \"istiod\" at auth/{path}/login");
    let vault_log = log_with(&pods, &pod, "vault-client", &refused).await;
    assert!(vault_log.contains("\terror\t"), "{vault_log}");

    // Kubernetes auth whose reviewer may not review tokens (no
    // system:auth-delegator binding): the cluster forbids the review, so
    // Vault refuses the login all the same.
    let unbound = reviewer_token(&client, "unbound-reviewer", false).await;
    configure_auth(&first, &path, unbound).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let pod = pod_with(&pods, "none", &ready_map(false, false, false)).await;
    let log = pods
        .logs(
            pod.metadata.name.as_deref().unwrap(),
            &LogParams {
                container: Some("vault-client".into()),
                ..LogParams::default()
            },
        )
        .await
        .unwrap();
    assert!(!log.contains("has no HSM PIN"), "logged in: {log}");

    // Logged in, but Vault has nothing at the secret path.
    grant_istiod(&first, &path).await;
    let missing = format!("has no HSM PIN at secret/{path}");
    log_with(&pods, &pod, "vault-client", &missing).await;
    let secrets: Api<Secret> = Api::namespaced(client.clone(), NS);
    assert!(
        secrets
            .get_opt("istio-ca-cert-csr")
            .await
            .unwrap()
            .is_none()
    );
    // Retrying does not rewrite an unchanged status.
    let name = pod.metadata.name.clone().unwrap();
    let before = pods.get(&name).await.unwrap().metadata.resource_version;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let after = pods.get(&name).await.unwrap().metadata.resource_version;
    assert_eq!(before, after);

    // Another cluster's istiod, with the PIN in Vault: the auth method
    // reviews tokens with the first cluster, which never issued this one.
    store_pin(&path, &slot.credentials).await;
    let (_other, client) = fleet("istiod-hsm-other", Some(hsm_access())).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), NS);
    create_istiod(&client, "other", &slot, &path, &pki.root_sha256).await;
    let pod = pod_with(&pods, "other", &ready_map(false, false, false)).await;
    log_with(&pods, &pod, "vault-client", &refused).await;
}
