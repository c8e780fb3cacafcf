//! The member cluster a migration is deployed on: its client and how the
//! fleet describes it, and the check that the target namespace exists.

use shared::fleet::Member;

use crate::cluster::MemberApi;
use crate::cluster::workloads as live;
use crate::error::AppError;
use crate::state::AppState;

/// A member cluster to deploy on.
pub struct Target {
    pub cluster: String,
    /// Acts on the member.
    pub api: MemberApi,
    /// The member as the fleet describes it.
    pub member: Member,
}

impl Target {
    pub fn of(state: &AppState, cluster: &str) -> Result<Self, AppError> {
        let api = state.fleet().member_api(cluster)?;
        let member = state
            .fleet()
            .cluster(cluster)
            .map(|c| c.member)
            .ok_or_else(|| AppError::UnknownCluster(cluster.to_owned()))?;
        Ok(Self {
            cluster: cluster.to_owned(),
            api,
            member,
        })
    }

    /// A namespace that does not exist is a 404 naming the cluster.
    pub async fn require_namespace(&self, namespace: &str) -> Result<(), AppError> {
        let exists = live::namespace_exists(&self.api, namespace).await?;
        if exists {
            Ok(())
        } else {
            Err(AppError::NotFoundOn {
                cluster: self.cluster.clone(),
                message: format!("namespace {namespace} does not exist"),
            })
        }
    }
}
