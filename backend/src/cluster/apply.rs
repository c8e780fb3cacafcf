//! Server-side apply against a member cluster, for any kind: resolve the
//! kind's resource by discovery, dry-run an apply to review it as a diff,
//! apply it under the console's field manager, and delete (absent objects
//! are fine). Install plans, migrations, ingress edits and workload
//! deployments all change clusters through here.

use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams};
use kube::discovery::{self, Scope};
use serde_json::Value;
use shared::diff::ObjectDiff;

use super::describe::describe;

/// The field manager of every change the console makes.
pub const FIELD_MANAGER: &str = shared::mesh::plan::FIELD_MANAGER;

/// An object named by kind and name, on one cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    /// Reads apiVersion, kind, metadata.namespace and metadata.name.
    pub fn of(body: &Value) -> Result<Self, ApplyError> {
        let text = |p: &str| body.pointer(p).and_then(Value::as_str).map(str::to_owned);
        let required = |p: &str, what: &str| {
            text(p).ok_or_else(|| ApplyError::Invalid(format!("the manifest has no {what}")))
        };
        Ok(Self {
            api_version: required("/apiVersion", "apiVersion")?,
            kind: required("/kind", "kind")?,
            namespace: text("/metadata/namespace"),
            name: required("/metadata/name", "metadata.name")?,
        })
    }

    /// `Kind namespace/name`.
    pub fn title(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }

    fn gvk(&self) -> GroupVersionKind {
        let (group, version) = match self.api_version.split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", self.api_version.as_str()),
        };
        GroupVersionKind::gvk(group, version, &self.kind)
    }
}

/// Why a change could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("{0}")]
    Invalid(String),
    /// The cluster answered with a refusal (validation, conflict, RBAC).
    #[error("{title}: {message}")]
    Refused {
        title: String,
        status: u16,
        message: String,
    },
    /// The cluster did not answer.
    #[error("{0}")]
    Unreachable(String),
}

impl ApplyError {
    /// A kube error about `title`: the cluster's refusal, or that it did
    /// not answer.
    pub(super) fn from_kube(title: &str, err: kube::Error) -> Self {
        match err {
            kube::Error::Api(status) => ApplyError::Refused {
                title: title.to_owned(),
                status: status.code,
                message: status.message,
            },
            other => ApplyError::Unreachable(describe(&other)),
        }
    }
}

/// Maps a kube error about `title` (e.g. `secret istio-system/cacerts`):
/// the cluster's refusal, or that it did not answer.
pub fn kube_failure(title: impl Into<String>) -> impl FnOnce(kube::Error) -> ApplyError {
    let title = title.into();
    move |err| ApplyError::from_kube(&title, err)
}

/// The dynamic API for `object`'s kind, in its namespace when namespaced.
pub async fn api_for(
    client: &kube::Client,
    object: &ObjectRef,
) -> Result<Api<DynamicObject>, ApplyError> {
    let (resource, caps) = discovery::pinned_kind(client, &object.gvk())
        .await
        .map_err(|e| match e {
            kube::Error::Api(_) | kube::Error::Discovery(_) => ApplyError::Invalid(format!(
                "the cluster does not serve {} {}",
                object.api_version, object.kind
            )),
            other => ApplyError::Unreachable(describe(&other)),
        })?;
    Ok(scoped(
        client,
        &resource,
        caps.scope,
        object.namespace.as_deref(),
    ))
}

fn scoped(
    client: &kube::Client,
    resource: &ApiResource,
    scope: Scope,
    namespace: Option<&str>,
) -> Api<DynamicObject> {
    match (scope, namespace) {
        (Scope::Namespaced, Some(ns)) => Api::namespaced_with(client.clone(), ns, resource),
        (Scope::Namespaced, None) => Api::default_namespaced_with(client.clone(), resource),
        (Scope::Cluster, _) => Api::all_with(client.clone(), resource),
    }
}

/// The live object, without the fields the server owns; `None` if absent.
pub async fn live(client: &kube::Client, object: &ObjectRef) -> Result<Option<Value>, ApplyError> {
    Ok(fetch(client, object)
        .await?
        .map(|o| reviewable(to_value(&o))))
}

/// The live object as the API server has it, `None` if absent.
async fn fetch(
    client: &kube::Client,
    object: &ObjectRef,
) -> Result<Option<DynamicObject>, ApplyError> {
    let api = api_for(client, object).await?;
    api.get_opt(&object.name)
        .await
        .map_err(|e| ApplyError::from_kube(&object.title(), e))
}

/// The field managers of the live object (`metadata.managedFields`,
/// except entries for its status), each named once; `None` if absent.
pub async fn managers(
    client: &kube::Client,
    object: &ObjectRef,
) -> Result<Option<Vec<String>>, ApplyError> {
    Ok(fetch(client, object).await?.map(|o| {
        let mut names: Vec<String> = Vec::new();
        for entry in o.metadata.managed_fields.unwrap_or_default() {
            if entry.subresource.as_deref() == Some("status") {
                continue;
            }
            if let Some(manager) = entry.manager
                && !names.contains(&manager)
            {
                names.push(manager);
            }
        }
        names
    }))
}

