//! What every kind of run answers alike: its list, one run by id and its
//! progress stream, from its book (runs held by this console, else as
//! stored, so runs from before a restart answer too).

use std::convert::Infallible;

use axum::Json;
use axum::response::sse::{Event, Sse};
use futures_util::stream::Stream;

use crate::api::progress::progress_events;
use crate::auth::Principal;
use crate::error::AppError;
use crate::runs::{Run, RunBook};
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
