//! The fleet's admin endpoint: plain HTTP, on loopback only, to put faults
//! on a cluster and take them off from outside the process (a test harness,
//! a shell during a demo). The state directory's `sandbox-admin.json` says
//! where it listens.
//!
//! | request | does |
//! |---|---|
//! | `GET /clusters` | every cluster: `name`, `server`, `faults` |
//! | `GET /clusters/{name}/faults` | that cluster's faults |
//! | `PUT /clusters/{name}/faults` | replaces its faults with the body's, e.g. `{"unreachable":true}`, `{"latencyMs":500}`, `{"failWrites":0.5,"failStatus":500,"seed":7}` |
//! | `DELETE /clusters/{name}/faults` | restores it |
//!
//! PUT and DELETE answer once the cluster's port is closed or open again.
//! An unknown cluster is a 404 naming it, a bad body a 400 saying what is
//! wrong; error bodies are `{"message": "…"}`. A request whose `Host` is
//! not this endpoint on loopback, or that a browser sends cross-origin, is
//! a 403 ([`crate::loopback`]).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::cluster::Cluster;
use crate::faults::FaultSet;

/// How long PUT and DELETE wait for the listener to follow.
const APPLY_TIMEOUT: Duration = Duration::from_secs(5);

/// A cluster as the admin endpoint shows it.
#[derive(Clone)]
pub(crate) struct Target {
    pub cluster: Arc<Cluster>,
    /// `https://127.0.0.1:<port>`.
    pub server: String,
}

#[derive(Serialize)]
struct ClusterView<'a> {
    name: &'a str,
    server: &'a str,
    faults: FaultSet,
}

impl Target {
    fn view(&self) -> ClusterView<'_> {
        ClusterView {
            name: &self.cluster.name,
            server: &self.server,
            faults: self.cluster.faults().current(),
        }
    }
}

type Targets = Arc<Vec<Target>>;

/// Starts the endpoint on `addr` (port 0 picks one), which must be a
/// loopback address: it needs no credentials.
pub(crate) async fn start(
    addr: SocketAddr,
    targets: Vec<Target>,
) -> io::Result<(SocketAddr, JoinHandle<()>)> {
    if !addr.ip().is_loopback() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the sandbox admin endpoint listens on loopback only, not {addr}"),
        ));
    }
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = router(Arc::new(targets), bound.port());
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "sandbox admin endpoint stopped");
        }
    });
    Ok((bound, task))
}

fn router(targets: Targets, port: u16) -> Router {
    Router::new()
        .route("/clusters", get(list_clusters))
        .route(
            "/clusters/{name}/faults",
            get(get_faults).put(put_faults).delete(delete_faults),
        )
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such admin route".into()) })
        .layer(middleware::from_fn_with_state(port, loopback_only))
        .with_state(targets)
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
    (code, axum::Json(json!({"message": message}))).into_response()
}

fn find<'a>(targets: &'a Targets, name: &str) -> Option<&'a Target> {
    targets.iter().find(|t| t.cluster.name == name)
}

fn no_such_cluster(name: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!("no cluster named {name:?} in this fleet"),
    )
}

async fn list_clusters(State(targets): State<Targets>) -> Response {
    let views: Vec<ClusterView<'_>> = targets.iter().map(Target::view).collect();
    axum::Json(views).into_response()
}

async fn get_faults(State(targets): State<Targets>, Path(name): Path<String>) -> Response {
    match find(&targets, &name) {
        Some(target) => axum::Json(target.view()).into_response(),
        None => no_such_cluster(&name),
    }
}

async fn put_faults(
    State(targets): State<Targets>,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    let Some(target) = find(&targets, &name) else {
        return no_such_cluster(&name);
    };
    let faults = match parse(&body) {
        Ok(faults) => faults,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    target.cluster.faults().replace(faults);
    applied(target).await
}

async fn delete_faults(State(targets): State<Targets>, Path(name): Path<String>) -> Response {
    let Some(target) = find(&targets, &name) else {
        return no_such_cluster(&name);
    };
    target.cluster.faults().restore();
    applied(target).await
}

fn parse(body: &[u8]) -> Result<FaultSet, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(
            r#"the body must be a JSON object of faults, such as {"unreachable":true}, {"latencyMs":500} or {"failWrites":0.5}"#
                .into(),
        );
    }
    let faults: FaultSet =
        serde_json::from_slice(body).map_err(|e| format!("invalid faults: {e}"))?;
    faults.check()?;
    Ok(faults)
}

async fn applied(target: &Target) -> Response {
    if tokio::time::timeout(APPLY_TIMEOUT, target.cluster.faults().applied())
        .await
        .is_err()
    {
        let message = format!(
            "the faults of {} are set but its listener has not followed yet",
            target.cluster.name
        );
        return error(StatusCode::ACCEPTED, message);
    }
    axum::Json(target.view()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_checked() {
        assert!(parse(b"").unwrap_err().contains("unreachable"));
        assert!(parse(b"{\"latency\": 3}").unwrap_err().contains("latency"));
        assert!(
            parse(b"{\"failWrites\": 2}")
                .unwrap_err()
                .contains("failWrites")
        );
        assert_eq!(parse(b"{\"latencyMs\": 3}").unwrap().latency_ms, 3);
    }
}
