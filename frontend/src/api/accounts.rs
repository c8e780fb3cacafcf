//! Local accounts (admin capability).

use shared::{Account, ApiError, NewAccount, routes};

pub async fn list() -> Result<Vec<Account>, ApiError> {
    super::get_json(routes::ACCOUNTS).await
}

pub async fn create(account: NewAccount) -> Result<Account, ApiError> {
    super::post_json(routes::ACCOUNTS, &account).await
}
