//! istiod in HSM mode (SPEC §2.2 mode 3, seed 004): a pod whose template
//! has a container `hsm-plugin`, beside `discovery` and `vault-client`.
//! Each container becomes ready on its own, so the pod shows `2/3` while
//! `discovery` waits for its CA certificate:
//! - `vault-client` logs in to Vault (`VAULT_ADDR`) with the pod's service
//!   account token through Kubernetes auth (`VAULT_AUTH_PATH`,
//!   `VAULT_AUTH_ROLE`; Vault reviews the token with this cluster's
//!   `TokenReview`) and reads the slot's credentials at
//!   `VAULT_SECRET_PATH`; ready once read;
//! - `hsm-plugin` logs in to slot `P11_TOKEN` with that PIN and must find
//!   KEK `KEK_ID`; ready once it does;
//! - `discovery` then holds a CA key, leaves its CSR encrypted with the KEK
//!   in secret `istio-ca-cert-csr`, and waits for secret `istio-ca-cert`,
//!   whose chain must be for its key and end at the mesh root
//!   (`ROOT_CERT_SHA256`); ready once it loads one.
//!
//! A real istiod keeps its CA key in the HSM. The sandbox keeps it in
//! memory, one per cluster and revision, so a restarted pod of the same
//! revision keeps its key (and its pending request stays valid); a fleet
//! restart forgets it, and istiod then asks again for a new key.
//!
//! Every unready container is examined again on each retry; each logs a
//! problem once (until it changes), so fixing the cause makes it ready.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine;
use hsm::{Envelope, HsmError, Vault};
use rcgen::KeyPair;
use serde_json::{Value, json};

use super::super::super::util;
use super::{NAMESPACE, chain, csr, log};
use crate::clock;
use crate::cluster::Cluster;
use crate::ops;

pub const HSM_PLUGIN: &str = "hsm-plugin";
pub const VAULT_CLIENT: &str = "vault-client";
const DISCOVERY: &str = "discovery";
/// Where istiod leaves its encrypted CSR.
pub const CSR_SECRET: &str = "istio-ca-cert-csr";
/// Where the console leaves the signed chain.
pub const CERT_SECRET: &str = "istio-ca-cert";
const CHAIN_KEY: &str = "cert-chain.pem";
const REQUESTED_BY: &str = "meshdeck.io/requested-by";
const CREDENTIAL_DIR: &str = "/var/run/hsm-credential";
const PIN_FILE: &str = "/var/run/hsm-credential/pin";
const JWT_FILE: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";
const SOCKET: &str = "/var/run/hsm-socket/.sock";
const WAITING: &str =
    "pkica\tWait until the CA certificate secret istio-system.istio-ca-cert can be loaded...";

/// Whether `pod` is an istiod in HSM mode.
pub fn is_hsm(pod: &Value) -> bool {
    containers(pod).any(|c| c["name"] == HSM_PLUGIN)
}

fn containers(pod: &Value) -> impl Iterator<Item = &Value> {
    pod["spec"]["containers"].as_array().into_iter().flatten()
}

fn container<'a>(pod: &'a Value, name: &str) -> &'a Value {
    containers(pod)
        .find(|c| c["name"] == name)
        .unwrap_or(&Value::Null)
}

/// The value of env `name` of container `of`, when set and not empty.
fn env<'a>(pod: &'a Value, of: &str, name: &str) -> Option<&'a str> {
    container(pod, of)["env"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["name"] == name)
        .and_then(|e| e["value"].as_str())
        .filter(|v| !v.is_empty())
}

/// What one pod's containers have achieved.
#[derive(Debug, Default, Clone)]
struct PodState {
    /// The PIN `vault-client` read: it is ready once it has one.
    pin: Option<String>,
    plugin_ready: bool,
    request_written: bool,
    waiting_logged: bool,
    loaded: bool,
    /// The last problem each container logged.
    problems: HashMap<&'static str, String>,
}

/// The HSM-mode istiods of one cluster (one kubelet).
#[derive(Default)]
pub struct HsmIstiods {
    pods: Mutex<HashMap<String, PodState>>,
    /// istiod's CA key per revision.
    keys: Mutex<HashMap<String, Arc<KeyPair>>>,
}

impl std::fmt::Debug for HsmIstiods {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HsmIstiods").finish_non_exhaustive()
    }
}

