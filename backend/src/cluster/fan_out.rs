//! Asking every member at once: a fleet-wide read (the CSR inbox and
//! badge, the trust inventory) goes to the members in parallel, each
//! bounded by the fleet's call timeout, so one that hangs holds up nobody;
//! the caller says which members did not answer.

use std::future::Future;

use futures_util::future::join_all;

use std::time::Duration;

use super::FleetService;

/// A member did not answer within the call timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no answer within {} s", .0.as_secs())]
pub struct NoAnswer(pub Duration);

impl FleetService {
    /// `ask(name)` for every member at once, in fleet order, each answer
    /// or [`NoAnswer`].
    pub async fn ask_members<T, Fut>(
        &self,
        ask: impl Fn(String) -> Fut,
    ) -> Vec<(String, Result<T, NoAnswer>)>
    where
        Fut: Future<Output = T>,
    {
        let names: Vec<String> = self
            .snapshot()
            .clusters
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        let timeout = self.call_timeout();
        let asked = names.iter().map(|name| async {
            tokio::time::timeout(timeout, ask(name.clone()))
                .await
                .map_err(|_| NoAnswer(timeout))
        });
        names.iter().cloned().zip(join_all(asked).await).collect()
    }
}
