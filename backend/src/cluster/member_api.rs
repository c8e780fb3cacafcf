//! One member cluster to act on: its name and the client for its API
//! server. The feature modules hold a [`MemberApi`] and call the adapter
//! through it, so they never see the `kube` client, and every failure
//! comes back as a [`ClusterError`] naming the member.

use serde_json::Value;
use shared::diff::{FreshReview, ObjectDiff};

use super::apply::{self, Applied, Force, ObjectRef};
use super::error::ClusterError;
use super::versioned;

/// A member cluster and its client, cheap to clone.
#[derive(Clone)]
pub struct MemberApi {
    name: String,
    client: kube::Client,
}

impl MemberApi {
    pub(super) fn new(name: &str, client: kube::Client) -> Self {
        Self {
            name: name.to_owned(),
            client,
        }
    }

    /// The member's name in the fleet.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The client, for the adapter's own modules.
    pub(super) fn client(&self) -> &kube::Client {
        &self.client
    }

    /// A failure of the adapter named with this member.
    pub(super) fn failed(&self, err: apply::ApplyError) -> ClusterError {
        ClusterError::new(&self.name, err)
    }

    /// `call`'s outcome, a failure named with this member.
    pub(super) async fn named<T>(
        &self,
        call: impl Future<Output = Result<T, apply::ApplyError>>,
    ) -> Result<T, ClusterError> {
        call.await.map_err(|e| self.failed(e))
    }

    /// The live object without the server's bookkeeping; `None` if absent.
    pub async fn live(&self, object: &ObjectRef) -> Result<Option<Value>, ClusterError> {
        self.named(apply::live(&self.client, object)).await
    }

    /// Server-side applies `body` under the console's field manager (a dry
    /// run when `dry_run`) without forcing: a field another manager owns
    /// with a different value is the cluster's 409 naming that manager.
    pub async fn apply(&self, body: &Value, dry_run: bool) -> Result<Value, ClusterError> {
        self.named(apply::apply_with(&self.client, body, dry_run, Force::No))
            .await
    }

    /// Applies `body` forcing ownership of every field it names: taking
    /// the object over from its other managers. Only for an explicit,
    /// confirmed take-over.
    pub async fn take_over(&self, body: &Value) -> Result<Value, ClusterError> {
        self.named(apply::apply_with(&self.client, body, false, Force::Yes))
            .await
    }

    /// The live object's field managers (not counting its status); `None`
    /// if absent.
    pub async fn managers(&self, object: &ObjectRef) -> Result<Option<Vec<String>>, ClusterError> {
        self.named(apply::managers(&self.client, object)).await
    }

    /// What an unforced apply of `body` would change, meeting the same
    /// conflicts it would.
    pub async fn review_unforced(&self, body: &Value) -> Result<ObjectDiff, ClusterError> {
        self.named(apply::review_with(&self.client, body, Force::No))
            .await
    }

    /// Applies `body` for real and says what it did to the object.
    pub async fn apply_reporting(&self, body: &Value) -> Result<Applied, ClusterError> {
        self.named(apply::apply_reporting(&self.client, body)).await
    }

    /// What applying `body` would change: the live object against a dry run.
    pub async fn review(&self, body: &Value) -> Result<ObjectDiff, ClusterError> {
        self.named(apply::review(&self.client, body)).await
    }

    /// The live object's `resourceVersion`; `None` if absent.
    pub async fn resource_version(
        &self,
        object: &ObjectRef,
    ) -> Result<Option<String>, ClusterError> {
        self.named(versioned::resource_version(&self.client, object))
            .await
    }

    /// What applying `body` with `force` would change, and the
    /// `resourceVersion` the diff was made against (`None`: absent).
    pub async fn review_versioned(
        &self,
        body: &Value,
        force: Force,
    ) -> Result<FreshReview, ClusterError> {
        self.named(versioned::review(&self.client, body, force))
            .await
    }

    /// Applies `body` only while the object is `version` (`None`: applied
    /// without a precondition, for an object seen absent), forcing only
    /// when `force` says so; what it did and the version it left.
    pub async fn apply_versioned(
        &self,
        body: &Value,
        version: Option<&str>,
        force: Force,
    ) -> Result<(Applied, Option<String>), ClusterError> {
        self.named(versioned::apply(&self.client, body, version, force))
            .await
    }

    /// Deletes `object` only while it is `version`; `false` when absent.
    pub async fn delete_versioned(
        &self,
        object: &ObjectRef,
        version: &str,
    ) -> Result<bool, ClusterError> {
        self.named(versioned::delete(&self.client, object, version))
            .await
    }

    /// Deletes `object`; `false` when it was already absent.
    pub async fn delete(&self, object: &ObjectRef) -> Result<bool, ClusterError> {
        self.named(super::delete::delete(&self.client, object))
            .await
    }
}
