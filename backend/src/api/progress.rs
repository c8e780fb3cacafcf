//! Following a run over Server-Sent Events: its state now, then every
//! change, as `progress` events, until the run stops running. Installs,
//! migrations and wave runs all stream this way.

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use serde::Serialize;
use tokio::sync::watch;

/// The SSE response following `rx` while `running` holds for its state.
pub fn progress_events<T>(
    rx: watch::Receiver<T>,
    running: fn(&T) -> bool,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    T: Serialize + Clone + Send + Sync + 'static,
{
    let events = stream::unfold(Some((rx, true)), move |next| async move {
        let (mut rx, first) = next?;
        if !first && rx.changed().await.is_err() {
            return None;
        }
        let state = rx.borrow_and_update().clone();
        let event = Event::default()
            .event("progress")
            .json_data(&state)
            .unwrap_or_else(|_| Event::default().comment("unserialisable progress"));
        let more = running(&state).then_some((rx, false));
        Some((Ok(event), more))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
