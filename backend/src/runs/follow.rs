//! Following a run another replica drives: its driver writes the run to
//! the store on every change, so a follower here reads it from there.

use tokio::sync::watch;

use super::run::{Run, parse};
use crate::store::Store;

/// How often a follower of a run driven elsewhere reads the store.
pub const STORE_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// Sends run `id` as stored into `tx` whenever it changed from `seen`,
/// until nobody follows, the run is no longer live, or the store cannot
/// be read.
pub(super) async fn follow_stored<T: Run>(
    store: Store,
    id: String,
    mut seen: String,
    tx: watch::Sender<T>,
) {
    let mut tick = tokio::time::interval(STORE_POLL);
    loop {
        tokio::select! {
            () = tx.closed() => return,
            _ = tick.tick() => {}
        }
        let run = match store.run(T::KIND, &id).await {
            Ok(Some(stored)) if stored.body != seen => match parse::<T>(&stored) {
                Ok((run, _)) => {
                    seen = stored.body;
                    run
                }
                Err(e) => {
                    tracing::warn!(run = %id, error = %e, "cannot follow a stored run");
                    return;
                }
            },
            Ok(Some(_)) => continue,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(run = %id, error = %e, "cannot follow a stored run");
                return;
            }
        };
        let live = run.is_live();
        tx.send_replace(run);
        if !live {
            return;
        }
    }
}
