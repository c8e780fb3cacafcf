//! Image pulls: the node asks the registry, which answers by the scenario's
//! rules ([`crate::scenario::registries`]) and the pod's pull secrets. A
//! refused pull leaves the container `ErrImagePull`, then
//! `ImagePullBackOff` until the next retry, with the kubelet's events
//! (`Failed`, `BackOff`) in its words; backoff doubles up to a cap, short in
//! the sandbox, so a grant or secret added later lets the pod start.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use sha2::Digest;
use tokio::time::Instant;

use super::super::events::{self, Source, Type};
use super::super::util;
use super::status;
use crate::cluster::Cluster;
use crate::scenario::registries::Denied;

const FAILING: [&str; 2] = ["ErrImagePull", "ImagePullBackOff"];

/// Where a pod's image pulls stand, and which images each node holds.
pub struct Puller {
    /// The first backoff; it doubles per failure up to eight times this.
    base: Duration,
    /// Per pod uid: failures so far and when the next step is due.
    backoff: Mutex<HashMap<String, (u32, Instant)>>,
    /// Images already on each node, so the second pull is "already present".
    images: Mutex<HashSet<(String, String)>>,
}

/// What a failing pod does next.
pub enum Step {
    Wait(Duration),
    Retry,
}

/// Whether some container of `pod` waits on a refused pull.
pub fn failing(pod: &Value) -> bool {
    waiting_reasons(&pod["status"]).any(|r| FAILING.contains(&r))
}

fn waiting_reasons(status: &Value) -> impl Iterator<Item = &str> {
    ["initContainerStatuses", "containerStatuses"]
        .into_iter()
        .flat_map(|list| status[list].as_array().into_iter().flatten())
        .filter_map(|s| s["state"]["waiting"]["reason"].as_str())
}

impl Puller {
    pub fn new(base: Duration) -> Self {
        Self {
            base,
            backoff: Mutex::default(),
            images: Mutex::default(),
        }
    }

    pub fn forget(&self, uid: &str) {
        self.backoff
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(uid);
    }

    /// Records a failed attempt; the pod shows `ErrImagePull` this long.
    pub fn failed(&self, pod: &Value) -> Duration {
        let mut backoff = self.backoff.lock().unwrap_or_else(|e| e.into_inner());
        let entry = backoff
            .entry(util::uid(pod).to_owned())
            .or_insert((0, Instant::now()));
        entry.0 += 1;
        entry.1 = Instant::now() + self.base;
        self.base
    }

    /// The next step of a pod waiting on a refused pull: `ErrImagePull`
    /// turns into `ImagePullBackOff`, which ends in a retry.
    pub async fn step(&self, cluster: &Cluster, pod: &Value) -> Step {
        let (failures, at) = *self
            .backoff
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(util::uid(pod).to_owned())
            .or_insert((1, Instant::now()));
        let now = Instant::now();
        if at > now {
            return Step::Wait(at - now);
        }
        if !waiting_reasons(&pod["status"]).any(|r| r == "ErrImagePull") {
            return Step::Retry;
        }
        back_off(cluster, pod).await;
        let delay = self.base * 2u32.pow(failures.saturating_sub(1).min(3));
        self.backoff
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(util::uid(pod).to_owned(), (failures, now + delay));
        Step::Wait(delay)
    }

