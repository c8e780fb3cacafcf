//! Following runs through their progress streams: a migration run until it
//! ends, a wave run while it runs. The stream's first event is the run as
//! it is, so opening one late misses nothing; a stream the browser gives up
//! on is replaced by reading the run again after a pause.

use std::collections::HashMap;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::de::DeserializeOwned;
use shared::ApiError;
use shared::mesh::InstallPhase;
use shared::mesh::migration::run::MigrationRun;
use shared::mesh::migration::waves::{WavePhase, WaveRun};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Event, EventSource, MessageEvent};

use crate::api;

/// How long to wait before reading a run whose stream was lost.
const RETRY: Duration = Duration::from_secs(2);

/// A run with a progress stream.
pub trait Followed: DeserializeOwned + 'static {
    /// Whether more progress is coming without anyone acting.
    fn running(&self) -> bool;
    fn events_url(id: &str) -> String;
    /// The run as it is now.
    fn fetch(id: String) -> impl Future<Output = Result<Self, ApiError>>;
}

impl Followed for MigrationRun {
    fn running(&self) -> bool {
        self.phase == InstallPhase::Running
    }
    fn events_url(id: &str) -> String {
        api::migration::run_events_url(id)
    }
    fn fetch(id: String) -> impl Future<Output = Result<Self, ApiError>> {
        api::migration::run(id)
    }
}

impl Followed for WaveRun {
    // A paused run waits for the operator: the view stops following it
    // until a decision starts it again.
    fn running(&self) -> bool {
        self.phase == WavePhase::Running
    }
    fn events_url(id: &str) -> String {
        api::migration::wave_events_url(id)
    }
    fn fetch(id: String) -> impl Future<Output = Result<Self, ApiError>> {
        api::migration::wave_run(id)
    }
}

/// An open stream and its listeners, closed when dropped.
struct Source {
    events: EventSource,
    _on_progress: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl Drop for Source {
    fn drop(&mut self) {
        self.events.close();
    }
}

/// The open streams by run id. Copy it freely.
#[derive(Clone, Copy)]
pub struct Streams(StoredValue<HashMap<String, Source>, LocalStorage>);

impl Streams {
    pub fn new() -> Self {
        Self(StoredValue::new_local(HashMap::new()))
    }

    /// Sends run `id` to `update` on every change until it stops running.
    pub fn follow<T: Followed>(self, id: String, update: impl Fn(T) + Copy + 'static) {
        let Ok(events) = EventSource::new(&T::events_url(&id)) else {
            return self.poll_later::<T>(id, update);
        };
        // Ends the stream from inside its own listener: deferred, so the
        // listener is not freed while it runs.
        let end_id = id.clone();
        let end = move || {
            let id = end_id.clone();
            queue_microtask(move || {
                self.0.try_update_value(|m| m.remove(&id));
            });
        };
        let on_end = end.clone();
        let on_progress = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(run) = event
                .data()
                .as_string()
                .and_then(|data| serde_json::from_str::<T>(&data).ok())
            else {
                return;
            };
            let over = !run.running();
            update(run);
            if over {
                on_end();
            }
        });
        let retry_id = id.clone();
        let on_error = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            // While CONNECTING the browser retries by itself; CLOSED means
            // it gave up (an error status): read the run instead.
            let closed = event
                .target()
                .and_then(|t| t.dyn_into::<EventSource>().ok())
                .is_none_or(|es| es.ready_state() == EventSource::CLOSED);
            if closed {
                end();
                self.poll_later::<T>(retry_id.clone(), update);
            }
        });
        if events
            .add_event_listener_with_callback("progress", on_progress.as_ref().unchecked_ref())
            .is_err()
        {
            events.close();
            return self.poll_later::<T>(id, update);
        }
        events.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        self.0.try_update_value(|m| {
            m.insert(
                id,
                Source {
                    events,
                    _on_progress: on_progress,
                    _on_error: on_error,
                },
            )
        });
    }

    /// Reads the run once after a pause and follows it again if it runs.
    fn poll_later<T: Followed>(self, id: String, update: impl Fn(T) + Copy + 'static) {
        set_timeout(
            move || {
                spawn_local(async move {
                    if let Ok(run) = T::fetch(id.clone()).await {
                        let running = run.running();
                        update(run);
                        if running {
                            self.follow::<T>(id, update);
                        }
                    }
                });
            },
            RETRY,
        );
    }
}
