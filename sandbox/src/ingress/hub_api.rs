//! The fleet API, shaped like GKE Hub's (`gkehub.googleapis.com/v1`) for
//! what multi-cluster ingress needs: plain HTTP on loopback, its base URL
//! in `fleet.yaml` (`hub.endpoint`) and `sandbox-admin.json` (`hub`).
//!
//! | request | does |
//! |---|---|
//! | `GET /v1/projects/{p}/locations/global/features/multiclusteringress` | the Feature: `spec.multiclusteringress.configMembership` names the config cluster |
//! | `PATCH` the same, body `{"spec":{"multiclusteringress":{"configMembership":"projects/{p}/locations/global/memberships/{member}"}}}` | makes `member` the config cluster; answers a finished Operation whose `response` is the Feature |
//! | `GET /v1/projects/{p}/locations/global/memberships` | the members (`resources[]`) |
//!
//! `{p}` is the fleet project's id or number. Errors are Google API errors,
//! `{"error": {"code", "message", "status"}}`: a membership that is not a
//! member, or a malformed body, is a 400 saying what was expected; a
//! request whose `Host` is not this endpoint on loopback, or that a browser
//! sends cross-origin, is a 403 ([`crate::loopback`]).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::hub::{Hub, HubError};
use crate::clock;

const FEATURE: &str = "multiclusteringress";

/// The fleet API of `hub`, served on loopback `port`.
pub(crate) fn router(hub: Arc<Hub>, port: u16) -> Router {
    Router::new()
        .route(
            "/v1/projects/{project}/locations/global/features/multiclusteringress",
            get(get_feature).patch(patch_feature),
        )
        .route(
            "/v1/projects/{project}/locations/global/memberships",
            get(list_memberships),
        )
        .fallback(|| async {
            error(
                StatusCode::NOT_FOUND,
                "no such fleet API route; try /v1/projects/{project}/locations/global/features/multiclusteringress".into(),
            )
        })
        .layer(middleware::from_fn_with_state(port, loopback_only))
        .with_state(hub)
}

/// Refuses a request [`crate::loopback::check`] refuses, before it does
/// anything.
async fn loopback_only(State(port): State<u16>, req: Request, next: Next) -> Response {
    match crate::loopback::check(req.headers(), port) {
        Ok(()) => next.run(req).await,
        Err(why) => error(StatusCode::FORBIDDEN, why.to_string()),
    }
}

fn error(code: StatusCode, message: String) -> Response {
    let status = match code {
        StatusCode::BAD_REQUEST => "INVALID_ARGUMENT",
        StatusCode::NOT_FOUND => "NOT_FOUND",
        StatusCode::FORBIDDEN => "PERMISSION_DENIED",
        _ => "INTERNAL",
    };
    let body = json!({"error": {"code": code.as_u16(), "message": message, "status": status}});
    (code, axum::Json(body)).into_response()
}

/// The fleet project's id when `project` names it (by id or number), else
/// the 404 to answer.
fn project_id(hub: &Hub, project: &str) -> Result<String, String> {
    match &hub.project {
        Some((id, number)) if project == id || (!number.is_empty() && project == number) => {
            Ok(id.clone())
        }
        Some((id, _)) => Err(format!(
            "project {project:?} hosts no fleet here; the fleet's project is {id:?}"
        )),
        None => Err("this fleet has no description, so no project".into()),
    }
}

fn membership_name(project: &str, member: &str) -> String {
    format!("projects/{project}/locations/global/memberships/{member}")
}

fn feature(hub: &Hub, project: &str) -> Value {
    let spec = match hub.config_cluster() {
        Some(config) => json!({"configMembership": membership_name(project, &config)}),
        None => json!({}),
    };
    let state = match hub.config_cluster() {
        Some(_) => json!({"code": "OK", "description": "Ready to use"}),
        None => json!({"code": "WARNING", "description": "No config membership is set"}),
    };
    json!({
        "name": format!("projects/{project}/locations/global/features/{FEATURE}"),
        "resourceState": {"state": "ACTIVE"},
        "spec": {FEATURE: spec},
        "state": {"state": state},
    })
}

