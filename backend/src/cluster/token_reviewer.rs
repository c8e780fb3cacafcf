//! The service account Vault reviews istiod's tokens with (seed 004's
//! `tokenreview_jwt`): `meshdeck-vault-token-reviewer` in `kube-system`,
//! bound to `system:auth-delegator`, with a long-lived token Secret the
//! cluster fills in. Set up on a member when its HSM slot is provisioned;
//! the token is handed to Vault and nowhere else.

use std::time::Duration;

use k8s_openapi::api::core::v1::Secret;
use kube::api::Api;
use serde_json::json;

use super::apply::{self, ApplyError};

pub const NAMESPACE: &str = "kube-system";
pub const NAME: &str = "meshdeck-vault-token-reviewer";
/// The Secret holding its token.
pub const SECRET: &str = "meshdeck-vault-token-reviewer-token";

/// How long the cluster may take to fill in the token.
const TOKEN_WAIT: Duration = Duration::from_secs(10);

/// Why the reviewer's token could not be had.
#[derive(Debug, thiserror::Error)]
pub enum ReviewerError {
    /// Its objects could not be applied.
    #[error(transparent)]
    Apply(#[from] ApplyError),
    #[error("reading Secret {ns}/{secret}: {0}", ns = NAMESPACE, secret = SECRET)]
    Read(kube::Error),
    #[error(
        "Secret {ns}/{secret} got no token within {secs} s: the cluster's token controller did not fill it in",
        ns = NAMESPACE,
        secret = SECRET,
        secs = TOKEN_WAIT.as_secs()
    )]
    NoToken,
}

/// The reviewer's objects, to apply in order.
fn objects() -> [serde_json::Value; 3] {
    [
        json!({"apiVersion": "v1", "kind": "ServiceAccount",
               "metadata": {"name": NAME, "namespace": NAMESPACE}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": NAME},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                           "name": "system:auth-delegator"},
               "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": NAMESPACE}]}),
        json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
               "metadata": {"name": SECRET, "namespace": NAMESPACE,
                            "annotations": {"kubernetes.io/service-account.name": NAME}}}),
    ]
}

/// Creates (or keeps) the reviewer on the cluster of `client` and returns
/// its token once the cluster has filled it in. Idempotent.
pub async fn ensure(client: &kube::Client) -> Result<String, ReviewerError> {
    for object in objects() {
        apply::apply(client, &object, false).await?;
    }
    let secrets: Api<Secret> = Api::namespaced(client.clone(), NAMESPACE);
    let deadline = tokio::time::Instant::now() + TOKEN_WAIT;
    loop {
        if let Some(token) = token(&secrets).await? {
            return Ok(token);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ReviewerError::NoToken);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Whether the reviewer's token is still on the cluster of `client`.
pub async fn present(client: &kube::Client) -> Result<bool, ReviewerError> {
    let secrets: Api<Secret> = Api::namespaced(client.clone(), NAMESPACE);
    Ok(token(&secrets).await?.is_some())
}

async fn token(secrets: &Api<Secret>) -> Result<Option<String>, ReviewerError> {
    let secret = secrets.get_opt(SECRET).await.map_err(ReviewerError::Read)?;
    Ok(secret
        .and_then(|s| s.data)
        .and_then(|mut data| data.remove("token"))
        .and_then(|token| String::from_utf8(token.0).ok())
        .filter(|t| !t.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reviewer_is_bound_to_the_auth_delegator_role_and_named_by_its_secret() {
        let [account, binding, secret] = objects();
        assert_eq!(account["metadata"]["namespace"], NAMESPACE);
        assert_eq!(binding["roleRef"]["name"], "system:auth-delegator");
        assert_eq!(binding["subjects"][0]["name"], NAME);
        assert_eq!(
            secret["metadata"]["annotations"]["kubernetes.io/service-account.name"],
            NAME
        );
    }
}
