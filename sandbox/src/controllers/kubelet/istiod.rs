//! istiod's pods (`app=istiod` in `istio-system`): what their `discovery`
//! container logs at start — the revision and version, then which CA signs
//! workload certificates — and whether they pass their readiness probe.
//!
//! The CA is chosen when the pod starts, as istiod does:
//! - env `CA_ADDR` naming `meshca.googleapis.com` (ASM's Mesh CA): needs the
//!   cluster's fleet `Membership`; without one the pod stays unready;
//! - else secret `istio-system/cacerts`: plug-in certificates, which must be
//!   exactly `ca-cert.pem`, `ca-key.pem`, `root-cert.pem`, `cert-chain.pem`
//!   (PEM); a malformed secret keeps the pod unready;
//! - else istiod's self-signed CA;
//! - except in HSM mode (a `hsm-plugin` container), where each container
//!   becomes ready on its own and istiod asks for its CA certificate
//!   ([`hsm`]).
//!
//! An unready pod is examined again on every retry (a crash-looping istiod
//! reads its inputs again), so fixing the cause makes it Ready.

mod chain;
mod csr;
mod hsm;

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use serde_json::Value;

use super::super::util;
use crate::clock;
use crate::cluster::Cluster;

pub const NAMESPACE: &str = "istio-system";
pub const CACERTS: &str = "cacerts";
const CACERTS_KEYS: [&str; 4] = [
    "ca-cert.pem",
    "ca-key.pem",
    "root-cert.pem",
    "cert-chain.pem",
];
const MEMBERSHIPS: &str = "memberships.hub.gke.io";

/// Whether `pod` is an istiod pod.
pub fn is_istiod(pod: &Value) -> bool {
    util::str_at(pod, "/metadata/namespace") == NAMESPACE
        && util::str_at(pod, "/metadata/labels/app") == "istiod"
}

/// Which CA an istiod uses.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ca {
    SelfSigned,
    PluggedIn,
    Mesh {
        addr: String,
        trust_domain: String,
        membership: String,
    },
}

#[derive(Debug, Default)]
struct State {
    ca: Option<Ca>,
    /// The last problem logged, so a retry does not repeat it.
    problem: Option<String>,
    ready_logged: bool,
}

/// What the kubelets remember about each istiod pod (by uid), and the
/// HSM-mode istiods' progress and keys.
#[derive(Debug, Default)]
pub struct Istiods {
    pods: Mutex<HashMap<String, State>>,
    hsm: hsm::HsmIstiods,
}

impl Istiods {
    pub fn forget(&self, uid: &str) {
        self.pods
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(uid);
        self.hsm.forget(uid);
    }

    /// The discovery container started: it logs its revision and picks
    /// its CA.
    pub fn started(&self, cluster: &Cluster, pod: &Value) {
        let revision = util::str_at(pod, "/metadata/labels/istio.io~1rev");
        let revision = if revision.is_empty() {
            "default"
        } else {
            revision
        };
        let image = util::str_at(discovery(pod), "/image");
        let version = image.rsplit_once(':').map_or("latest", |(_, t)| t);
        let service = if revision == "default" {
            "istiod".to_owned()
        } else {
            format!("istiod-{revision}")
        };
        log(cluster, pod, "info", "FLAG: --domain=\"cluster.local\"");
        log(cluster, pod, "info", "FLAG: --monitoringAddr=\":15014\"");
        log(
            cluster,
            pod,
            "info",
            &format!("Istiod revision \"{revision}\", version {version}"),
        );
        log(
            cluster,
            pod,
            "info",
            "initializing mesh configuration ./etc/istio/config/mesh",
        );
        log(
            cluster,
            pod,
            "info",
            &format!(
                "initializing Istiod DNS certificates host: {service}.{NAMESPACE}.svc, custom host: "
            ),
        );
        self.pods
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(util::uid(pod).to_owned(), State::default());
        if hsm::is_hsm(pod) {
            self.hsm.started(util::uid(pod));
        } else {
            self.decide(cluster, pod);
        }
    }