impl HsmIstiods {
    pub fn started(&self, uid: &str) {
        self.pods
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(uid.to_owned(), PodState::default());
    }

    pub fn forget(&self, uid: &str) {
        self.pods
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(uid);
    }

    /// Runs each unready container's next step; the names of the
    /// containers still unready, in the pod's order.
    pub async fn unready(&self, cluster: &Cluster, pod: &Value) -> Vec<String> {
        let uid = util::uid(pod);
        let mut state = self
            .pods
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(uid)
            .cloned()
            .unwrap_or_default();
        vault_client(cluster, pod, &mut state).await;
        hsm_plugin(cluster, pod, &mut state).await;
        self.discovery(cluster, pod, &mut state).await;
        let unready = containers(pod)
            .filter_map(|c| c["name"].as_str())
            .filter(|name| match *name {
                VAULT_CLIENT => state.pin.is_none(),
                HSM_PLUGIN => !state.plugin_ready,
                DISCOVERY => !state.loaded,
                _ => false,
            })
            .map(str::to_owned)
            .collect();
        // A pod found running after a sandbox restart was never started
        // here: its progress is kept from now on all the same.
        self.pods
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(uid.to_owned(), state);
        unready
    }

    /// istiod's CA key for `revision`, made on first use.
    fn key(&self, revision: &str) -> Result<Arc<KeyPair>, String> {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(key) = keys.get(revision) {
            return Ok(key.clone());
        }
        let key = Arc::new(csr::new_key()?);
        keys.insert(revision.to_owned(), key.clone());
        Ok(key)
    }

    /// Once both sidecars are ready: the request, then the chain.
    async fn discovery(&self, cluster: &Cluster, pod: &Value, state: &mut PodState) {
        if state.loaded || !state.plugin_ready {
            return;
        }
        let Some(pin) = state.pin.clone() else {
            return;
        };
        let revision = util::str_at(pod, "/metadata/labels/istio.io~1rev");
        let revision = if revision.is_empty() {
            "default"
        } else {
            revision
        };
        let key = match self.key(revision) {
            Ok(key) => key,
            Err(why) => return problem(cluster, pod, state, DISCOVERY, format!("pkica\t{why}")),
        };
        // A request deleted while istiod waits is made again.
        if cluster
            .store
            .get("secrets", NAMESPACE, CSR_SECRET)
            .is_none()
        {
            state.request_written = false;
        }
        if !state.request_written {
            if let Err(why) = request(cluster, pod, revision, &key, pin).await {
                return problem(cluster, pod, state, DISCOVERY, format!("pkica\t{why}"));
            }
            state.request_written = true;
        }
        if !state.waiting_logged {
            log(cluster, pod, "info", WAITING);
            state.waiting_logged = true;
        }
        let Some(secret) = cluster.store.get("secrets", NAMESPACE, CERT_SECRET) else {
            return;
        };
        let loaded = secret_data(&secret)
            .remove(CHAIN_KEY)
            .ok_or_else(|| format!("it has no {CHAIN_KEY}"))
            .and_then(|bytes| {
                String::from_utf8(bytes).map_err(|_| format!("{CHAIN_KEY} is not text"))
            })
            .and_then(|text| {
                let root = env(pod, DISCOVERY, "ROOT_CERT_SHA256");
                chain::check(&text, &csr::public_point(&key), root)
            });
        match loaded {
            Ok(chain) => {
                log(
                    cluster,
                    pod,
                    "info",
                    &format!("pkica\t{}", chain.log_message()),
                );
                state.problems.remove(DISCOVERY);
                state.loaded = true;
            }
            Err(why) => problem(
                cluster,
                pod,
                state,
                DISCOVERY,
                format!(
                    "pkica\tfailed to load the CA certificate secret {NAMESPACE}/{CERT_SECRET}: {why}"
                ),
            ),
        }
    }
}

