//! Long-lived responses end with the session they were opened in: every
//! event stream is cut within a few seconds of its session being signed
//! out, expiring, or its account changing role or being removed. Each
//! open stream is counted in the `sse_clients` metric while it lives.

use std::time::Duration;

use futures_util::stream::{Stream, StreamExt};

use crate::auth::Principal;
use crate::auth::sessions::still_holds;
use crate::state::AppState;

/// How often an open stream checks its session (the promise is an end
/// within 5 s).
const CHECK_EVERY: Duration = Duration::from_secs(2);

/// `events` until `principal`'s session no longer stands (or the store
/// cannot say that it does).
pub fn while_signed_in<S: Stream>(
    state: AppState,
    principal: Principal,
    events: S,
) -> impl Stream<Item = S::Item> {
    let client = state.metrics().sse_client();
    let ended = async move {
        loop {
            tokio::time::sleep(CHECK_EVERY).await;
            match still_holds(&state, &principal).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(error) => {
                    tracing::warn!(%error, "cannot check a stream's session; ending the stream");
                    break;
                }
            }
        }
    };
    events.take_until(ended).map(move |event| {
        // Held by the stream: the gauge counts it until the stream is dropped.
        let _client = &client;
        event
    })
}
