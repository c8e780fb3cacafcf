//! The token controller's part, done when the Secret is created: a Secret
//! of type `kubernetes.io/service-account-token` whose annotation
//! `kubernetes.io/service-account.name` names an existing service account
//! gets a token for it that does not expire, bound to the Secret (deleting
//! the Secret ends it), with the cluster's CA and the namespace. This is
//! how a long-lived token reviewer credential for Vault is made.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::cluster::Cluster;
use crate::service_account_tokens::{BoundKind, BoundObject, TokenRequest};

const TYPE: &str = "kubernetes.io/service-account-token";
const ACCOUNT_NAME: &str = "kubernetes.io/service-account.name";
const ACCOUNT_UID: &str = "kubernetes.io/service-account.uid";

/// Fills in the token of a service account token Secret (its uid already
/// assigned); other Secrets, and those naming no existing account, are
/// left as they are.
pub fn fill(c: &Cluster, secret: &mut Value) {
    if secret["type"].as_str() != Some(TYPE) {
        return;
    }
    let namespace = secret["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let Some(account) = secret["metadata"]["annotations"][ACCOUNT_NAME]
        .as_str()
        .map(str::to_owned)
    else {
        return;
    };
    let Some(live) = c.store.get("serviceaccounts", &namespace, &account) else {
        return;
    };
    let request = TokenRequest {
        audiences: Vec::new(),
        lifetime_seconds: None,
        bound: Some(BoundObject {
            kind: BoundKind::Secret,
            name: secret["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            uid: secret["metadata"]["uid"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        }),
    };
    let Ok(token) = c.issue_token(&namespace, &account, &request) else {
        return;
    };
    secret["metadata"]["annotations"][ACCOUNT_UID] = live["metadata"]["uid"].clone();
    if !secret["data"].is_object() {
        secret["data"] = json!({});
    }
    secret["data"]["token"] = json!(STANDARD.encode(token));
    secret["data"]["namespace"] = json!(STANDARD.encode(&namespace));
    if let Some(ca) = c.ca_pem() {
        secret["data"]["ca.crt"] = json!(STANDARD.encode(ca));
    }
}
