//! What a mutating handler tells the audit log about its request. The guard
//! in front of every endpoint writes one entry per mutation whatever the
//! handler does; a handler adds the clusters, objects and parameters (and,
//! where it knows better, the actor or outcome) by returning a [`Detail`]
//! among its response parts.

use axum::response::{IntoResponseParts, ResponseParts};
use shared::Outcome;

use super::Actor;

/// Details of one audited request, carried as a response extension.
#[derive(Debug, Clone, Default)]
pub struct Detail {
    pub(super) actor: Option<Actor>,
    pub(super) outcome: Option<Outcome>,
    pub(super) clusters: Vec<String>,
    pub(super) targets: Vec<String>,
    pub(super) params: Vec<String>,
}

impl Detail {
    pub fn new() -> Self {
        Self::default()
    }

    /// Overrides the signed-in principal as actor (signing in has none yet).
    pub fn actor(mut self, actor: Actor) -> Self {
        self.actor = Some(actor);
        self
    }

    /// Overrides the outcome read from the response status.
    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = Some(outcome);
        self
    }

    pub fn cluster(mut self, cluster: impl Into<String>) -> Self {
        self.clusters.push(cluster.into());
        self
    }

    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.targets.push(target.into());
        self
    }

    /// A parameter summary, `key=value`. Never secret values or key
    /// material; passwords are not parameters.
    pub fn param(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        self.params.push(format!("{key}={value}"));
        self
    }
}

impl IntoResponseParts for Detail {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        res.extensions_mut().insert(self);
        Ok(res)
    }
}
