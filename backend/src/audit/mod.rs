//! Recording into the audit log: who attempted what, on which clusters and
//! objects, with which (non-secret) parameters, and how it ended. The guard
//! of [`crate::auth::guard`] records every mutation and refusal; handlers
//! add a [`Detail`]. Storage lives in [`crate::store::audit`]; the keyed
//! chain in [`chain`], its key in [`key`], the signed checkpoints kept
//! outside the database in [`checkpoint`], the paged check in [`verify`].

pub mod chain;
pub mod checkpoint;
pub mod detail;
pub mod http;
pub mod key;
pub mod verify;

pub use detail::Detail;

use axum::http::HeaderMap;
use shared::{AuditEntry, Outcome};

use crate::api::request_id::REQUEST_ID_HEADER;
use crate::auth::Principal;
use crate::state::AppState;
use crate::store::audit::NewEntry;
use crate::store::{Store, StoreError};

/// Who acted: an account, or the console itself (`system`, `cli`).
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub role: Option<String>,
}

impl Actor {
    pub fn of(principal: &Principal) -> Self {
        Self {
            name: principal.account.name.clone(),
            role: Some(principal.account.role.slug().to_owned()),
        }
    }

    /// Someone not signed in; `claimed` is the name they typed, if any.
    pub fn anonymous(claimed: Option<&str>) -> Self {
        Self {
            name: claimed.map_or_else(|| "anonymous".to_owned(), str::to_owned),
            role: None,
        }
    }

    pub fn system(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            role: None,
        }
    }
}

/// One audited attempt, built up by the code that made it: the action and
/// outcome, plus the same clusters/targets/parameters a handler's
/// [`Detail`] carries.
#[derive(Debug, Clone)]
pub struct Event {
    action: String,
    outcome: Outcome,
    detail: Detail,
}

impl Event {
    pub fn new(action: &str, outcome: Outcome) -> Self {
        Self {
            action: action.to_owned(),
            outcome,
            detail: Detail::new(),
        }
    }

    pub fn cluster(mut self, cluster: impl Into<String>) -> Self {
        self.detail = self.detail.cluster(cluster);
        self
    }

    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.detail = self.detail.target(target);
        self
    }

    /// See [`Detail::param`]: never secret values or key material.
    pub fn param(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        self.detail = self.detail.param(key, value);
        self
    }
}

impl Event {
    /// The entry for a request to `action` that ended with `status`, with
    /// the handler's `detail` when it gave one.
    pub fn of_response(
        action: &str,
        status: u16,
        detail: Option<Detail>,
        error: Option<&str>,
    ) -> (Self, Option<Actor>) {
        let mut detail = detail.unwrap_or_default();
        let actor = detail.actor.take();
        let outcome = detail.outcome.unwrap_or(match status {
            200..=399 => Outcome::Success,
            403 => Outcome::Denied,
            _ => Outcome::Failure,
        });
        let mut event = Self {
            action: action.to_owned(),
            outcome,
            detail,
        };
        if outcome != Outcome::Success
            && let Some(error) = error
        {
            event = event.param("error", error);
        }
        (event, actor)
    }
}

/// The request id the middleware stamped on the request.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Appends `event` by `actor` to the log, stamped with the state's clock.
pub async fn record(
    state: &AppState,
    actor: Actor,
    request_id: Option<String>,
    event: Event,
) -> Result<AuditEntry, StoreError> {
    append(state.store(), state.clock().now(), actor, request_id, event).await
}

/// Appends `event` at time `at` (for callers without an [`AppState`]: the
/// CLI and first-start setup).
pub async fn append(
    store: &Store,
    at: i64,
    actor: Actor,
    request_id: Option<String>,
    event: Event,
) -> Result<AuditEntry, StoreError> {
    let entry = store
        .append_audit(NewEntry {
            at,
            actor: actor.name,
            role: actor.role,
            action: event.action,
            clusters: event.detail.clusters,
            targets: event.detail.targets,
            params: event.detail.params,
            outcome: event.outcome,
            request_id,
        })
        .await?;
    tracing::info!(
        seq = entry.seq,
        actor = %entry.actor,
        action = %entry.action,
        outcome = %entry.outcome,
        "audit"
    );
    Ok(entry)
}