/// `vault-client`: logs in to Vault with the pod's service account token
/// (Kubernetes auth at `VAULT_AUTH_PATH` as `VAULT_AUTH_ROLE`) and reads
/// the slot's credentials. It does so again on each retry while
/// `hsm-plugin` is unready, so a PIN or a role fixed in Vault is picked up.
async fn vault_client(cluster: &Cluster, pod: &Value, state: &mut PodState) {
    if state.plugin_ready {
        return;
    }
    let var = |name| env(pod, VAULT_CLIENT, name);
    let (Some(addr), Some(path), Some(auth_path), Some(role)) = (
        var("VAULT_ADDR"),
        var("VAULT_SECRET_PATH"),
        var("VAULT_AUTH_PATH"),
        var("VAULT_AUTH_ROLE"),
    ) else {
        let why = "env VAULT_ADDR, VAULT_SECRET_PATH, VAULT_AUTH_PATH and VAULT_AUTH_ROLE must all be set".to_owned();
        return problem(cluster, pod, state, VAULT_CLIENT, why);
    };
    let namespace = pod["metadata"]["namespace"].as_str().unwrap_or(NAMESPACE);
    let account = pod["spec"]["serviceAccountName"]
        .as_str()
        .unwrap_or("default");
    let pod_name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let pod_uid = pod["metadata"]["uid"].as_str().unwrap_or_default();
    let jwt = match cluster.service_account_token(namespace, account, Some((pod_name, pod_uid))) {
        Ok(jwt) => jwt,
        Err(why) => {
            let why = format!("cannot read the service account token {JWT_FILE}: {why}");
            return problem(cluster, pod, state, VAULT_CLIENT, why);
        }
    };
    let read = match Vault::login_kubernetes(addr, auth_path, role, &jwt).await {
        Ok(vault) => vault.credentials(path).await,
        Err(e) => Err(e),
    };
    match read {
        Ok(credentials) => {
            if state.pin.as_ref() != Some(&credentials.pin) {
                // A network HSM's connection files, when Vault has them
                // (SoftHSM2 is local and needs none).
                let network = match (
                    &credentials.client_cert,
                    &credentials.client_key,
                    &credentials.server_cert,
                ) {
                    (Some(_), Some(_), Some(_)) => format!(
                        "; wrote the HSM client certificate and key to {CREDENTIAL_DIR}/clientcert and {CREDENTIAL_DIR}/clientkey and the HSM server certificate to {CREDENTIAL_DIR}/servercert"
                    ),
                    _ => String::new(),
                };
                let line = format!(
                    "{}\tinfo\tLogged in to Vault at {addr} ({auth_path}, role {role}) as {namespace}/{account}; read the HSM credentials at {path}; wrote the P11 PIN to {PIN_FILE}{network}",
                    clock::now_rfc3339()
                );
                append(cluster, pod, VAULT_CLIENT, &line);
            }
            state.problems.remove(VAULT_CLIENT);
            state.pin = Some(credentials.pin);
        }
        Err(e) => problem(cluster, pod, state, VAULT_CLIENT, e.to_string()),
    }
}

/// `hsm-plugin`: opens its slot with the PIN and finds its KEK.
async fn hsm_plugin(cluster: &Cluster, pod: &Value, state: &mut PodState) {
    if state.plugin_ready {
        return;
    }
    let pin_file = env(pod, HSM_PLUGIN, "P11_PIN_FILE").unwrap_or(PIN_FILE);
    let socket = env(pod, HSM_PLUGIN, "SOCKET").unwrap_or(SOCKET);
    let token = env(pod, HSM_PLUGIN, "P11_TOKEN");
    let kek = env(pod, HSM_PLUGIN, "KEK_ID");
    let (Some(token), Some(kek)) = (token, kek) else {
        let why = "env P11_TOKEN and KEK_ID must both be set".to_owned();
        return problem(cluster, pod, state, HSM_PLUGIN, why);
    };
    let Some(pin) = state.pin.clone() else {
        let why = format!(
            "cannot load the P11 PIN from file {pin_file}: vault-client has not written it yet"
        );
        return problem(cluster, pod, state, HSM_PLUGIN, why);
    };
    let Some(access) = cluster.hsm() else {
        let why = "cannot load the PKCS#11 module: the cluster has no HSM access".to_owned();
        return problem(cluster, pod, state, HSM_PLUGIN, why);
    };
    let (module, label, kek_id) = (
        access.pkcs11_module.clone(),
        token.to_owned(),
        kek.to_owned(),
    );
    let opened =
        tokio::task::spawn_blocking(move || open_kek(&module, &label, &pin, &kek_id)).await;
    match opened {
        Ok(Ok(slot)) => {
            for line in [
                format!("The token has been initialized and is reassigned to slot {slot}"),
                format!("INFO Loaded P11 PIN from file: {pin_file} line=\"cmd/serve.go:93\""),
                format!("INFO KMS Plugin Listening on : {socket} line=\"cmd/serve.go:119\""),
                format!("INFO Serving on socket: {socket} line=\"cmd/serve.go:198\""),
                format!("KEK ID: {kek}"),
            ] {
                append(cluster, pod, HSM_PLUGIN, &line);
            }
            state.problems.remove(HSM_PLUGIN);
            state.plugin_ready = true;
        }
        Ok(Err(e)) => problem(cluster, pod, state, HSM_PLUGIN, e.to_string()),
        Err(e) => problem(cluster, pod, state, HSM_PLUGIN, e.to_string()),
    }
}