    /// Pulls `c`'s image onto `node` with the kubelet's events; `Err` is
    /// the runtime's error for a refused pull.
    pub async fn pull(
        &self,
        cluster: &Cluster,
        pod: &Value,
        node: &str,
        c: &Value,
        field: &str,
        credentials: &Credentials,
    ) -> Result<(), String> {
        let image = c["image"].as_str().unwrap_or_default();
        let source = Source::kubelet(node);
        let record = |kind: Type, reason: &'static str, message: String| async move {
            events::record(cluster, pod, Some(field), kind, reason, &message, source).await;
        };
        let present = self
            .images
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&(node.to_owned(), image.to_owned()));
        if present && c["imagePullPolicy"] != "Always" {
            let message = format!("Container image \"{image}\" already present on machine");
            record(Type::Normal, "Pulled", message).await;
            return Ok(());
        }
        record(
            Type::Normal,
            "Pulling",
            format!("Pulling image \"{image}\""),
        )
        .await;
        let profile = cluster.profile();
        let checked = profile
            .registries
            .check(image, &profile.project, |h, p| credentials.matches(h, p));
        if let Err(denied) = checked {
            let error = runtime_error(image, &denied);
            let message = format!("Failed to pull image \"{image}\": {error}");
            record(Type::Warning, "Failed", message).await;
            record(Type::Warning, "Failed", "Error: ErrImagePull".into()).await;
            return Err(error);
        }
        let digest = sha2::Sha256::digest(image.as_bytes());
        let millis = 400 + u64::from(digest[0]) * 8;
        let size =
            20_000_000 + u64::from(u32::from_be_bytes([digest[1], digest[2], digest[3], 0]) >> 6);
        let took = format!("{}.{:03}s", millis / 1000, millis % 1000);
        let message = format!(
            "Successfully pulled image \"{image}\" in {took} ({took} including waiting). Image size: {size} bytes."
        );
        record(Type::Normal, "Pulled", message).await;
        self.images
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((node.to_owned(), image.to_owned()));
        Ok(())
    }
}

/// `ErrImagePull` containers go to `ImagePullBackOff`, with the events.
async fn back_off(cluster: &Cluster, pod: &Value) {
    let mut st = pod["status"].clone();
    let node = util::str_at(pod, "/spec/nodeName");
    for (list, spec_list) in [
        ("initContainerStatuses", "initContainers"),
        ("containerStatuses", "containers"),
    ] {
        for s in st[list].as_array_mut().into_iter().flatten() {
            if s["state"]["waiting"]["reason"] != "ErrImagePull" {
                continue;
            }
            let name = s["name"].as_str().unwrap_or_default().to_owned();
            let image = s["image"].as_str().unwrap_or_default().to_owned();
            let error = util::str_at(s, "/state/waiting/message").to_owned();
            s["state"]["waiting"] = json!({"reason": "ImagePullBackOff",
                "message": format!("Back-off pulling image \"{image}\": ErrImagePull: {error}")});
            let field = format!("spec.{spec_list}{{{name}}}");
            let source = Source::kubelet(node);
            let message = format!("Back-off pulling image \"{image}\"");
            events::record(
                cluster,
                pod,
                Some(&field),
                Type::Normal,
                "BackOff",
                &message,
                source,
            )
            .await;
            let message = "Error: ImagePullBackOff";
            events::record(
                cluster,
                pod,
                Some(&field),
                Type::Warning,
                "Failed",
                message,
                source,
            )
            .await;
        }
    }
    status::write(cluster, pod, st).await;
}

/// containerd's error for a refused pull, as the kubelet reports it.
fn runtime_error(image: &str, denied: &Denied) -> String {
    let full = status::full_image(image);
    let cause = match denied {
        Denied::Forbidden { host } => {
            let last = full.rsplit('/').next().unwrap_or_default();
            let reference = last
                .split_once('@')
                .or_else(|| last.split_once(':'))
                .map_or("latest", |(_, r)| r);
            format!("pulling from host {host} failed with status code [manifests {reference}]: 403 Forbidden")
        }
        Denied::Unauthorized => "pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed".into(),
    };
    format!(
        "rpc error: code = Unknown desc = failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": {cause}"
    )
}

/// The registries a pod holds credentials for: the `auths` of the
/// `kubernetes.io/dockerconfigjson` (or legacy `dockercfg`) secrets its
/// `imagePullSecrets` name in its namespace.
#[derive(Debug, Default)]
pub struct Credentials(Vec<(String, String)>);

