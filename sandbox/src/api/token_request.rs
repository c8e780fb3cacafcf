//! `POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token`: a token
//! for a service account (what `kubectl create token` asks for), with the
//! audiences, lifetime and bound object the `TokenRequest` names.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::json_response;
use crate::clock;
use crate::cluster::Cluster;
use crate::service_account_tokens::{
    BoundKind, BoundObject, ISSUER, LIFETIME_SECONDS, TokenRequest,
};
use crate::status::{ApiStatus, FieldError};

/// `spec.audiences` of a token request or review.
pub(super) fn audiences(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The shortest lifetime the API server grants (ten minutes).
const MIN_LIFETIME_SECONDS: u64 = 600;
/// The longest (2^32 seconds).
const MAX_LIFETIME_SECONDS: u64 = 1 << 32;

pub fn create(
    c: &Cluster,
    namespace: &str,
    account: &str,
    request: &Value,
) -> Result<Response, ApiStatus> {
    if !matches!(request["kind"].as_str(), None | Some("" | "TokenRequest")) {
        return Err(ApiStatus::bad_request(format!(
            "expected kind TokenRequest in authentication.k8s.io/v1, got {}",
            request["kind"]
        )));
    }
    let spec = &request["spec"];
    let audiences = audiences(&spec["audiences"]);
    let lifetime_seconds = lifetime(&spec["expirationSeconds"])?;
    if c.store.get("serviceaccounts", namespace, account).is_none() {
        return Err(ApiStatus::not_found("serviceaccounts", "", account));
    }
    let bound = bound_object(c, namespace, &spec["boundObjectRef"])?;
    let token_request = TokenRequest {
        audiences: audiences.clone(),
        lifetime_seconds: Some(lifetime_seconds),
        bound,
    };
    let token = c
        .issue_token(namespace, account, &token_request)
        .map_err(ApiStatus::internal)?;
    let now = clock::now_rfc3339();
    let expires = clock::parse_rfc3339(&now).unwrap_or_default() + lifetime_seconds;
    let mut spec = spec.clone();
    if !spec.is_object() {
        spec = json!({});
    }
    spec["audiences"] = if audiences.is_empty() {
        json!([ISSUER])
    } else {
        json!(audiences)
    };
    spec["expirationSeconds"] = json!(lifetime_seconds);
    Ok(json_response(
        StatusCode::CREATED,
        &json!({
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": account, "namespace": namespace, "creationTimestamp": now},
            "spec": spec,
            "status": {"token": token, "expirationTimestamp": clock::rfc3339(expires)},
        }),
    ))
}

/// `spec.expirationSeconds`, within the bounds the API server enforces.
fn lifetime(value: &Value) -> Result<u64, ApiStatus> {
    let Some(seconds) = value.as_i64() else {
        return Ok(LIFETIME_SECONDS);
    };
    let invalid = |detail: &str| {
        ApiStatus::invalid(
            "TokenRequest",
            "authentication.k8s.io",
            "",
            vec![FieldError::invalid(
                "spec.expirationSeconds",
                &seconds.to_string(),
                detail,
            )],
        )
    };
    match u64::try_from(seconds) {
        Ok(s) if s < MIN_LIFETIME_SECONDS => {
            Err(invalid("may not specify a duration less than 10 minutes"))
        }
        Ok(s) if s > MAX_LIFETIME_SECONDS => Err(invalid(
            "may not specify a duration larger than 2^32 seconds",
        )),
        Ok(s) => Ok(s),
        Err(_) => Err(invalid("may not specify a duration less than 10 minutes")),
    }
}

/// The object `spec.boundObjectRef` names, which must exist (and have the
/// uid given, if one is).
fn bound_object(c: &Cluster, namespace: &str, r: &Value) -> Result<Option<BoundObject>, ApiStatus> {
    if r.is_null() {
        return Ok(None);
    }
    let kind = match r["kind"].as_str().unwrap_or_default() {
        "Pod" => BoundKind::Pod,
        "Secret" => BoundKind::Secret,
        other => {
            return Err(ApiStatus::bad_request(format!(
                "cannot bind token for object of type {other}: only Pod and Secret are supported"
            )));
        }
    };
    let name = r["name"].as_str().unwrap_or_default();
    let object = c
        .store
        .get(kind.resource(), namespace, name)
        .ok_or_else(|| ApiStatus::not_found(kind.resource(), "", name))?;
    let uid = object["metadata"]["uid"].as_str().unwrap_or_default();
    if let Some(asked) = r["uid"].as_str().filter(|u| !u.is_empty())
        && asked != uid
    {
        return Err(ApiStatus::conflict(
            kind.resource(),
            "",
            name,
            &format!(
                "the UID in the bound object reference ({asked}) does not match the UID in record ({uid}). The object might have been deleted and then recreated"
            ),
        ));
    }
    Ok(Some(BoundObject {
        kind,
        name: name.to_owned(),
        uid: uid.to_owned(),
    }))
}
