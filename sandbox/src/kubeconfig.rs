//! The kubeconfig that points clients at the fleet: one context per
//! cluster, named after it, with the CA embedded and the cluster's token.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// What a context needs: a name, a server URL and a token.
pub struct Entry<'a> {
    pub name: &'a str,
    pub server: &'a str,
    pub token: &'a str,
}

/// The kubeconfig as YAML; the first entry is the current context.
pub fn render(ca_pem: &str, entries: &[Entry<'_>]) -> String {
    let ca = STANDARD.encode(ca_pem);
    let clusters: Vec<Value> = entries
        .iter()
        .map(|e| json!({"name": e.name, "cluster": {"server": e.server, "certificate-authority-data": ca}}))
        .collect();
    let users: Vec<Value> = entries
        .iter()
        .map(|e| json!({"name": format!("{}-admin", e.name), "user": {"token": e.token}}))
        .collect();
    let contexts: Vec<Value> = entries
        .iter()
        .map(|e| json!({"name": e.name, "context": {"cluster": e.name, "user": format!("{}-admin", e.name)}}))
        .collect();
    let config = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": clusters,
        "users": users,
        "contexts": contexts,
        "current-context": entries.first().map_or("", |e| e.name),
    });
    serde_yaml::to_string(&config).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_context_per_cluster_with_embedded_ca() {
        let text = render(
            "-----BEGIN CERTIFICATE-----\n",
            &[
                Entry {
                    name: "gke-eu",
                    server: "https://127.0.0.1:1",
                    token: "t1",
                },
                Entry {
                    name: "gke-us",
                    server: "https://127.0.0.1:2",
                    token: "t2",
                },
            ],
        );
        let config: Value = serde_yaml::from_str(&text).unwrap();
        assert_eq!(config["current-context"], "gke-eu");
        assert_eq!(config["contexts"][1]["context"]["cluster"], "gke-us");
        assert_eq!(config["users"][1]["user"]["token"], "t2");
        let ca = config["clusters"][0]["cluster"]["certificate-authority-data"]
            .as_str()
            .unwrap();
        assert_eq!(
            STANDARD.decode(ca).unwrap(),
            b"-----BEGIN CERTIFICATE-----\n"
        );
    }
}