/// Logs in to slot `label`, checks that it holds KEK `kek_id`, and
/// returns the slot's id.
fn open_kek(module: &Path, label: &str, pin: &str, kek_id: &str) -> Result<u64, HsmError> {
    hsm::with_slot(module, label, pin, |slot| {
        if slot.has_kek(kek_id)? {
            return Ok(());
        }
        let found = slot.kek_ids()?;
        Err(HsmError::KekNotFound {
            label: label.to_owned(),
            kek_id: kek_id.to_owned(),
            found: if found.is_empty() {
                "none".into()
            } else {
                found.join(", ")
            },
        })
    })?;
    slot_id(module, label)
}

fn slot_id(module: &Path, label: &str) -> Result<u64, HsmError> {
    let pkcs11 = hsm::module(module)?;
    let slots = pkcs11
        .get_slots_with_token()
        .map_err(|source| HsmError::Pkcs11 {
            label: label.to_owned(),
            action: "list the HSM's slots".into(),
            source,
        })?;
    slots
        .into_iter()
        .find(|slot| {
            pkcs11
                .get_token_info(*slot)
                .is_ok_and(|info| info.token_initialized() && info.label().trim() == label)
        })
        .map(|slot| slot.id())
        .ok_or_else(|| HsmError::SlotNotFound {
            label: label.to_owned(),
            found: "none".into(),
        })
}

/// Leaves the CSR for `key` encrypted with the KEK in secret
/// `istio-ca-cert-csr`, unless the secret already holds a request for
/// this key.
async fn request(
    cluster: &Cluster,
    pod: &Value,
    revision: &str,
    key: &KeyPair,
    pin: String,
) -> Result<(), String> {
    let Some(trust_domain) = env(pod, DISCOVERY, "TRUST_DOMAIN") else {
        return Err("cannot request a CA certificate: env TRUST_DOMAIN is not set".into());
    };
    let service_account = match util::str_at(pod, "/spec/serviceAccountName") {
        "" => "default",
        sa => sa,
    };
    let who = csr::Requester {
        revision,
        trust_domain,
        service_account,
    };
    let pem = csr::request(key, &who)?;
    let point = csr::public_point(key);
    let access = cluster
        .hsm()
        .ok_or("cannot encrypt the certificate request: the cluster has no HSM access")?;
    let (Some(label), Some(kek)) = (
        env(pod, HSM_PLUGIN, "P11_TOKEN"),
        env(pod, HSM_PLUGIN, "KEK_ID"),
    ) else {
        return Err(
            "cannot encrypt the certificate request: hsm-plugin has no P11_TOKEN or KEK_ID".into(),
        );
    };
    let existing = cluster
        .store
        .get("secrets", NAMESPACE, CSR_SECRET)
        .map(|s| secret_data(&s));
    let module: PathBuf = access.pkcs11_module.clone();
    let (label, kek_id) = (label.to_owned(), kek.to_owned());
    let sealed = tokio::task::spawn_blocking(move || {
        hsm::with_slot(&module, &label, &pin, |slot| {
            let ours = existing
                .as_ref()
                .and_then(|data| Envelope::from_secret_data(data).ok())
                .and_then(|envelope| slot.decrypt(&envelope).ok())
                .is_some_and(|plain| csr::is_request_for(&plain, &point));
            if ours {
                return Ok(None);
            }
            slot.encrypt(&kek_id, pem.as_bytes()).map(Some)
        })
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("cannot encrypt the certificate request: {e}"))?;
    let Some(envelope) = sealed else {
        return Ok(());
    };
    write_request(cluster, revision, service_account, &envelope).await?;
    log(
        cluster,
        pod,
        "info",
        &format!(
            "pkica\tWrote the CA certificate request, encrypted with KEK {}, to secret {NAMESPACE}/{CSR_SECRET}",
            envelope.kek_id
        ),
    );
    Ok(())
}

async fn write_request(
    cluster: &Cluster,
    revision: &str,
    service_account: &str,
    envelope: &Envelope,
) -> Result<(), String> {
    let Some(rt) = util::rt(cluster, "secrets") else {
        return Err("the cluster serves no secrets".into());
    };
    let data: serde_json::Map<String, Value> = envelope
        .to_secret_data()
        .into_iter()
        .map(|(k, v)| {
            (
                k,
                json!(base64::engine::general_purpose::STANDARD.encode(v)),
            )
        })
        .collect();
    let body = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": CSR_SECRET,
            "namespace": NAMESPACE,
            "labels": {"istio.io/rev": revision},
            "annotations": {
                REQUESTED_BY: format!("system:serviceaccount:{NAMESPACE}:{service_account}"),
            },
        },
        "type": "Opaque",
        "data": data,
    });
    let opts = util::writer("pilot-discovery", "pilot-discovery");
    let written = if cluster
        .store
        .get("secrets", NAMESPACE, CSR_SECRET)
        .is_some()
    {
        ops::update(cluster, &rt, NAMESPACE, CSR_SECRET, body, None, &opts).await
    } else {
        ops::create(cluster, &rt, NAMESPACE, body, &opts).await
    };
    written.map(drop).map_err(|e| {
        format!(
            "cannot write secret {NAMESPACE}/{CSR_SECRET}: {}",
            e.message
        )
    })
}