async fn get_feature(State(hub): State<Arc<Hub>>, Path(project): Path<String>) -> Response {
    match project_id(&hub, &project) {
        Ok(id) => axum::Json(feature(&hub, &id)).into_response(),
        Err(message) => error(StatusCode::NOT_FOUND, message),
    }
}

async fn patch_feature(
    State(hub): State<Arc<Hub>>,
    Path(project): Path<String>,
    body: Bytes,
) -> Response {
    let id = match project_id(&hub, &project) {
        Ok(id) => id,
        Err(message) => return error(StatusCode::NOT_FOUND, message),
    };
    let member = match requested_member(&hub, &id, &body) {
        Ok(member) => member,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    match hub.set_config_cluster(&member) {
        Ok(()) => {}
        Err(e @ HubError::NotAMember { .. }) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("configMembership {}: {e}", membership_name(&id, &member)),
            );
        }
        Err(e @ HubError::Save(_)) => {
            tracing::error!(error = %e, "the config cluster was not changed");
            return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
        }
    }
    let now = clock::now_rfc3339();
    let mut response = feature(&hub, &id);
    response["@type"] = json!("type.googleapis.com/google.cloud.gkehub.v1.Feature");
    let operation = json!({
        "name": format!(
            "projects/{id}/locations/global/operations/operation-{}",
            clock::hex(&rand::random::<[u8; 8]>())
        ),
        "metadata": {
            "@type": "type.googleapis.com/google.cloud.gkehub.v1.OperationMetadata",
            "createTime": now,
            "endTime": now,
            "target": format!("projects/{id}/locations/global/features/{FEATURE}"),
            "verb": "update",
            "apiVersion": "v1",
        },
        "done": true,
        "response": response,
    });
    axum::Json(operation).into_response()
}

/// The member a PATCH body names, or what is wrong with the body.
fn requested_member(hub: &Hub, project: &str, body: &[u8]) -> Result<String, String> {
    let expected = format!(
        r#"expected {{"spec":{{"multiclusteringress":{{"configMembership":"{}"}}}}}}"#,
        membership_name(project, "MEMBER")
    );
    let body: Value = serde_json::from_slice(body)
        .map_err(|e| format!("the body is not JSON ({e}); {expected}"))?;
    let Some(name) = body
        .pointer("/spec/multiclusteringress/configMembership")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    else {
        return Err(format!(
            "spec.multiclusteringress.configMembership is missing; {expected}"
        ));
    };
    let parts: Vec<&str> = name.split('/').collect();
    let [
        "projects",
        in_project,
        "locations",
        "global",
        "memberships",
        member,
    ] = parts.as_slice()
    else {
        return Err(format!(
            "configMembership {name:?} is not projects/PROJECT/locations/global/memberships/MEMBER; {expected}"
        ));
    };
    let (id, number) = hub.project.clone().unwrap_or_default();
    if *in_project != id && (number.is_empty() || *in_project != number) {
        return Err(format!(
            "configMembership {name:?} is in project {in_project:?}, not the fleet's project {id:?}"
        ));
    }
    Ok((*member).to_owned())
}

async fn list_memberships(State(hub): State<Arc<Hub>>, Path(project): Path<String>) -> Response {
    let id = match project_id(&hub, &project) {
        Ok(id) => id,
        Err(message) => return error(StatusCode::NOT_FOUND, message),
    };
    let resources: Vec<Value> = hub
        .members()
        .iter()
        .map(|m| {
            json!({
                "name": membership_name(&id, &m.name),
                "location": m.location,
                "state": {"code": "READY"},
            })
        })
        .collect();
    axum::Json(json!({"resources": resources})).into_response()
}
