//! `/api/fleet`, `/api/clusters/…` and `/api/events`: the live fleet as a
//! versioned snapshot, one member, one namespace with its pods, and the
//! stream of deltas (Server-Sent Events) that keeps a snapshot current.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::{Extension, Json};
use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use shared::fleet::{Cluster, Fleet, FleetDelta, NamespaceDetail, ReloadNotice};
use tokio::sync::broadcast;

use crate::api::cluster_path::ClusterPath;
use crate::api::path::NamespacePath;
use crate::api::query::ApiQuery;
use crate::api::stream::while_signed_in;
use crate::auth::Principal;
use crate::cluster::Resume;
use crate::error::AppError;
use crate::state::AppState;

pub async fn get_fleet(State(state): State<AppState>) -> Json<Fleet> {
    Json(state.fleet().snapshot())
}

pub async fn get_cluster(
    State(state): State<AppState>,
    cluster: ClusterPath,
) -> Result<Json<Cluster>, AppError> {
    state
        .fleet()
        .cluster(cluster.name.as_str())
        .map(Json)
        .ok_or(AppError::UnknownCluster(cluster.name.to_string()))
}

pub async fn get_namespace(
    State(state): State<AppState>,
    cluster: ClusterPath,
    NamespacePath(namespace): NamespacePath,
) -> Result<Json<NamespaceDetail>, AppError> {
    let cluster = cluster.name.as_str();
    state
        .fleet()
        .namespace(cluster, namespace.as_str())
        .map(Json)
        .ok_or_else(|| AppError::NotFoundOn {
            cluster: cluster.to_owned(),
            message: format!("no namespace {:?}", namespace.as_str()),
        })
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct EventsQuery {
    since: Option<String>,
}

/// Deltas after the version the client has: `Last-Event-ID` (sent by the
/// browser on reconnect) wins over `?since=`; without either, from now.
pub async fn get_events(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let resume_from = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .or(query.since.as_deref());
    let hub = state.fleet().hub();
    let version = match resume_from {
        Some(text) => text.trim().parse::<u64>().map_err(|_| {
            AppError::BadRequest(format!(
                "the event id to resume after must be a version number, got {text:?}"
            ))
        })?,
        None => hub.version(),
    };
    let events = match hub.resume(version) {
        Resume::Reload { version } => stream::once(std::future::ready(reload_event(
            version,
            "the console no longer has every change since your copy; load the fleet again",
        )))
        .left_stream(),
        Resume::Deltas { missed, live } => {
            let backlog_end = missed.last().map_or(version, |d| d.version);
            stream::iter(missed.into_iter().map(delta_event))
                .chain(live_deltas(live, backlog_end))
                .right_stream()
        }
    };
    let events = while_signed_in(state.clone(), principal, events.map(Ok));
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn delta_event(delta: Arc<FleetDelta>) -> Event {
    Event::default()
        .event("delta")
        .id(delta.version.to_string())
        .json_data(&*delta)
        .unwrap_or_else(|_| Event::default().comment("unserialisable delta"))
}

/// Tells the client to load the snapshot again, and why.
fn reload_event(version: u64, reason: &str) -> Event {
    let notice = ReloadNotice {
        reason: reason.to_owned(),
        version,
    };
    Event::default()
        .event("reload")
        .json_data(&notice)
        .unwrap_or_else(|_| Event::default().event("reload"))
}

/// Deltas as they are published, after `after`. A subscriber that falls
/// so far behind that the channel dropped deltas is told to reload, and
/// the stream ends.
fn live_deltas(
    live: broadcast::Receiver<Arc<FleetDelta>>,
    after: u64,
) -> impl Stream<Item = Event> {
    stream::unfold(Some((live, after)), |state| async move {
        let (mut live, after) = state?;
        loop {
            match live.recv().await {
                Ok(delta) if delta.version <= after => continue,
                Ok(delta) => {
                    let version = delta.version;
                    return Some((delta_event(delta), Some((live, version))));
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let event = reload_event(
                        after,
                        "too many changes arrived at once; load the fleet again",
                    );
                    return Some((event, None));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
}
