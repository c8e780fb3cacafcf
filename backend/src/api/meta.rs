//! Health and version of the console itself.

use axum::Json;
use axum::extract::State;
use shared::{Health, SignInMode, VersionInfo};

use crate::state::AppState;

pub async fn get_health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}

pub async fn get_version(State(state): State<AppState>) -> Json<VersionInfo> {
    Json(VersionInfo {
        product: "meshdeck".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        sandbox: state.sandbox(),
        sign_in: match state.auth().mode {
            crate::auth::AuthMode::Proxy(_) => SignInMode::Proxy,
            crate::auth::AuthMode::Local if state.auth().local_accounts => SignInMode::Password,
            crate::auth::AuthMode::Local => SignInMode::Oidc,
        },
        oidc_provider: state
            .auth()
            .oidc
            .as_ref()
            .map(|p| p.settings.display_name.clone()),
    })
}
