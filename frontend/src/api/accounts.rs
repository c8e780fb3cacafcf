//! Local accounts (admin capability).

use shared::{Account, AccountUpdate, ApiError, NewAccount, routes};

pub async fn list() -> Result<Vec<Account>, ApiError> {
    super::get_json(routes::ACCOUNTS).await
}

pub async fn create(account: NewAccount) -> Result<Account, ApiError> {
    super::post_json(routes::ACCOUNTS, &account).await
}

pub async fn update(name: String, change: AccountUpdate) -> Result<Account, ApiError> {
    super::patch_json(&routes::fill(routes::ACCOUNT, &[&name]), &change).await
}

pub async fn remove(name: String) -> Result<(), ApiError> {
    super::delete(&routes::fill(routes::ACCOUNT, &[&name])).await
}

/// Security officers appointed through the console (security officers).
pub async fn appointments() -> Result<shared::duties::OfficerAppointments, ApiError> {
    super::get_json(routes::OFFICER_APPOINTMENTS).await
}

/// A second security officer confirms `name`'s appointment.
pub async fn confirm_officer(name: String) -> Result<shared::duties::OfficerAppointment, ApiError> {
    let path = routes::fill(routes::OFFICER_CONFIRM, &[&name]);
    super::post_json(&path, &serde_json::json!({})).await
}
