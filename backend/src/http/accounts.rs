//! `/api/accounts`: list and create local accounts (admin capability).

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use shared::auth::check_new_password;
use shared::{Account, AccountName, NewAccount};

use super::json::ApiJson;
use crate::audit::Detail;
use crate::auth::{Principal, secrets};
use crate::error::AppError;
use crate::state::AppState;

pub async fn list_accounts(State(state): State<AppState>) -> Result<Json<Vec<Account>>, AppError> {
    Ok(Json(state.store().list_accounts().await?))
}

pub async fn create_account(
    State(state): State<AppState>,
    Extension(_admin): Extension<Principal>,
    ApiJson(body): ApiJson<NewAccount>,
) -> (Detail, Result<(StatusCode, Json<Account>), AppError>) {
    let detail = Detail::new()
        .target(format!("account/{}", body.name))
        .param("role", body.role)
        .param("admin", body.admin);
    let created = create(&state, &body).await;
    (detail, created.map(|a| (StatusCode::CREATED, Json(a))))
}

async fn create(state: &AppState, body: &NewAccount) -> Result<Account, AppError> {
    let name: AccountName = body
        .name
        .parse()
        .map_err(|err: shared::InvalidName| AppError::BadRequest(err.to_string()))?;
    check_new_password(&body.password).map_err(AppError::BadRequest)?;
    let hash = secrets::hash_password(&body.password, state.auth().hash_cost)
        .map_err(|err| AppError::Internal(err.to_string()))?;
    let account = Account {
        name: name.to_string(),
        role: body.role,
        admin: body.admin,
    };
    state
        .store()
        .create_account(&account, &hash, state.clock().now())
        .await?;
    Ok(account)
}
