//! The live fleet as app-wide context, shared by the fleet and cluster
//! pages: the snapshot of `GET /api/fleet`, kept current by the `delta`
//! events of `GET /api/events`. A `reload` event or a missed delta fetches
//! the snapshot again; a stream the browser gave up on is reopened with
//! backoff. It runs only while someone is signed in.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ApiError;
use shared::fleet::{Fleet, FleetDelta};

use crate::api;
use crate::api::follow::{Heard, Stream as EventStream, Streamed, follow};

/// The longest wait before trying a lost stream again.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Snapshot reloads in a row made at once; more wait with backoff.
const QUICK_RELOADS: u32 = 3;

/// How current the fleet on screen is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Nobody signed in.
    Idle,
    /// Fetching the first snapshot.
    Connecting,
    /// The event stream is open: changes show as they happen.
    Live,
    /// The stream dropped or the snapshot is being fetched again; what is
    /// shown may be behind.
    Reconnecting,
}

impl Link {
    pub fn slug(self) -> &'static str {
        match self {
            Link::Idle => "idle",
            Link::Connecting => "connecting",
            Link::Live => "live",
            Link::Reconnecting => "reconnecting",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Link::Idle => "not connected",
            Link::Connecting => "connecting…",
            Link::Live => "live",
            Link::Reconnecting => "reconnecting…",
        }
    }
}

/// The fleet context. Copy it freely; [`LiveFleet::get`] finds it.
#[derive(Clone, Copy)]
pub struct LiveFleet {
    fleet: RwSignal<Option<Fleet>>,
    /// Why the last snapshot could not be fetched, until one is.
    error: RwSignal<Option<ApiError>>,
    link: RwSignal<Link>,
    stream: StoredValue<Stream, LocalStorage>,
}

/// The browser side of the stream, which cannot leave this thread.
#[derive(Default)]
struct Stream {
    /// Bumped by every (re)start and stop, so callbacks and timers of an
    /// older stream do nothing.
    generation: u64,
    source: Option<EventStream>,
    retry: Option<TimeoutHandle>,
    backoff: Duration,
    /// Snapshot reloads since a delta last applied: a backend that keeps
    /// asking for them is then asked with backoff, not in a tight loop.
    reloads: u32,
}

/// What the fleet's event stream says.
enum FleetEvent {
    /// A change after the version the client holds.
    Delta(FleetDelta),
    /// The client is too far behind: fetch the snapshot again.
    Reload,
}

impl Streamed for FleetEvent {
    const EVENTS: &'static [&'static str] = &["delta", "reload"];
    fn decode(name: &str, data: &str) -> Option<Self> {
        match name {
            "delta" => serde_json::from_str(data).ok().map(FleetEvent::Delta),
            _ => Some(FleetEvent::Reload),
        }
    }
}

impl Stream {
    /// Closes the stream and cancels a pending retry; returns the new
    /// generation.
    fn reset(&mut self) -> u64 {
        self.source = None;
        if let Some(retry) = self.retry.take() {
            retry.clear();
        }
        self.generation += 1;
        self.generation
    }
}

impl LiveFleet {
    /// Creates the context, idle until [`LiveFleet::start`].
    pub fn provide() -> Self {
        let live = Self {
            fleet: RwSignal::new(None),
            error: RwSignal::new(None),
            link: RwSignal::new(Link::Idle),
            stream: StoredValue::new_local(Stream::default()),
        };
        provide_context(live);
        live
    }

    pub fn get() -> Self {
        expect_context::<LiveFleet>()
    }

    /// The fleet as last heard, tracked; `None` before the first snapshot.
    pub fn fleet(self) -> ReadSignal<Option<Fleet>> {
        self.fleet.read_only()
    }

    /// Why no snapshot could be fetched, tracked.
    pub fn error(self) -> Option<ApiError> {
        self.error.get()
    }

    /// The stream's state, tracked.
    pub fn link(self) -> Link {
        self.link.get()
    }

    /// Fetches the snapshot and follows the event stream.
    pub fn start(self) {
        if let Some(generation) = self.stream.try_update_value(Stream::reset) {
            self.link.set(Link::Connecting);
            self.load(generation);
        }
    }

