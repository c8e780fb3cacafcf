//! The API calls the mesh steps make on a member (read one object, list,
//! merge-patch under the console's field manager), each failure a
//! [`MigrationError`] saying what was being done.

use std::fmt::Debug;

use k8s_openapi::NamespaceResourceScope;
use kube::Resource;
use kube::api::{Api, ListParams, Patch, PatchParams};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::MigrationError;
use crate::cluster::MemberApi;
use crate::cluster::apply::FIELD_MANAGER;

/// `name` read through `api`, which must be there.
pub(super) async fn get<K>(
    api: &Api<K>,
    name: &str,
    doing: impl Into<String>,
) -> Result<K, MigrationError>
where
    K: Clone + Debug + DeserializeOwned,
{
    api.get(name).await.map_err(MigrationError::kube(doing))
}

/// `name` read through `api`, `None` when there is no such object.
pub(super) async fn get_opt<K>(
    api: &Api<K>,
    name: &str,
    doing: impl Into<String>,
) -> Result<Option<K>, MigrationError>
where
    K: Clone + Debug + DeserializeOwned,
{
    api.get_opt(name).await.map_err(MigrationError::kube(doing))
}

/// Every object `api` lists with `params`.
pub(super) async fn list<K>(
    api: &Api<K>,
    params: &ListParams,
    doing: impl Into<String>,
) -> Result<Vec<K>, MigrationError>
where
    K: Clone + Debug + DeserializeOwned,
{
    api.list(params)
        .await
        .map(|list| list.items)
        .map_err(MigrationError::kube(doing))
}

/// Every `K` in `namespace`; `what` names them in the error (`pods`).
pub(super) async fn list_in<K>(
    member: &MemberApi,
    namespace: &str,
    what: &str,
) -> Result<Vec<K>, MigrationError>
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + Debug
        + DeserializeOwned,
{
    let api: Api<K> = Api::namespaced(member.client().clone(), namespace);
    list(
        &api,
        &ListParams::default(),
        format!("listing {what} of {namespace}"),
    )
    .await
}

/// Every `K` in the cluster; `what` names them in the error (`nodes`).
pub(super) async fn list_all<K>(member: &MemberApi, what: &str) -> Result<Vec<K>, MigrationError>
where
    K: Resource<DynamicType = ()> + Clone + Debug + DeserializeOwned,
{
    let api: Api<K> = Api::all(member.client().clone());
    list(&api, &ListParams::default(), format!("listing {what}")).await
}

/// Merges `patch` into `name` under the console's field manager.
pub(super) async fn merge_patch<K>(
    api: &Api<K>,
    name: &str,
    patch: &Value,
    doing: impl Into<String>,
) -> Result<K, MigrationError>
where
    K: Clone + Debug + DeserializeOwned,
{
    api.patch(
        name,
        &PatchParams::apply(FIELD_MANAGER),
        &Patch::Merge(patch),
    )
    .await
    .map_err(MigrationError::kube(doing))
}
