//! Following a run over Server-Sent Events: its state now, then every
//! change, as `progress` events, until the run is no longer live.
//! Installs, migrations and wave runs all stream this way.

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use serde::Serialize;
use tokio::sync::watch;

use super::stream::while_signed_in;
use crate::auth::Principal;
use crate::runs::Run;
use crate::state::AppState;

/// The SSE response following the run behind `rx` while it is live and
/// the caller's session stands.
pub fn progress_events<T>(
    state: AppState,
    principal: Principal,
    rx: watch::Receiver<T>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    T: Run + Serialize,
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
        let more = state.is_live().then_some((rx, false));
        Some((Ok(event), more))
    });
    let events = while_signed_in(state, principal, events);
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
