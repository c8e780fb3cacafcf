//! Writes to the config cluster's MultiClusterServices and Ingresses that
//! never overwrite a change nobody saw. A review says which
//! `resourceVersion` its diff was made against; the apply carries that
//! version back and is held to it (checked here, then by the API server as
//! the apply's precondition) and forces no other field manager's fields.
//! Otherwise nothing is applied and the answer is a 409 with the object as
//! it is now (its fresh diff), which the editor shows where the user acted.
//! Forcing is a separate take-over request, held to the version that 409
//! showed and audited with what it overwrote. A delete is held to the
//! version the page showed.

use axum::Json;
use serde_json::Value;
use shared::diff::{DiffLine, FreshReview, ObjectDiff};
use shared::ingress::FieldError;
use shared::ingress::api::{ApplyRequest, DeleteQuery, ReviewedChange};

use super::context::ConfigView;
use super::resource::{Resource, checked, detail_of};
use crate::api::path::ObjectPath;
use crate::audit::Detail;
use crate::cluster::apply::{FIELD_MANAGER, Force, yaml};
use crate::cluster::ingress::Kind;
use crate::error::AppError;
use crate::state::AppState;

/// The most of the overwritten lines an audit entry keeps.
const MAX_OVERWRITTEN: usize = 4000;

/// A plain apply, or a confirmed take-over forcing other managers' fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Apply,
    TakeOver,
}

/// `resourceVersion 42`, or `absent`.
fn version_text(version: Option<&str>) -> String {
    version.map_or_else(|| "absent".to_owned(), |v| format!("resourceVersion {v}"))
}

/// The 409 refusing `body` with `message`, carrying what applying it
/// would do to the object as it is now (forced: what a take-over would
/// do); a plain 409 when even that cannot be read.
async fn refusal(view: &ConfigView, body: &Value, message: String) -> AppError {
    match view.api.review_versioned(body, Force::Yes).await {
        Ok(fresh) => AppError::Changed {
            cluster: view.cluster.clone(),
            message,
            fresh: Box::new(fresh),
        },
        Err(_) => AppError::RefusedBy {
            cluster: view.cluster.clone(),
            status: 409,
            message,
        },
    }
}

/// The cluster's 409 on an unforced apply (or its dry run): other field
/// managers own fields it sets, which its message names, or the object
/// changed that moment. Sent with the fresh diff; anything else as it is.
async fn on_conflict(view: &ConfigView, body: &Value, err: AppError) -> AppError {
    match err {
        AppError::RefusedBy {
            status: 409,
            message,
            ..
        } => {
            let message = format!(
                "{message} (nothing was applied: the console does not force an apply; review the change against the object as it is now, or take it over explicitly)"
            );
            refusal(view, body, message).await
        }
        other => other,
    }
}

/// The 409 for an object that is not the version the change was reviewed
/// against.
async fn stale(
    view: &ConfigView,
    body: &Value,
    title: &str,
    reviewed: Option<&str>,
    live: Option<&str>,
) -> AppError {
    let message = format!(
        "{title} changed after the change was reviewed ({} then, {} now); nothing was applied: review the change against it as it is now, or take it over",
        version_text(reviewed),
        version_text(live)
    );
    refusal(view, body, message).await
}

pub(super) async fn review<R: Resource>(
    state: &AppState,
    object: &R,
) -> (Detail, Result<Json<ReviewedChange>, AppError>) {
    let view = match ConfigView::load(state.fleet()).await {
        Ok(view) => view,
        Err(e) => return (detail_of(None, object), Err(e)),
    };
    let detail = detail_of(Some(&view), object);
    let result = async {
        let warnings = checked(&view, object)?;
        let body = object.body();
        let fresh = match view.api.review_versioned(&body, Force::No).await {
            Ok(fresh) => fresh,
            Err(e) => return Err(on_conflict(&view, &body, e.into()).await),
        };
        Ok(Json(ReviewedChange {
            diff: fresh.diff,
            warnings,
            resource_version: fresh.resource_version,
        }))
    }
    .await;
    (detail, result)
}

