//! What every kind of run answers alike: its list, one run by id and its
//! progress stream, from its book (runs held by this console, else as
//! stored, so runs from before a restart answer too); and the runs to
//! resume at start-up.

use std::convert::Infallible;

use axum::Json;
use axum::response::sse::{Event, Sse};
use futures_util::stream::Stream;
use tokio::sync::watch;

use crate::api::progress::progress_events;
use crate::audit::Actor;
use crate::auth::Principal;
use crate::cluster::MemberApi;
use crate::error::AppError;
use crate::runs::{Run, RunBook, RunPlan};
use crate::state::AppState;

/// The run `id` of `book`; `what` names the kind in the 404.
pub async fn find<T: Run>(book: &RunBook<T>, id: &str, what: &str) -> Result<T, AppError> {
    book.get(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no {what} run {id:?}")))
}

/// Every run of `book`, newest first.
pub async fn list<T: Run>(book: &RunBook<T>) -> Result<Json<Vec<T>>, AppError> {
    Ok(Json(book.list().await?))
}

/// The run now and on every change; ends when the run does.
pub async fn events<T: Run>(
    state: AppState,
    principal: Principal,
    book: &RunBook<T>,
    id: &str,
    what: &str,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>> + use<T>>, AppError> {
    let rx = book
        .follow(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no {what} run {id:?}")))?;
    Ok(progress_events(state, principal, rx))
}

/// A stored run a killed console left running, to be driven again.
pub struct Unfinished<T: Run> {
    pub run: T,
    pub plan: T::Plan,
    /// Who started it.
    pub actor: Actor,
    /// The client of the run's cluster.
    pub client: MemberApi,
    /// The run's channel in its book, published again.
    pub tx: watch::Sender<T>,
}

/// The runs of `book` a killed console left running (at console start);
/// a run whose cluster left the fleet is logged and left as it is.
pub async fn unfinished<T: Run>(
    state: &AppState,
    book: &RunBook<T>,
) -> Result<Vec<Unfinished<T>>, AppError> {
    let mut found = Vec::new();
    for (run, plan) in book.unfinished().await? {
        tracing::info!(kind = T::KIND, run = run.id(), "resuming run");
        match state.fleet().member_api(&run.clusters()) {
            Ok(client) => found.push(Unfinished {
                tx: book.publish(&run),
                actor: Actor {
                    name: run.actor().to_owned(),
                    role: plan.role(),
                },
                run,
                plan,
                client,
            }),
            Err(e) => tracing::error!(run = run.id(), error = %e, "cannot resume a run"),
        }
    }
    Ok(found)
}
