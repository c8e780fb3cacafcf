//! The one way the console follows a Server-Sent Events stream:
//! [`follow`] opens it and reports what it hears, decoded as `T`, until the
//! [`Stream`] is dropped. [`Runs`] builds on it for long operations
//! (installs, migrations, wave runs): the stream's first event is the run
//! as it is, so opening one late misses nothing, and a stream the browser
//! gives up on is replaced by reading the run again after a pause.

use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::de::DeserializeOwned;
use shared::{ApiError, routes};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Event, EventSource, MessageEvent};

/// What a stream's events decode into.
pub trait Streamed: Sized + 'static {
    /// The names of the events that carry it.
    const EVENTS: &'static [&'static str];
    /// Event `name`'s data; `None` when it does not read.
    fn decode(name: &str, data: &str) -> Option<Self>;
}

/// What a followed stream reports.
pub enum Heard<T> {
    /// The stream is open (again).
    Open,
    /// One of [`Streamed::EVENTS`]; `None` when its data did not read.
    Event(Option<T>),
    /// The stream broke and the browser reconnects by itself, resending
    /// the last event id.
    Retrying,
    /// The browser gave up on the stream (an error status): it stays
    /// closed.
    Closed,
}

/// An open stream and its listeners, closed when dropped. Dropping it from
/// inside its own callback frees the listener that runs: defer that (for
/// instance with `queue_microtask`).
pub struct Stream {
    events: EventSource,
    _listeners: Vec<Closure<dyn FnMut(Event)>>,
}

impl Drop for Stream {
    fn drop(&mut self) {
        // Closed first: no listener runs after its closure is freed.
        self.events.close();
    }
}

/// Opens the stream at `url` and tells `on` what it hears. `None` when
/// the browser cannot open it.
pub fn follow<T: Streamed>(url: &str, on: impl Fn(Heard<T>) + 'static) -> Option<Stream> {
    let events = EventSource::new(url).ok()?;
    let on = Rc::new(on);
    let listener = |f: Box<dyn FnMut(Event)>| Closure::<dyn FnMut(Event)>::wrap(f);
    let on_open = {
        let on = on.clone();
        listener(Box::new(move |_| on(Heard::Open)))
    };
    let on_error = {
        let on = on.clone();
        listener(Box::new(move |event: Event| {
            // While CONNECTING the browser retries by itself; CLOSED means
            // it gave up.
            let closed = event
                .target()
                .and_then(|t| t.dyn_into::<EventSource>().ok())
                .is_none_or(|es| es.ready_state() == EventSource::CLOSED);
            on(if closed {
                Heard::Closed
            } else {
                Heard::Retrying
            });
        }))
    };
    events.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    events.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let mut listeners = vec![on_open, on_error];
    for &name in T::EVENTS {
        let on = on.clone();
        let on_event = listener(Box::new(move |event: Event| {
            let decoded = event
                .dyn_ref::<MessageEvent>()
                .and_then(|m| m.data().as_string())
                .and_then(|data| T::decode(name, &data));
            on(Heard::Event(decoded));
        }));
        if events
            .add_event_listener_with_callback(name, on_event.as_ref().unchecked_ref())
            .is_err()
        {
            events.close();
            return None;
        }
        listeners.push(on_event);
    }
    Some(Stream {
        events,
        _listeners: listeners,
    })
}

/// How long to wait before reading a run whose stream was lost.
const RETRY: Duration = Duration::from_secs(2);

/// A long operation with a progress stream of `progress` events, each the
/// whole run.
pub trait Followed: DeserializeOwned + 'static {
    /// The route of every run of the kind, running or finished.
    const LIST_ROUTE: &'static str;
    /// The route template of one run, `…/{id}`.
    const ROUTE: &'static str;
    /// The route template of its progress stream, `…/{id}/events`.
    const EVENTS_ROUTE: &'static str;

    /// Whether more progress is coming without anyone acting.
    fn running(&self) -> bool;

    fn events_url(id: &str) -> String {
        routes::fill(Self::EVENTS_ROUTE, &[&id])
    }

    /// `GET` every run of the kind.
    fn list() -> impl Future<Output = Result<Vec<Self>, ApiError>> {
        super::get_json(Self::LIST_ROUTE)
    }

    /// `GET` the run as it is now.
    fn fetch(id: String) -> impl Future<Output = Result<Self, ApiError>> {
        async move { super::get_json(&routes::fill(Self::ROUTE, &[&id])).await }
    }
}

impl<T: Followed> Streamed for T {
    const EVENTS: &'static [&'static str] = &["progress"];
    fn decode(_: &str, data: &str) -> Option<Self> {
        serde_json::from_str(data).ok()
    }
}

/// The runs being followed, by id. Copy it freely.
#[derive(Clone, Copy)]
pub struct Runs(StoredValue<HashMap<String, Stream>, LocalStorage>);

impl Runs {
    pub fn new() -> Self {
        Self(StoredValue::new_local(HashMap::new()))
    }

    /// Closes every stream (the view is reset or gone).
    pub fn clear(self) {
        self.0.try_update_value(HashMap::clear);
    }

    /// Sends run `id` to `update` on every change until it stops running.
    pub fn follow<T: Followed>(self, id: String, update: impl Fn(T) + Copy + 'static) {
        // Ends the stream from inside its own listener: deferred, so the
        // listener is not freed while it runs.
        let end = {
            let id = id.clone();
            move || {
                let id = id.clone();
                queue_microtask(move || {
                    self.0.try_update_value(|m| m.remove(&id));
                });
            }
        };
        let retry_id = id.clone();
        let stream = follow::<T>(&T::events_url(&id), move |heard| match heard {
            Heard::Event(Some(run)) => {
                let over = !run.running();
                update(run);
                if over {
                    end();
                }
            }
            Heard::Closed => {
                end();
                self.poll_later::<T>(retry_id.clone(), update);
            }
            Heard::Open | Heard::Event(None) | Heard::Retrying => {}
        });
        match stream {
            Some(stream) => {
                self.0.try_update_value(|m| m.insert(id, stream));
            }
            None => self.poll_later::<T>(id, update),
        }
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
