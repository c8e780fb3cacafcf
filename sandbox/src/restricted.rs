//! A member cluster reached as a user RBAC restricts rather than as its
//! admin: the user's ServiceAccount, roles and bindings created as the
//! admin (a service-account-token Secret among them, which the cluster
//! fills in), and a kubeconfig whose context for that member presents the
//! account's token. Tests use it to check a client needs no more
//! than a given ClusterRole.

use serde_json::Value;

use crate::cluster::Cluster;
use crate::fleet::Fleet;
use crate::kubeconfig;
use crate::ops::{self, WriteOptions};
use crate::status::ApiStatus;

/// Creates `object` (any kind the cluster serves) as the admin would.
pub async fn create(cluster: &Cluster, object: Value) -> Result<Value, ApiStatus> {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let kind = object["kind"].as_str().unwrap_or_default();
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let rt = cluster
        .registry()
        .all()
        .iter()
        .find(|t| t.group == group && t.version == version && t.kind == kind)
        .cloned()
        .ok_or_else(|| {
            ApiStatus::bad_request(format!("the cluster does not serve {api_version} {kind}"))
        })?;
    let namespace = object["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let options = WriteOptions {
        user_agent: "kubectl".into(),
        ..WriteOptions::default()
    };
    ops::create(cluster, &rt, &namespace, object, &options).await
}

/// The fleet's kubeconfig, with the contexts named in `users` presenting
/// the token given there instead of their cluster's admin token.
pub fn kubeconfig(fleet: &Fleet, users: &[(&str, &str)]) -> String {
    let entries: Vec<kubeconfig::Entry<'_>> = fleet
        .members
        .iter()
        .map(|m| kubeconfig::Entry {
            name: &m.cluster.name,
            server: &m.server,
            token: users
                .iter()
                .find(|(cluster, _)| *cluster == m.cluster.name)
                .map_or(m.cluster.token.as_str(), |(_, token)| token),
        })
        .collect();
    kubeconfig::render(&fleet.ca_pem, &entries)
}