/// A secret's `data`, base64-decoded (undecodable values are left out).
fn secret_data(secret: &Value) -> BTreeMap<String, Vec<u8>> {
    secret["data"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(v.as_str()?)
                .ok()?;
            Some((k.clone(), bytes))
        })
        .collect()
}

/// Logs `why` in `container`'s log unless it logged it last time.
fn problem(
    cluster: &Cluster,
    pod: &Value,
    state: &mut PodState,
    container: &'static str,
    why: String,
) {
    if state.problems.get(container) == Some(&why) {
        return;
    }
    match container {
        DISCOVERY => log(cluster, pod, "error", &why),
        HSM_PLUGIN => append(cluster, pod, container, &format!("ERROR {why}")),
        _ => {
            let line = format!("{}\terror\t{why}", clock::now_rfc3339());
            append(cluster, pod, container, &line);
        }
    }
    state.problems.insert(container, why);
}

fn append(cluster: &Cluster, pod: &Value, container: &str, line: &str) {
    cluster.append_log(NAMESPACE, util::name(pod), container, line);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(containers: Value) -> Value {
        json!({"spec": {"containers": containers}})
    }

    #[test]
    fn the_hsm_mode_is_the_hsm_plugin_container_and_env_is_read_per_container() {
        let hsm = pod(json!([
            {"name": "discovery", "env": [{"name": "ROOT_CERT_SHA256", "value": "ab"}]},
            {"name": "hsm-plugin", "env": [{"name": "KEK_ID", "value": "k"}, {"name": "P11_TOKEN", "value": ""}]},
            {"name": "vault-client"},
        ]));
        assert!(is_hsm(&hsm));
        assert!(!is_hsm(&pod(json!([{"name": "discovery"}]))));
        assert_eq!(env(&hsm, HSM_PLUGIN, "KEK_ID"), Some("k"));
        assert_eq!(env(&hsm, HSM_PLUGIN, "P11_TOKEN"), None);
        assert_eq!(env(&hsm, DISCOVERY, "KEK_ID"), None);
        assert_eq!(env(&hsm, DISCOVERY, "ROOT_CERT_SHA256"), Some("ab"));
    }

    #[test]
    fn secret_data_is_decoded_and_round_trips_the_envelope() {
        let envelope = Envelope {
            kek_id: "7651a4ea".into(),
            iv: vec![7; 12],
            ciphertext: vec![9; 30],
        };
        let data: serde_json::Map<String, Value> = envelope
            .to_secret_data()
            .into_iter()
            .map(|(k, v)| {
                (
                    k,
                    json!(base64::engine::general_purpose::STANDARD.encode(v)),
                )
            })
            .collect();
        let decoded = secret_data(&json!({"data": data}));
        assert_eq!(Envelope::from_secret_data(&decoded).ok(), Some(envelope));
    }
}
