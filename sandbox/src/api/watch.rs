//! WATCH: a stream of JSON lines (`{"type":"ADDED","object":{…}}`) from a
//! resourceVersion, with bookmarks, `timeoutSeconds`, a 410 `ERROR` event for
//! versions older than the kept history, streaming initial events
//! (`sendInitialEvents=true`) and one-row Tables for `kubectl get -w`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use super::{include_object, table};
use crate::cluster::Cluster;
use crate::faults::FaultSet;
use crate::resources::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::status::ApiStatus;
use crate::store::Event;

/// How often a watch that allows bookmarks gets one.
const BOOKMARK_EVERY: Duration = Duration::from_secs(10);
/// The longest a watch stays open without `timeoutSeconds`.
const MAX_TIMEOUT: Duration = Duration::from_secs(1800);

struct Filter {
    resource: String,
    namespace: Option<String>,
    labels: LabelSelector,
    fields: FieldSelector,
}

impl Filter {
    fn matches(&self, e: &Event) -> bool {
        *e.resource == *self.resource
            && self.namespace.as_ref().is_none_or(|ns| *ns == e.namespace)
            && self.matches_object(&e.object)
    }

    fn matches_object(&self, o: &Value) -> bool {
        self.labels.matches_object(o) && self.fields.matches(o)
    }
}

struct Encoder {
    kind: String,
    api_version: String,
    table: bool,
    include_object: String,
}

impl Encoder {
    fn event(&self, kind: &str, object: &Value) -> Bytes {
        /// A watch line that borrows the stored object instead of copying
        /// it into a fresh `Value` per watcher.
        #[derive(serde::Serialize)]
        struct Line<'a> {
            object: &'a Value,
            #[serde(rename = "type")]
            kind: &'a str,
        }
        let row;
        let object = if self.table {
            row = table::single_row(&self.kind, object, &self.include_object);
            &row
        } else {
            object
        };
        let mut text = serde_json::to_vec(&Line { object, kind }).unwrap_or_default();
        text.push(b'\n');
        Bytes::from(text)
    }

    fn bookmark(&self, rv: u64, initial_events_end: bool) -> Bytes {
        let mut meta = json!({"resourceVersion": rv.to_string()});
        if initial_events_end {
            meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        line(&json!({"type": "BOOKMARK",
            "object": {"kind": self.kind, "apiVersion": self.api_version, "metadata": meta}}))
    }
}

fn line(value: &Value) -> Bytes {
    let mut text = value.to_string();
    text.push('\n');
    Bytes::from(text)
}

pub fn serve(
    c: Arc<Cluster>,
    rt: ResourceType,
    namespace: Option<String>,
    query: &HashMap<String, String>,
    accept: &str,
) -> Result<Response, ApiStatus> {
    let filter = Filter {
        resource: rt.key(),
        namespace: if rt.namespaced { namespace } else { None },
        labels: LabelSelector::parse(query.get("labelSelector").map_or("", String::as_str))?,
        fields: FieldSelector::parse(
            query.get("fieldSelector").map_or("", String::as_str),
            &rt.kind,
        )?,
    };
    let encoder = Encoder {
        kind: rt.kind.clone(),
        api_version: rt.api_version(),
        table: table::wants_table(accept),
        include_object: include_object(query).to_owned(),
    };
    let bookmarks = query
        .get("allowWatchBookmarks")
        .is_some_and(|v| v == "true");
    let initial_events = query.get("sendInitialEvents").is_some_and(|v| v == "true");
    let timeout = query
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map_or(MAX_TIMEOUT, |t| Duration::from_secs(t).min(MAX_TIMEOUT));
    let from = query
        .get("resourceVersion")
        .filter(|rv| !rv.is_empty() && *rv != "0")
        .map(|rv| {
            rv.parse::<u64>()
                .map_err(|_| ApiStatus::bad_request(format!("invalid resource version: {rv}")))
        })
        .transpose()?;

    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let disconnect = c.watch_disconnects();
    let faults = c.faults().subscribe();
    tokio::spawn(async move {
        let stream = Stream {
            c,
            filter,
            encoder,
            tx,
        };
        let run = stream.run(from, initial_events, bookmarks, disconnect, faults);
        let _ = tokio::time::timeout(timeout, run).await;
    });
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|bytes| (Ok::<_, Infallible>(bytes), rx))
    }));
    let mut response = Response::new(body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    Ok(response)
}

struct Stream {
    c: Arc<Cluster>,
    filter: Filter,
    encoder: Encoder,
    tx: mpsc::Sender<Bytes>,
}

/// The client went away.
struct Closed;

impl Stream {
    async fn send(&self, bytes: Bytes) -> Result<(), Closed> {
        self.tx.send(bytes).await.map_err(|_| Closed)
    }

    async fn run(
        self,
        from: Option<u64>,
        initial_events: bool,
        bookmarks: bool,
        mut disconnect: tokio::sync::watch::Receiver<u64>,
        mut faults: tokio::sync::watch::Receiver<FaultSet>,
    ) -> Result<(), Closed> {
        let (mut rx, mut last_rv) = match from {
            Some(rv) if !initial_events => match self.c.store.watch_from(rv) {
                Ok((past, rx)) => {
                    for e in past.iter().filter(|e| self.filter.matches(e)) {
                        self.send(self.encoder.event(e.kind.as_str(), &e.object))
                            .await?;
                    }
                    (rx, past.last().map_or(rv, |e| e.rv))
                }
                Err(expired) => {
                    let status = ApiStatus::gone(format!(
                        "too old resource version: {rv} ({})",
                        expired.oldest
                    ));
                    let error = json!({"type": "ERROR", "object": status.to_value()});
                    return self.send(line(&error)).await;
                }
            },
            _ => {
                let namespace = self.filter.namespace.as_deref();
                let (items, rv, rx) = self
                    .c
                    .store
                    .list_and_watch(&self.filter.resource, namespace);
                for o in items.iter().filter(|o| self.filter.matches_object(o)) {
                    self.send(self.encoder.event("ADDED", o)).await?;
                }
                if initial_events {
                    self.send(self.encoder.bookmark(rv, true)).await?;
                }
                (rx, rv)
            }
        };
        let mut ticker = tokio::time::interval(BOOKMARK_EVERY);
        ticker.tick().await;
        loop {
            tokio::select! {
                received = rx.recv() => match received {
                    Ok(e) if e.rv <= last_rv => {}
                    Ok(e) => {
                        last_rv = e.rv;
                        if self.filter.matches(&e) {
                            self.send(self.encoder.event(e.kind.as_str(), &e.object)).await?;
                        }
                    }
                    // Fell too far behind the fan-out, or the cluster is
                    // gone: end the stream; the client resumes from the
                    // last version it saw, which is still in the history.
                    Err(broadcast::error::RecvError::Lagged(_) | broadcast::error::RecvError::Closed) => return Ok(()),
                },
                _ = ticker.tick(), if bookmarks => {
                    self.send(self.encoder.bookmark(last_rv, false)).await?;
                }
                _ = disconnect.changed() => return Ok(()),
                // An unreachable cluster sends nothing more; its listener
                // cuts the connection, so the client sees an error rather
                // than a watch that ended normally.
                Ok(()) = faults.changed() => if faults.borrow_and_update().unreachable {
                    self.tx.closed().await;
                    return Err(Closed);
                },
                () = self.tx.closed() => return Err(Closed),
            }
        }
    }
}