impl Credentials {
    pub fn of(cluster: &Cluster, pod: &Value) -> Self {
        let ns = util::str_at(pod, "/metadata/namespace");
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut keys = Vec::new();
        for reference in pod["spec"]["imagePullSecrets"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let name = reference["name"].as_str().unwrap_or_default();
            let Some(secret) = cluster.store.get("secrets", ns, name) else {
                continue;
            };
            let (field, nested) = match secret["type"].as_str() {
                Some("kubernetes.io/dockerconfigjson") => (".dockerconfigjson", true),
                Some("kubernetes.io/dockercfg") => (".dockercfg", false),
                _ => continue,
            };
            let config: Option<Value> = secret["data"][field]
                .as_str()
                .and_then(|d| b64.decode(d).ok())
                .and_then(|bytes| serde_json::from_slice(&bytes).ok());
            let Some(config) = config else { continue };
            let auths = if nested { &config["auths"] } else { &config };
            keys.extend(
                auths
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| parse_key(k)),
            );
        }
        Self(keys)
    }

    /// Whether some credential is for `host` (and a prefix of `path`).
    pub fn matches(&self, host: &str, path: &str) -> bool {
        self.0.iter().any(|(pattern, prefix)| {
            let host_ok = match pattern.strip_prefix("*.") {
                Some(domain) => host.ends_with(&format!(".{domain}")),
                None => pattern == host,
            };
            host_ok
                && (prefix.is_empty() || path == prefix || path.starts_with(&format!("{prefix}/")))
        })
    }
}

/// `https://index.docker.io/v1/` → (`docker.io`, ``); `gcr.io/p` →
/// (`gcr.io`, `p`).
fn parse_key(key: &str) -> (String, String) {
    let key = key
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let (host, path) = key.split_once('/').unwrap_or((key, ""));
    let path = if matches!(path, "v1" | "v2") {
        ""
    } else {
        path
    };
    let host = match host {
        "index.docker.io" | "registry-1.docker.io" => "docker.io",
        other => other,
    };
    (host.to_owned(), path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_secret_keys_match_hosts_and_paths() {
        let creds = Credentials(
            [
                "https://registry.example.com",
                "https://index.docker.io/v1/",
                "*.gcr.io",
                "pkg.dev.example/team",
            ]
            .iter()
            .map(|k| parse_key(k))
            .collect(),
        );
        assert!(creds.matches("registry.example.com", "team/app"));
        assert!(creds.matches("docker.io", "library/nginx"));
        assert!(creds.matches("eu.gcr.io", "p/app"));
        assert!(!creds.matches("gcr.io", "p/app"));
        assert!(creds.matches("pkg.dev.example", "team/app"));
        assert!(!creds.matches("pkg.dev.example", "teams/app"));
        assert!(!creds.matches("registry.example.org", "team/app"));
    }

    #[test]
    fn refused_pulls_read_like_containerd() {
        let forbidden = runtime_error(
            "gcr.io/project-a/app:1",
            &Denied::Forbidden {
                host: "gcr.io".into(),
            },
        );
        assert_eq!(
            forbidden,
            "rpc error: code = Unknown desc = failed to pull and unpack image \"gcr.io/project-a/app:1\": \
             failed to resolve reference \"gcr.io/project-a/app:1\": pulling from host gcr.io failed with \
             status code [manifests 1]: 403 Forbidden"
        );
        let private = runtime_error("registry.example.com/team/app", &Denied::Unauthorized);
        assert!(
            private.contains("\"registry.example.com/team/app:latest\": pull access denied, repository does not exist or may require authorization"),
            "{private}"
        );
    }

    #[test]
    fn failing_pods_are_those_waiting_on_a_pull() {
        let pod = |reason: &str| {
            json!({"status": {"containerStatuses": [
                {"name": "a", "state": {"running": {}}},
                {"name": "b", "state": {"waiting": {"reason": reason}}}]}})
        };
        assert!(failing(&pod("ErrImagePull")));
        assert!(failing(&pod("ImagePullBackOff")));
        assert!(!failing(&pod("ContainerCreating")));
    }
}