/// Server-side applies `body` (dry run when `dry_run`). An object the
/// console owns (it has applied it before) is applied without forcing: a
/// field another field manager has set since is a conflict naming the
/// object and that manager, not a silent overwrite. An object the console
/// has never applied is adopted as the reviewed plan says (forced).
pub async fn apply(
    client: &kube::Client,
    body: &Value,
    dry_run: bool,
) -> Result<Value, ApplyError> {
    let object = ObjectRef::of(body)?;
    let live = fetch(client, &object).await?;
    apply_with(client, body, dry_run, force_for(live.as_ref())).await
}

/// Unforced for an object the console owns (or that is absent); forced
/// for one it takes over from its other managers as its plan says.
fn force_for(live: Option<&DynamicObject>) -> Force {
    let owned = live.is_none_or(|o| {
        o.metadata
            .managed_fields
            .iter()
            .flatten()
            .any(|m| m.manager.as_deref() == Some(FIELD_MANAGER))
    });
    if owned { Force::No } else { Force::Yes }
}

/// Whether an apply takes the fields other field managers own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Force {
    /// Take them (`force=true`): the console's plan is the intended state.
    Yes,
    /// Leave them: a field another manager owns with a different value is
    /// the cluster's 409 naming that manager.
    No,
}

/// Server-side applies `body` (dry run when `dry_run`), forcing ownership
/// only when `force` says so.
pub async fn apply_with(
    client: &kube::Client,
    body: &Value,
    dry_run: bool,
    force: Force,
) -> Result<Value, ApplyError> {
    let object = ObjectRef::of(body)?;
    let api = api_for(client, &object).await?;
    let mut params = PatchParams::apply(FIELD_MANAGER);
    params.force = force == Force::Yes;
    params.dry_run = dry_run;
    let applied = api
        .patch(&object.name, &params, &Patch::Apply(body))
        .await
        .map_err(|e| apply_failure(&object.title(), force, e))?;
    Ok(to_value(&applied))
}

/// An apply's failure; an unforced apply's conflict (the cluster's
/// message names the other field manager and its fields) says that the
/// console left it as it is.
fn apply_failure(title: &str, force: Force, err: kube::Error) -> ApplyError {
    match ApplyError::from_kube(title, err) {
        ApplyError::Refused {
            title,
            status: 409,
            message,
        } if force == Force::No => ApplyError::Refused {
            title,
            status: 409,
            message: format!(
                "{message}; another field manager changed it since the console applied it, \
                 and the console does not overwrite that: resolve it on the cluster, then try again"
            ),
        },
        other => other,
    }
}

/// What an apply did to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Created,
    Configured,
    Unchanged,
}

impl Applied {
    /// As `kubectl apply` says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Applied::Created => "created",
            Applied::Configured => "configured",
            Applied::Unchanged => "unchanged",
        }
    }
}

/// Applies `body` for real, unforced where the console owns the object
/// (see [`apply`]), and says whether it created, changed or left the
/// object as it was (by its resourceVersion).
pub async fn apply_reporting(client: &kube::Client, body: &Value) -> Result<Applied, ApplyError> {
    let object = ObjectRef::of(body)?;
    let api = api_for(client, &object).await?;
    let live = api
        .get_opt(&object.name)
        .await
        .map_err(|e| ApplyError::from_kube(&object.title(), e))?;
    let force = force_for(live.as_ref());
    let before = live.and_then(|o| o.metadata.resource_version);
    let mut params = PatchParams::apply(FIELD_MANAGER);
    params.force = force == Force::Yes;
    let after = api
        .patch(&object.name, &params, &Patch::Apply(body))
        .await
        .map_err(|e| apply_failure(&object.title(), force, e))?
        .metadata
        .resource_version;
    Ok(match before {
        None => Applied::Created,
        Some(rv) if Some(&rv) == after.as_ref() => Applied::Unchanged,
        Some(_) => Applied::Configured,
    })
}

/// What applying `body` would change: the live object against a (forced)
/// dry run.
pub async fn review(client: &kube::Client, body: &Value) -> Result<ObjectDiff, ApplyError> {
    review_with(client, body, Force::Yes).await
}

/// What applying `body` with `force` would change: the live object
/// against a dry run, which also meets the conflicts the apply would.
pub async fn review_with(
    client: &kube::Client,
    body: &Value,
    force: Force,
) -> Result<ObjectDiff, ApplyError> {
    let object = ObjectRef::of(body)?;
    let before = live(client, &object).await?;
    let after = reviewable(apply_with(client, body, true, force).await?);
    Ok(ObjectDiff::between(
        object.title(),
        before.as_ref().map(yaml).as_deref(),
        Some(&yaml(&after)),
    ))
}

fn to_value(object: &DynamicObject) -> Value {
    serde_json::to_value(object).unwrap_or(Value::Null)
}

/// The object as a reviewer reads it: without managed fields, the
/// server's bookkeeping and status, which no apply sets.
pub fn reviewable(mut object: Value) -> Value {
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in [
            "managedFields",
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "generation",
            "selfLink",
        ] {
            meta.remove(field);
        }
    }
    if let Some(map) = object.as_object_mut() {
        map.remove("status");
    }
    object
}

/// YAML text of a manifest for diffs and exports.
pub fn yaml(value: &Value) -> String {
    serde_yaml::to_string(value).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
}
