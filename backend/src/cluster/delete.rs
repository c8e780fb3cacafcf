//! Deleting objects on a member: absent objects are fine, and a delete
//! can carry the uid a plan saw, so that an object made since under the
//! same name is not deleted.

use kube::api::{DeleteParams, Preconditions};

use super::apply::{ApplyError, ObjectRef, api_for};

/// Deletes `object`; `false` when it was already absent.
pub async fn delete(client: &kube::Client, object: &ObjectRef) -> Result<bool, ApplyError> {
    delete_seen(client, object, None).await
}

/// The live object's uid; `None` if absent.
pub async fn uid(client: &kube::Client, object: &ObjectRef) -> Result<Option<String>, ApplyError> {
    let api = api_for(client, object).await?;
    let found = api
        .get_opt(&object.name)
        .await
        .map_err(|e| ApplyError::from_kube(&object.title(), e))?;
    Ok(found.and_then(|o| o.metadata.uid))
}

/// Deletes `object` only if it is still the one with `uid` (when given:
/// the one a plan saw, not one made since under the same name); `false`
/// when it was already absent. Another object under the name is a 409
/// saying so.
pub async fn delete_seen(
    client: &kube::Client,
    object: &ObjectRef,
    uid: Option<&str>,
) -> Result<bool, ApplyError> {
    let api = api_for(client, object).await?;
    let params = DeleteParams {
        preconditions: uid.map(|uid| Preconditions {
            uid: Some(uid.to_owned()),
            resource_version: None,
        }),
        ..DeleteParams::background()
    };
    match api.delete(&object.name, &params).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(false),
        Err(kube::Error::Api(status)) if status.code == 409 && uid.is_some() => {
            Err(ApplyError::Refused {
                title: object.title(),
                status: 409,
                message: format!(
                    "not deleted: it was replaced since the plan was made (the plan saw uid {}): {}",
                    uid.unwrap_or_default(),
                    status.message
                ),
            })
        }
        Err(e) => Err(ApplyError::from_kube(&object.title(), e)),
    }
}