    /// Closes the stream and forgets the fleet (sign-out).
    pub fn stop(self) {
        self.stream.try_update_value(Stream::reset);
        self.link.try_set(Link::Idle);
        self.fleet.try_set(None);
        self.error.try_set(None);
    }

    fn is_current(self, generation: u64) -> bool {
        self.stream
            .try_with_value(|s| s.generation == generation)
            .unwrap_or(false)
    }

    /// Fetches the snapshot again and reopens the stream after it: what a
    /// `reload` event or a missed delta calls for. Deferred, so the
    /// listener that asks for it is not freed while it runs.
    fn resync(self) {
        queue_microtask(move || {
            self.link.try_set(Link::Reconnecting);
            let again = self.stream.try_update_value(|s| {
                s.reloads += 1;
                (s.reloads > QUICK_RELOADS).then_some(s.generation)
            });
            match again {
                Some(Some(generation)) => self.retry_later(generation),
                Some(None) => {
                    if let Some(generation) = self.stream.try_update_value(Stream::reset) {
                        self.load(generation);
                    }
                }
                None => {}
            }
        });
    }

    fn load(self, generation: u64) {
        spawn_local(async move {
            let result = api::fleet::snapshot().await;
            if !self.is_current(generation) {
                return;
            }
            match result {
                Ok(fleet) => {
                    let version = fleet.version;
                    self.error.try_set(None);
                    self.fleet.try_set(Some(fleet));
                    self.open(generation, version);
                }
                Err(error) => {
                    self.error.try_set(Some(error));
                    self.link.try_set(Link::Reconnecting);
                    self.retry_later(generation);
                }
            }
        });
    }

    /// Tries again after a growing pause (1 s, 2 s, … 30 s).
    fn retry_later(self, generation: u64) {
        let retry = move || {
            if let Some(generation) = self
                .stream
                .try_update_value(|s| (s.generation == generation).then(|| s.reset()))
                .flatten()
            {
                self.load(generation);
            }
        };
        // The closed source stays until the timer: this may run inside
        // one of its listeners.
        self.stream.try_update_value(|s| {
            s.backoff = (s.backoff * 2).clamp(Duration::from_secs(1), MAX_BACKOFF);
            s.retry = set_timeout_with_handle(retry, s.backoff).ok();
        });
    }

    /// Opens the event stream after `version`.
    fn open(self, generation: u64, version: u64) {
        let heard = move |heard: Heard<FleetEvent>| {
            if !self.is_current(generation) {
                return;
            }
            match heard {
                Heard::Open => {
                    self.link.try_set(Link::Live);
                    self.stream.try_update_value(|s| s.backoff = Duration::ZERO);
                }
                // The browser retries by itself, resending the last event id.
                Heard::Retrying => {
                    self.link.try_set(Link::Reconnecting);
                }
                // It gave up (an error status, such as an ended session):
                // fetching the snapshot finds out why.
                Heard::Closed => {
                    self.link.try_set(Link::Reconnecting);
                    self.retry_later(generation);
                }
                Heard::Event(Some(FleetEvent::Delta(delta))) => {
                    let applied = self.fleet.try_maybe_update(|fleet| {
                        match fleet.as_mut().map(|f| f.apply(&delta)) {
                            Some(Ok(changed)) => (changed, true),
                            _ => (false, false),
                        }
                    });
                    if applied == Some(true) {
                        self.stream.try_update_value(|s| s.reloads = 0);
                    } else {
                        // Out of order or for an unknown cluster: start
                        // over from a fresh snapshot.
                        self.resync();
                    }
                }
                // A reload asked for, or a delta that does not read.
                Heard::Event(Some(FleetEvent::Reload) | None) => self.resync(),
            }
        };
        let Some(source) = follow(&api::fleet::events_url(version), heard) else {
            return self.retry_later(generation);
        };
        self.stream.try_update_value(|s| {
            if s.generation == generation {
                s.source = Some(source);
            }
        });
    }
}
