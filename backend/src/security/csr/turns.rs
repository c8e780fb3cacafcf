//! One decision at a time per request: two officers approving the same
//! request at once both count and it is signed once, while decisions on
//! other requests (and other clusters) never wait for it. The map of
//! turns is locked only to find or drop a request's turn, never across
//! the cluster, Vault or HSM calls a decision makes.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

type Turn = Arc<tokio::sync::Mutex<()>>;

static TURNS: LazyLock<Mutex<HashMap<String, Turn>>> = LazyLock::new(Mutex::default);

fn turns() -> std::sync::MutexGuard<'static, HashMap<String, Turn>> {
    TURNS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Held while a decision on one request runs.
pub struct DecisionTurn {
    key: String,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

/// Waits for request `name` on `cluster` to be free, and takes it.
pub async fn decision_turn(cluster: &str, name: &str) -> DecisionTurn {
    let key = format!("{cluster}/{name}");
    let turn = turns().entry(key.clone()).or_default().clone();
    DecisionTurn {
        key,
        guard: Some(turn.lock_owned().await),
    }
}

impl Drop for DecisionTurn {
    fn drop(&mut self) {
        self.guard.take();
        let mut turns = turns();
        // Nobody else holds or waits for this request's turn: forget it.
        if turns
            .get(&self.key)
            .is_some_and(|t| Arc::strong_count(t) == 1)
        {
            turns.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn decisions_on_other_requests_do_not_wait_and_turns_are_forgotten() {
        let held = decision_turn("gke-eu", "istiod-ca").await;
        let other = tokio::time::timeout(
            std::time::Duration::from_secs(1),
            decision_turn("gke-us", "istiod-ca"),
        )
        .await;
        assert!(other.is_ok(), "another cluster's request does not wait");
        let same = tokio::time::timeout(
            std::time::Duration::from_millis(50),
            decision_turn("gke-eu", "istiod-ca"),
        )
        .await;
        assert!(same.is_err(), "the same request waits its turn");
        drop((held, other));
        assert!(!turns().contains_key("gke-eu/istiod-ca"));
        assert!(!turns().contains_key("gke-us/istiod-ca"));
    }
}
