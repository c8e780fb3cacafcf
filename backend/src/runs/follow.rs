//! Following a run another replica drives: its driver writes the run to
//! the store on every change, so this replica reads it from there, with
//! one task per followed run however many streams follow it.

use tokio::sync::watch;

use super::book::{RunBook, lock};
use super::run::{Run, parse};
use crate::store::{Store, StoreError};

/// How often a followed run driven elsewhere is read from the store.
pub const STORE_POLL: std::time::Duration = std::time::Duration::from_secs(1);

impl<T: Run> RunBook<T> {
    /// Follows a run: the current progress, then every change. A run
    /// another replica drives (or none, or only stored from before a
    /// restart) is followed through the store, which its driver writes on
    /// every change: read every [`STORE_POLL`] while it is live and
    /// someone follows, by one task for all its followers here.
    pub async fn follow(&self, id: &str) -> Result<Option<watch::Receiver<T>>, StoreError> {
        if let Some(store) = self.inner.store.as_ref().map(|(store, _)| store.clone())
            && !self.drives(id)
        {
            if let Some(tx) = lock(&self.inner.followed).get(id)
                && !tx.is_closed()
            {
                return Ok(Some(tx.subscribe()));
            }
            let Some(stored) = store.run(T::KIND, id).await? else {
                return Ok(None);
            };
            let (run, _) = parse::<T>(&stored)?;
            let live = run.is_live();
            let (tx, rx) = watch::channel(run);
            if live {
                let mut followed = lock(&self.inner.followed);
                if let Some(shared) = followed.get(id)
                    && !shared.is_closed()
                {
                    // Another follower started its task meanwhile.
                    return Ok(Some(shared.subscribe()));
                }
                followed.insert(id.to_owned(), tx.clone());
                drop(followed);
                tokio::spawn(follow_stored(
                    self.clone(),
                    store,
                    id.to_owned(),
                    stored.body,
                    tx,
                ));
            }
            return Ok(Some(rx));
        }
        if let Some(rx) = self.subscribe(id) {
            return Ok(Some(rx));
        }
        Ok(self.get(id).await?.map(|run| self.register(run)))
    }
}

/// Sends run `id` as stored into `tx` whenever it changed from `seen`,
/// until nobody follows, the run is no longer live, or the store cannot
/// be read; then forgets it among the followed runs.
async fn follow_stored<T: Run>(
    book: RunBook<T>,
    store: Store,
    id: String,
    seen: String,
    tx: watch::Sender<T>,
) {
    poll(&store, &id, seen, &tx).await;
    let mut followed = lock(&book.inner.followed);
    if followed.get(&id).is_some_and(|f| f.same_channel(&tx)) {
        followed.remove(&id);
    }
}

async fn poll<T: Run>(store: &Store, id: &str, mut seen: String, tx: &watch::Sender<T>) {
    let mut tick = tokio::time::interval(STORE_POLL);
    loop {
        tokio::select! {
            () = tx.closed() => return,
            _ = tick.tick() => {}
        }
        let run = match store.run(T::KIND, id).await {
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