/// The lines a take-over's diff removes: what it overwrote.
fn overwritten(diff: &ObjectDiff) -> String {
    let mut text = diff
        .lines
        .iter()
        .filter_map(|l| match l {
            DiffLine::Removed(t) => Some(t.trim_end()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n");
    if text.len() > MAX_OVERWRITTEN {
        let mut end = MAX_OVERWRITTEN;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str("\n…");
    }
    text
}

/// What a successful apply reports to the audit log.
struct Applied {
    result: &'static str,
    /// For a take-over: the other managers and the lines overwritten.
    took: Option<(Vec<String>, String)>,
}

pub(super) async fn put<R: Resource>(
    state: &AppState,
    ObjectPath { namespace, name }: ObjectPath,
    request: &ApplyRequest<R>,
    mode: Mode,
) -> (Detail, Result<Json<ReviewedChange>, AppError>) {
    let object = &request.object;
    let reviewed = request.resource_version.as_deref();
    let view = match ConfigView::load(state.fleet()).await {
        Ok(view) => view,
        Err(e) => return (detail_of(None, object), Err(e)),
    };
    let mut detail = detail_of(Some(&view), object);
    if mode == Mode::TakeOver {
        detail = detail
            .param("take_over", true)
            .param("overwrote", version_text(reviewed));
    }
    if object.namespace() != namespace.as_str() || object.name() != name.as_str() {
        let err = FieldError::new(
            "metadata.name",
            format!(
                "the manifest names {}/{} but the request is for {namespace}/{name}",
                object.namespace(),
                object.name()
            ),
        );
        return (detail, Err(AppError::Invalid(vec![err])));
    }
    let result = async {
        let warnings = checked(&view, object)?;
        let body = object.body();
        let target = R::CLUSTER_KIND.object(object.namespace(), object.name());
        let title = target.title();
        let live = view.api.resource_version(&target).await?;
        if live.as_deref() != reviewed {
            return Err(stale(&view, &body, &title, reviewed, live.as_deref()).await);
        }
        let force = match mode {
            Mode::Apply => Force::No,
            Mode::TakeOver => Force::Yes,
        };
        let before: FreshReview = match view.api.review_versioned(&body, force).await {
            Ok(before) => before,
            Err(e) => return Err(on_conflict(&view, &body, e.into()).await),
        };
        if before.resource_version.as_deref() != reviewed {
            let now = before.resource_version.as_deref();
            return Err(stale(&view, &body, &title, reviewed, now).await);
        }
        let took = match mode {
            Mode::Apply => None,
            Mode::TakeOver => {
                let managers = view.api.managers(&target).await?.unwrap_or_default();
                let others = managers
                    .into_iter()
                    .filter(|m| m != FIELD_MANAGER)
                    .collect();
                Some((others, overwritten(&before.diff)))
            }
        };
        let (applied, version) = match view.api.apply_versioned(&body, reviewed, force).await {
            Ok(done) => done,
            Err(e) => return Err(on_conflict(&view, &body, e.into()).await),
        };
        let change = ReviewedChange {
            diff: before.diff,
            warnings,
            resource_version: version,
        };
        let applied = Applied {
            result: applied.as_str(),
            took,
        };
        Ok((applied, Json(change)))
    }
    .await;
    let result = result.map(|(applied, json)| {
        detail = std::mem::take(&mut detail).param("result", applied.result);
        if let Some((managers, lines)) = applied.took {
            detail = std::mem::take(&mut detail)
                .param("took_over_from", managers.join(", "))
                .param("overwritten", lines);
        }
        json
    });
    (detail, result)
}

pub(super) async fn remove<R: Resource>(
    state: &AppState,
    ObjectPath { namespace, name }: ObjectPath,
    query: &DeleteQuery,
) -> (Detail, Result<Json<Value>, AppError>) {
    let mut detail = Detail::new().target(format!("{} {namespace}/{name}", R::CLUSTER_KIND.kind()));
    let view = match ConfigView::load(state.fleet()).await {
        Ok(view) => view,
        Err(e) => return (detail, Err(e)),
    };
    detail = detail.cluster(&view.cluster);
    if R::CLUSTER_KIND == Kind::Service {
        let users: Vec<String> = view
            .ingresses
            .iter()
            .filter(|i| i.namespace() == namespace.as_str())
            .filter(|i| {
                i.backends()
                    .iter()
                    .any(|b| b.backend.service_name == name.as_str())
            })
            .map(|i| format!("{}/{}", i.namespace(), i.name()))
            .collect();
        if !users.is_empty() {
            let err = AppError::Conflict(format!(
                "MultiClusterService {namespace}/{name} is a backend of MultiClusterIngress {}; change or delete those first",
                users.join(", ")
            ));
            return (detail, Err(err));
        }
    }
    let target = R::CLUSTER_KIND.object(namespace.as_str(), name.as_str());
    let deleted = match query.resource_version.as_deref() {
        None => view.api.delete(&target).await.map_err(AppError::from),
        Some(shown) => deleted_at(&view, &target, shown).await,
    };
    let result = match deleted {
        Ok(true) => Ok(Json(serde_json::json!({"deleted": true}))),
        Ok(false) => Err(AppError::NotFoundOn {
            cluster: view.cluster.clone(),
            message: format!("no {} {namespace}/{name}", R::CLUSTER_KIND.kind()),
        }),
        Err(e) => Err(e),
    };
    (detail, result)
}

/// Deletes `target` only while it is the version `shown`; otherwise a
/// 409 whose fresh diff is the deletion of the object as it is now.
async fn deleted_at(
    view: &ConfigView,
    target: &crate::cluster::apply::ObjectRef,
    shown: &str,
) -> Result<bool, AppError> {
    let refused = |live: Option<Value>, version: Option<String>| {
        let title = target.title();
        AppError::Changed {
            cluster: view.cluster.clone(),
            message: format!(
                "{title} changed after it was shown ({} then, {} now); nothing was deleted: look at it as it is now, then delete it again",
                version_text(Some(shown)),
                version_text(version.as_deref())
            ),
            fresh: Box::new(FreshReview {
                diff: ObjectDiff::between(title, live.as_ref().map(yaml).as_deref(), None),
                resource_version: version,
            }),
        }
    };
    let live = view.api.resource_version(target).await?;
    match live {
        None => return Ok(false),
        Some(v) if v != shown => {
            let object = view.api.live(target).await?;
            return Err(refused(object, Some(v)));
        }
        Some(_) => {}
    }
    match view.api.delete_versioned(target, shown).await {
        Err(e) => match AppError::from(e) {
            AppError::RefusedBy { status: 409, .. } => {
                let version = view.api.resource_version(target).await?;
                let object = view.api.live(target).await?;
                Err(refused(object, version))
            }
            other => Err(other),
        },
        done => done.map_err(AppError::from),
    }
}
