//! Changes made against a version of an object: a review that says which
//! `resourceVersion` its diff was made against, and applies and deletes
//! that carry that version to the API server as a precondition (in
//! `metadata.resourceVersion` of the applied configuration; in the delete
//! options), so a change made by someone else in between is the server's
//! 409 instead of being overwritten unseen.

use kube::api::{DeleteParams, Patch, PatchParams, Preconditions};
use serde_json::Value;
use shared::diff::{FreshReview, ObjectDiff};

use super::apply::{
    Applied, ApplyError, FIELD_MANAGER, Force, ObjectRef, api_for, kube_failure, reviewable, yaml,
};

/// The live object's `resourceVersion`; `None` if absent.
pub async fn resource_version(
    client: &kube::Client,
    object: &ObjectRef,
) -> Result<Option<String>, ApplyError> {
    let api = api_for(client, object).await?;
    let found = api
        .get_opt(&object.name)
        .await
        .map_err(kube_failure(object.title()))?;
    Ok(found.and_then(|o| o.metadata.resource_version))
}

/// `body` carrying `version` as its precondition (none when absent).
fn at_version(body: &Value, version: Option<&str>) -> Value {
    let mut body = body.clone();
    if let (Some(version), Some(meta)) = (
        version,
        body.get_mut("metadata").and_then(Value::as_object_mut),
    ) {
        meta.insert("resourceVersion".into(), Value::String(version.to_owned()));
    }
    body
}

/// What applying `body` with `force` would do to the object as it is now,
/// and the version that is: one read of the live object, then a dry run
/// held to that version, so the diff and the version always match.
pub async fn review(
    client: &kube::Client,
    body: &Value,
    force: Force,
) -> Result<FreshReview, ApplyError> {
    let object = ObjectRef::of(body)?;
    let api = api_for(client, &object).await?;
    let found = api
        .get_opt(&object.name)
        .await
        .map_err(kube_failure(object.title()))?;
    let version = found
        .as_ref()
        .and_then(|o| o.metadata.resource_version.clone());
    let before = found.map(|o| reviewable(serde_json::to_value(&o).unwrap_or(Value::Null)));
    let mut params = PatchParams::apply(FIELD_MANAGER);
    params.force = force == Force::Yes;
    params.dry_run = true;
    let dry = api
        .patch(
            &object.name,
            &params,
            &Patch::Apply(&at_version(body, version.as_deref())),
        )
        .await
        .map_err(kube_failure(object.title()))?;
    let after = reviewable(serde_json::to_value(&dry).unwrap_or(Value::Null));
    Ok(FreshReview {
        diff: ObjectDiff::between(
            object.title(),
            before.as_ref().map(yaml).as_deref(),
            Some(&yaml(&after)),
        ),
        resource_version: version,
    })
}

/// Applies `body` for real, held to `version` (the object must still be
/// that version; `None`: applied without one, the caller having seen it
/// absent), forcing other managers' fields only when `force` says so.
/// Returns what it did and the version it left.
pub async fn apply(
    client: &kube::Client,
    body: &Value,
    version: Option<&str>,
    force: Force,
) -> Result<(Applied, Option<String>), ApplyError> {
    let object = ObjectRef::of(body)?;
    let api = api_for(client, &object).await?;
    let mut params = PatchParams::apply(FIELD_MANAGER);
    params.force = force == Force::Yes;
    let after = api
        .patch(
            &object.name,
            &params,
            &Patch::Apply(&at_version(body, version)),
        )
        .await
        .map_err(kube_failure(object.title()))?
        .metadata
        .resource_version;
    let applied = match version {
        None => Applied::Created,
        Some(v) if Some(v) == after.as_deref() => Applied::Unchanged,
        Some(_) => Applied::Configured,
    };
    Ok((applied, after))
}

/// Deletes `object` if it is still `version`; `false` when it was already
/// absent.
pub async fn delete(
    client: &kube::Client,
    object: &ObjectRef,
    version: &str,
) -> Result<bool, ApplyError> {
    let api = api_for(client, object).await?;
    let params = DeleteParams {
        preconditions: Some(Preconditions {
            resource_version: Some(version.to_owned()),
            uid: None,
        }),
        ..DeleteParams::background()
    };
    match api.delete(&object.name, &params).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(false),
        Err(e) => Err(kube_failure(object.title())(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_goes_into_the_metadata() {
        let body = serde_json::json!({"metadata": {"name": "foo"}, "spec": {}});
        assert_eq!(at_version(&body, None), body);
        let held = at_version(&body, Some("42"));
        assert_eq!(held["metadata"]["resourceVersion"], "42");
        assert_eq!(held["metadata"]["name"], "foo");
    }
}
