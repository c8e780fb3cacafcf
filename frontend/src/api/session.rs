//! Signing in and out, and asking who is signed in.

use shared::{ApiError, SessionInfo, SignIn, routes};

/// Who is signed in; `None` when nobody is.
pub async fn get_session() -> Result<Option<SessionInfo>, ApiError> {
    super::get_json(routes::SESSION).await
}

pub async fn sign_in(name: String, password: String) -> Result<SessionInfo, ApiError> {
    super::post_json(routes::SESSION, &SignIn { name, password }).await
}

pub async fn sign_out() -> Result<(), ApiError> {
    super::delete(routes::SESSION).await
}
