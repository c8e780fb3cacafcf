//! `/api/officer-appointments`: a security officer made through the
//! console holds the role only once a second officer confirms (issue 21:
//! granting the officer role needs an existing officer's approval). The
//! officer who made the appointment cannot confirm it, and an officer
//! awaiting confirmation acts as a manager, so it confirms nothing either.

use axum::extract::State;
use axum::{Extension, Json};
use shared::duties::{OfficerAppointment, OfficerAppointments};

use super::http::AccountPath;
use crate::audit::Detail;
use crate::auth::Principal;
use crate::error::AppError;
use crate::state::AppState;

pub async fn list_appointments(
    State(state): State<AppState>,
) -> Result<Json<OfficerAppointments>, AppError> {
    let appointments = state
        .store()
        .officer_appointments()
        .await?
        .into_iter()
        .map(|(name, appointed_by, confirmed_by)| OfficerAppointment {
            name,
            appointed_by,
            confirmed_by,
        })
        .collect();
    Ok(Json(OfficerAppointments { appointments }))
}

pub async fn confirm_officer(
    State(state): State<AppState>,
    Extension(officer): Extension<Principal>,
    AccountPath(name): AccountPath,
) -> (Detail, Result<Json<OfficerAppointment>, AppError>) {
    let detail = Detail::new().target(format!("account/{name}"));
    let name = name.to_string();
    let confirmed = confirm(&state, &officer.account.name, &name).await;
    match confirmed {
        Ok(appointment) => (
            detail.param("appointed_by", &appointment.appointed_by),
            Ok(Json(appointment)),
        ),
        Err(e) => (detail, Err(e)),
    }
}

async fn confirm(
    state: &AppState,
    officer: &str,
    name: &str,
) -> Result<OfficerAppointment, AppError> {
    let stored = state
        .store()
        .find_account(name)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no account named {name:?}")))?;
    let Some(appointed_by) = stored
        .appointed_by
        .clone()
        .filter(|_| stored.awaits_confirmation())
    else {
        return Err(AppError::Conflict(format!(
            "no appointment of {name} as security officer awaits confirmation"
        )));
    };
    if appointed_by == officer {
        return Err(AppError::Forbidden(format!(
            "{officer} appointed {name}: another security officer must confirm the appointment"
        )));
    }
    if !state.store().confirm_officer(name, officer).await? {
        return Err(AppError::Conflict(format!(
            "the appointment of {name} changed meanwhile: read it again"
        )));
    }
    Ok(OfficerAppointment {
        name: name.to_owned(),
        appointed_by,
        confirmed_by: Some(officer.to_owned()),
    })
}
