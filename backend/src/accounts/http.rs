//! `/api/accounts`: list, create, change and remove local accounts (admin
//! capability). The console always keeps at least one admin, and
//! [`duties`] decides who may give or take the security-officer role.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::{Extension, Json};
use shared::auth::check_new_password;
use shared::{Account, AccountName, AccountUpdate, InvalidName, NewAccount};

use super::duties;
use crate::api::json::ApiJson;
use crate::api::openapi::describe::DescribeArg;
use crate::api::openapi::respond::{Created, NoContent};
use crate::audit::Detail;
use crate::auth::{Principal, secrets};
use crate::error::AppError;
use crate::state::AppState;

pub async fn list_accounts(State(state): State<AppState>) -> Result<Json<Vec<Account>>, AppError> {
    Ok(Json(state.store().list_accounts().await?))
}

pub async fn create_account(
    State(state): State<AppState>,
    Extension(admin): Extension<Principal>,
    ApiJson(body): ApiJson<NewAccount>,
) -> (Detail, Result<Created<Account>, AppError>) {
    let detail = Detail::new()
        .target(format!("account/{}", body.name))
        .param("role", body.role)
        .param("admin", body.admin);
    let created = create(&state, &admin.account, &body).await;
    (detail, created.map(Created))
}

/// The account a `/api/accounts/{name}` request is about, parsed at the
/// edge: a name no account can have is a 400, audited against the name
/// given.
pub struct AccountPath(pub AccountName);

impl DescribeArg for AccountPath {}

impl<S: Send + Sync> FromRequestParts<S> for AccountPath {
    type Rejection = (Detail, AppError);

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| (Detail::new(), AppError::BadRequest(e.body_text())))?;
        raw.parse().map(Self).map_err(|e: InvalidName| {
            (
                Detail::new().target(format!("account/{raw}")),
                AppError::BadRequest(e.to_string()),
            )
        })
    }
}

pub async fn update_account(
    State(state): State<AppState>,
    Extension(admin): Extension<Principal>,
    AccountPath(name): AccountPath,
    ApiJson(change): ApiJson<AccountUpdate>,
) -> (Detail, Result<Json<Account>, AppError>) {
    let mut detail = Detail::new().target(format!("account/{name}"));
    if let Some(role) = change.role {
        detail = detail.param("role", role);
    }
    if let Some(admin) = change.admin {
        detail = detail.param("admin", admin);
    }
    (
        detail,
        update(&state, &admin.account, name.as_str(), &change)
            .await
            .map(Json),
    )
}

pub async fn delete_account(
    State(state): State<AppState>,
    Extension(admin): Extension<Principal>,
    AccountPath(name): AccountPath,
) -> (Detail, Result<NoContent, AppError>) {
    let detail = Detail::new().target(format!("account/{name}"));
    (
        detail,
        delete(&state, &admin.account, name.as_str())
            .await
            .map(|()| NoContent),
    )
}

async fn existing(state: &AppState, name: &str) -> Result<Account, AppError> {
    state
        .store()
        .find_account(name)
        .await?
        .map(|stored| stored.account)
        .ok_or_else(|| AppError::NotFound(format!("there is no account named {name:?}")))
}

/// Refuses to leave the console without anyone who can manage accounts.
async fn keep_an_admin(state: &AppState, account: &Account) -> Result<(), AppError> {
    if account.admin && state.store().count_admins().await? <= 1 {
        return Err(AppError::Conflict(format!(
            "{:?} is the last account that may manage accounts; give another account the admin capability first",
            account.name
        )));
    }
    Ok(())
}

async fn update(
    state: &AppState,
    actor: &Account,
    name: &str,
    update: &AccountUpdate,
) -> Result<Account, AppError> {
    let mut account = existing(state, name).await?;
    if update.admin == Some(false) {
        keep_an_admin(state, &account).await?;
    }
    duties::check_change(state.store(), actor, &account, update.role, update.admin).await?;
    account.role = update.role.unwrap_or(account.role);
    account.admin = update.admin.unwrap_or(account.admin);
    state
        .store()
        .update_account(name, account.role, account.admin, Some(&actor.name))
        .await?;
    Ok(account)
}

async fn delete(state: &AppState, actor: &Account, name: &str) -> Result<(), AppError> {
    let account = existing(state, name).await?;
    duties::check_delete(state.store(), actor, &account).await?;
    keep_an_admin(state, &account).await?;
    state.store().delete_account(name).await?;
    Ok(())
}

async fn create(state: &AppState, actor: &Account, body: &NewAccount) -> Result<Account, AppError> {
    let name: AccountName = body
        .name
        .parse()
        .map_err(|err: shared::InvalidName| AppError::BadRequest(err.to_string()))?;
    check_new_password(&body.password).map_err(AppError::BadRequest)?;
    let account = Account {
        name: name.to_string(),
        role: body.role,
        admin: body.admin,
    };
    duties::check_create(actor, &account)?;
    let hash = secrets::hash_password(&body.password, state.auth().hash_cost)
        .map_err(|err| AppError::Internal(err.to_string()))?;
    state
        .store()
        .create_account(&account, &hash, state.clock().now(), Some(&actor.name))
        .await?;
    Ok(account)
}
