//! Signing in and out, and asking who is signed in.

use shared::{ApiError, SessionInfo, SignIn, SignedOut, routes};

/// Who is signed in; `None` when nobody is.
pub async fn get_session() -> Result<Option<SessionInfo>, ApiError> {
    super::get_json(routes::SESSION).await
}

pub async fn sign_in(name: String, password: String) -> Result<SessionInfo, ApiError> {
    super::post_json(routes::SESSION, &SignIn { name, password }).await
}

/// Ends the session; after an OpenID provider's sign-in, where the browser
/// goes to end the provider's session too.
pub async fn sign_out() -> Result<Option<String>, ApiError> {
    let out: Option<SignedOut> = super::delete_json(routes::SESSION).await?;
    Ok(out.and_then(|o| o.provider_logout))
}
