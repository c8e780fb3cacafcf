//! The member a `/api/clusters/{name}/…` (or `/api/csrs/{cluster}/…`)
//! request is about, parsed once at the edge: a name that is not a valid
//! cluster name is a 400 saying why, a name the fleet does not have is a
//! 404, and the handler gets the [`ClusterName`] and, when it acts on the
//! cluster, the member's API.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use shared::ClusterName;

use super::openapi::describe::DescribeArg;
use crate::cluster::{ClusterError, MemberApi};
use crate::error::AppError;
use crate::state::AppState;

/// The path parameters that name a member cluster.
const PARAMS: [&str; 2] = ["name", "cluster"];

/// A member of this fleet named by the request path.
pub struct ClusterPath {
    pub name: ClusterName,
    api: Result<MemberApi, ClusterError>,
}

impl ClusterPath {
    /// The member's API; a member whose kubeconfig context cannot be used
    /// is an error naming it.
    pub fn api(self) -> Result<MemberApi, AppError> {
        self.api.map_err(AppError::from)
    }
}

impl DescribeArg for ClusterPath {}

impl FromRequestParts<AppState> for ClusterPath {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| AppError::BadRequest(e.body_text()))?;
        let Some(raw) = params
            .iter()
            .find_map(|(key, value)| PARAMS.contains(&key).then_some(value))
        else {
            return Err(AppError::Internal(
                "this route names no member cluster".into(),
            ));
        };
        let name: ClusterName = raw
            .parse()
            .map_err(|e: shared::InvalidName| AppError::BadRequest(e.to_string()))?;
        if state.fleet().cluster(name.as_str()).is_none() {
            return Err(AppError::UnknownCluster(name.to_string()));
        }
        let api = state.fleet().member_api(name.as_str());
        Ok(Self { name, api })
    }
}
