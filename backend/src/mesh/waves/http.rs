//! `/api/mesh/waves`: proposing and running canary migrations in waves
//! across the fleet, following a run, and the operator's decisions on a
//! paused one (resume, skip, roll the wave back).

use std::convert::Infallible;

use axum::extract::State;
use axum::response::sse::{Event, Sse};
use axum::{Extension, Json};
use futures_util::stream::Stream;
use shared::mesh::migration::waves::{WaveDecision, WaveProposal, WaveRequest, WaveRun};

use crate::api::json::ApiJson;
use crate::api::openapi::respond::Accepted;
use crate::api::path::IdPath;
use crate::audit::{Actor, Detail};
use crate::auth::Principal;
use crate::error::AppError;
use crate::mesh::{runs, waves};
use crate::state::AppState;

fn request_detail(request: &WaveRequest) -> Detail {
    let mut detail = Detail::new()
        .param("revision", &request.revision)
        .param("soak_secs", request.soak_secs);
    for t in &request.targets {
        detail = detail
            .cluster(t.cluster.to_string())
            .target(format!("namespace {}/{}", t.cluster, t.namespace));
    }
    detail
}

pub async fn propose_waves(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<WaveRequest>,
) -> (Detail, Result<Json<WaveProposal>, AppError>) {
    let detail = request_detail(&request);
    (detail, waves::propose(&state, &request).await.map(Json))
}

pub async fn create_wave_run(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(request): ApiJson<WaveRequest>,
) -> (Detail, Result<Accepted<WaveRun>, AppError>) {
    let mut detail = request_detail(&request);
    let run = waves::start(&state, request, &Actor::of(&principal)).await;
    if let Ok(r) = &run {
        detail = detail.param("run", &r.id).param("waves", r.waves.len());
    }
    (detail, run.map(Accepted))
}

pub async fn list_wave_runs(State(state): State<AppState>) -> Result<Json<Vec<WaveRun>>, AppError> {
    runs::list(state.waves()).await
}

pub async fn get_wave_run(
    State(state): State<AppState>,
    IdPath(id): IdPath,
) -> Result<Json<WaveRun>, AppError> {
    waves::run(&state, id.as_str()).await.map(Json)
}

async fn decide(
    state: AppState,
    id: String,
    decision: WaveDecision,
) -> (Detail, Result<Json<WaveRun>, AppError>) {
    let detail = Detail::new()
        .param("run", &id)
        .param("decision", format!("{decision:?}").to_lowercase());
    (detail, waves::decide(&state, &id, decision).await.map(Json))
}

pub async fn resume_wave_run(
    State(state): State<AppState>,
    IdPath(id): IdPath,
) -> (Detail, Result<Json<WaveRun>, AppError>) {
    decide(state, id.to_string(), WaveDecision::Resume).await
}

pub async fn skip_wave(
    State(state): State<AppState>,
    IdPath(id): IdPath,
) -> (Detail, Result<Json<WaveRun>, AppError>) {
    decide(state, id.to_string(), WaveDecision::Skip).await
}

pub async fn roll_back_wave(
    State(state): State<AppState>,
    IdPath(id): IdPath,
) -> (Detail, Result<Json<WaveRun>, AppError>) {
    decide(state, id.to_string(), WaveDecision::Rollback).await
}

/// The run now and on every change; ends when the run does.
pub async fn wave_run_events(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    IdPath(id): IdPath,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let waves = state.waves().clone();
    runs::events(state, principal, &waves, id.as_str(), "wave").await
}