    /// The containers whose readiness probe fails now (none: the pod is
    /// ready). Outside HSM mode the CA decides for all of them at once.
    pub async fn unready(&self, cluster: &Cluster, pod: &Value) -> Vec<String> {
        let unready = if hsm::is_hsm(pod) {
            self.hsm.unready(cluster, pod).await
        } else if self.decide(cluster, pod) {
            Vec::new()
        } else {
            pod["spec"]["containers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["name"].as_str().map(str::to_owned))
                .collect()
        };
        if unready.is_empty() {
            self.mark_ready(cluster, pod);
        }
        unready
    }

    /// Logs, once, that the server is ready.
    fn mark_ready(&self, cluster: &Cluster, pod: &Value) {
        let mut states = self.pods.lock().unwrap_or_else(|e| e.into_inner());
        let state = states.entry(util::uid(pod).to_owned()).or_default();
        if !state.ready_logged {
            state.ready_logged = true;
            log(
                cluster,
                pod,
                "info",
                "All caches have been synced up in 1.042s, marking server ready",
            );
        }
    }

    /// Picks the CA unless already picked, logging it or what prevents it;
    /// true once picked.
    fn decide(&self, cluster: &Cluster, pod: &Value) -> bool {
        let mut states = self.pods.lock().unwrap_or_else(|e| e.into_inner());
        let state = states.entry(util::uid(pod).to_owned()).or_default();
        if state.ca.is_some() {
            return true;
        }
        match choose_ca(cluster, pod) {
            Ok(ca) => {
                for line in ca_lines(&ca) {
                    log(cluster, pod, "info", &line);
                }
                state.ca = Some(ca);
                true
            }
            Err(problem) => {
                if state.problem.as_ref() != Some(&problem) {
                    log(cluster, pod, "error", &problem);
                    state.problem = Some(problem);
                }
                false
            }
        }
    }
}

/// The discovery container of an istiod pod (else its first container).
fn discovery(pod: &Value) -> &Value {
    let containers = pod["spec"]["containers"].as_array();
    containers
        .and_then(|cs| cs.iter().find(|c| c["name"] == "discovery"))
        .or_else(|| containers.and_then(|cs| cs.first()))
        .unwrap_or(&Value::Null)
}

fn log(cluster: &Cluster, pod: &Value, level: &str, message: &str) {
    let container = util::str_at(discovery(pod), "/name");
    let line = format!("{}\t{level}\t{message}", clock::now_rfc3339());
    cluster.append_log(NAMESPACE, util::name(pod), container, &line);
}

fn choose_ca(cluster: &Cluster, pod: &Value) -> Result<Ca, String> {
    let env = discovery(pod)["env"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ca_addr = env
        .iter()
        .find(|e| e["name"] == "CA_ADDR")
        .and_then(|e| e["value"].as_str())
        .unwrap_or_default();
    if ca_addr.contains("meshca.googleapis.com") {
        let membership = cluster.store.get(MEMBERSHIPS, "", "membership").ok_or_else(|| {
            format!(
                "failed to start the Mesh CA client for CA_ADDR {ca_addr}: the cluster has no fleet membership \
                 (memberships.hub.gke.io \"membership\" not found); register the cluster to its fleet first"
            )
        })?;
        return Ok(Ca::Mesh {
            addr: ca_addr.to_owned(),
            trust_domain: util::str_at(&membership, "/spec/workload_identity_pool").to_owned(),
            membership: util::str_at(&membership, "/spec/owner/id").to_owned(),
        });
    }
    match cluster.store.get("secrets", NAMESPACE, CACERTS) {
        None => Ok(Ca::SelfSigned),
        Some(secret) => check_cacerts(&secret).map(|()| Ca::PluggedIn).map_err(|why| {
            format!(
                "failed to create discovery service: failed to create CA: secret {NAMESPACE}/{CACERTS} \
                 is not a usable plug-in CA: {why} (it needs exactly {})",
                CACERTS_KEYS.join(", ")
            )
        }),
    }
}

/// Whether a `cacerts` secret holds exactly the four PEM files.
fn check_cacerts(secret: &Value) -> Result<(), String> {
    let data = secret["data"].as_object().cloned().unwrap_or_default();
    if let Some(extra) = data.keys().find(|k| !CACERTS_KEYS.contains(&k.as_str())) {
        return Err(format!("unexpected key {extra:?}"));
    }
    for key in CACERTS_KEYS {
        let Some(value) = data.get(key).and_then(Value::as_str) else {
            return Err(format!("missing {key}"));
        };
        let text = base64::engine::general_purpose::STANDARD
            .decode(value)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default();
        let want = if key == "ca-key.pem" {
            "PRIVATE KEY-----"
        } else {
            "-----BEGIN CERTIFICATE-----"
        };
        if !text.contains(want) {
            return Err(format!("{key} is not PEM (no {want:?} block)"));
        }
    }
    Ok(())
}

fn ca_lines(ca: &Ca) -> Vec<String> {
    match ca {
        Ca::SelfSigned => vec![
            "Using istiod file format for signing ca files".into(),
            "No plugged-in cert at etc/cacerts/ca-key.pem; self-signed cert is used".into(),
        ],
        Ca::PluggedIn => vec![
            "Using istiod file format for signing ca files".into(),
            "Use plugged-in cert at etc/cacerts/ca-key.pem".into(),
        ],
        Ca::Mesh {
            addr,
            trust_domain,
            membership,
        } => vec![format!(
            "Using Mesh CA at {addr} for workload certificates: trust domain {trust_domain}, fleet membership {membership}"
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn b64(text: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(text)
    }

    fn cacerts(keys: &[(&str, &str)]) -> Value {
        let data: serde_json::Map<String, Value> = keys
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(b64(v))))
            .collect();
        json!({"data": data})
    }

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const KEY: &str = "-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----\n";

    #[test]
    fn cacerts_needs_exactly_the_four_pem_files() {
        let good = [
            ("ca-cert.pem", CERT),
            ("ca-key.pem", KEY),
            ("root-cert.pem", CERT),
            ("cert-chain.pem", CERT),
        ];
        assert_eq!(check_cacerts(&cacerts(&good)), Ok(()));
        assert_eq!(
            check_cacerts(&cacerts(&good[..3])),
            Err("missing cert-chain.pem".into())
        );
        let mut extra = good.to_vec();
        extra.push(("tls.crt", CERT));
        assert!(
            check_cacerts(&cacerts(&extra))
                .unwrap_err()
                .contains("tls.crt")
        );
        let mut swapped = good;
        swapped[1] = ("ca-key.pem", CERT);
        assert!(
            check_cacerts(&cacerts(&swapped))
                .unwrap_err()
                .contains("ca-key.pem")
        );
    }

    #[test]
    fn istiod_pods_are_found_by_label_and_namespace() {
        let pod =
            |ns: &str, app: &str| json!({"metadata": {"namespace": ns, "labels": {"app": app}}});
        assert!(is_istiod(&pod("istio-system", "istiod")));
        assert!(!is_istiod(&pod("blue", "istiod")));
        assert!(!is_istiod(&pod("istio-system", "istio-ingressgateway")));
    }
}
