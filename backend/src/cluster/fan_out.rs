//! Asking every member at once: a fleet-wide read (the CSR inbox and
//! badge, the trust inventory) goes to the members in parallel, each
//! bounded by [`REQUEST_TIMEOUT`], so one that hangs holds up nobody; the
//! caller says which members did not answer.

use std::future::Future;

use futures_util::future::join_all;

use super::FleetService;
use super::registry::REQUEST_TIMEOUT;

/// A member did not answer within [`REQUEST_TIMEOUT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no answer within {} s", REQUEST_TIMEOUT.as_secs())]
pub struct NoAnswer;

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
        let asked = names.iter().map(|name| async {
            tokio::time::timeout(REQUEST_TIMEOUT, ask(name.clone()))
                .await
                .map_err(|_| NoAnswer)
        });
        names.iter().cloned().zip(join_all(asked).await).collect()
    }
}
