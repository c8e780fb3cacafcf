//! What a migration holds on its cluster, and the rule that keeps it from
//! taking what it does not: applies never force, an object that exists
//! without this migration (or another migration in its namespace) having
//! applied it is a 409 naming its field managers until the operator takes
//! it over (a separate, confirmed, audited request), and deleting a
//! migration deletes only the objects it created.

use serde_json::Value;
use shared::FieldError;
use shared::workloads::api::{AppliedObject, Origin};

use super::target::Target;
use crate::cluster::apply::ObjectRef;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::workloads::StoredMigration;

/// The objects the migrations of one cluster and namespace hold.
pub struct Holdings {
    /// This migration's, when it exists.
    own: Vec<AppliedObject>,
    /// Every other migration's in the same namespace.
    others: Vec<AppliedObject>,
}

impl Holdings {
    /// What the migrations in `cluster`/`namespace` hold, `id` being the
    /// one deploying (absent for a first deploy).
    pub async fn of(
        state: &AppState,
        cluster: &str,
        namespace: &str,
        id: Option<&str>,
    ) -> Result<Self, AppError> {
        let mut own = Vec::new();
        let mut others = Vec::new();
        for stored in state.store().list_migrations().await? {
            let m = stored.migration;
            if m.cluster != cluster || m.namespace != namespace {
                continue;
            }
            if Some(m.id.as_str()) == id {
                own.extend(m.objects);
            } else {
                others.extend(m.objects);
            }
        }
        Ok(Self { own, others })
    }

    fn own(&self, object: &AppliedObject) -> Option<Origin> {
        self.own
            .iter()
            .find(|o| o.same_object(object))
            .map(|o| o.origin)
    }

    fn shared(&self, object: &AppliedObject) -> bool {
        self.others.iter().any(|o| o.same_object(object))
    }
}

/// An object of the plan as the cluster has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Absent: applying it creates it.
    Absent,
    /// Held by this migration or another in the namespace.
    Held(Origin),
    /// Present, applied by no migration here: `managers` own it.
    Foreign {
        title: String,
        managers: Vec<String>,
    },
}

/// The object `body` names, as a migration records it.
pub fn applied(body: &Value, origin: Origin) -> Result<AppliedObject, AppError> {
    let object = ObjectRef::of(body).map_err(bad)?;
    Ok(AppliedObject {
        api_version: object.api_version,
        kind: object.kind,
        name: object.name,
        origin,
    })
}

/// Where `body` stands on `target`.
pub async fn standing(
    target: &Target,
    holdings: &Holdings,
    body: &Value,
) -> Result<Standing, AppError> {
    let object = ObjectRef::of(body).map_err(bad)?;
    let recorded = applied(body, Origin::Created)?;
    let Some(managers) = target.api.managers(&object).await? else {
        return Ok(Standing::Absent);
    };
    if let Some(origin) = holdings.own(&recorded) {
        return Ok(Standing::Held(origin));
    }
    if holdings.shared(&recorded) {
        return Ok(Standing::Held(Origin::Shared));
    }
    Ok(Standing::Foreign {
        title: object.title(),
        managers,
    })
}

/// The objects of `bodies` that exist under other owners, as `(title,
/// managers)`.
pub async fn foreign(
    target: &Target,
    holdings: &Holdings,
    bodies: &[&Value],
) -> Result<Vec<(String, Vec<String>)>, AppError> {
    let mut found = Vec::new();
    for body in bodies {
        if let Standing::Foreign { title, managers } = standing(target, holdings, body).await? {
            found.push((title, managers));
        }
    }
    Ok(found)
}

/// Whether an unforced apply of `body` meets fields another manager owns
/// with other values (a dry run answered 409).
async fn conflicting(target: &Target, body: &Value) -> Result<bool, AppError> {
    match target.api.apply(body, true).await.map_err(AppError::from) {
        Ok(_) => Ok(false),
        Err(AppError::RefusedBy { status: 409, .. }) => Ok(true),
        Err(other) => Err(other),
    }
}

/// Checks `take_over` against `bodies`: without a take-over, no object may
/// be foreign; a take-over names every foreign object, and besides them
/// only objects the migrations here hold whose apply would conflict.
pub async fn check_take_over(
    target: &Target,
    holdings: &Holdings,
    bodies: &[&Value],
    take_over: &[String],
) -> Result<(), AppError> {
    let mut foreign = Vec::new();
    let mut allowed = Vec::new();
    for body in bodies {
        match standing(target, holdings, body).await? {
            Standing::Foreign { title, managers } => foreign.push((title, managers)),
            Standing::Held(_) if !take_over.is_empty() && conflicting(target, body).await? => {
                allowed.push(ObjectRef::of(body).map_err(bad)?.title());
            }
            _ => {}
        }
    }
    if take_over.is_empty() {
        return match foreign.is_empty() {
            true => Ok(()),
            false => Err(refuse_foreign(&target.cluster, &foreign)),
        };
    }
    let needed: Vec<&String> = foreign.iter().map(|(t, _)| t).collect();
    let missing: Vec<&str> = needed
        .iter()
        .filter(|t| !take_over.contains(t))
        .map(|t| t.as_str())
        .collect();
    let extra: Vec<&str> = take_over
        .iter()
        .filter(|t| !needed.contains(t) && !allowed.contains(t))
        .map(String::as_str)
        .collect();
    if missing.is_empty() && extra.is_empty() {
        return Ok(());
    }
    let mut why = Vec::new();
    if !missing.is_empty() {
        why.push(format!(
            "other owners manage {}: confirm taking them over too",
            missing.join(", ")
        ));
    }
    if !extra.is_empty() {
        why.push(format!(
            "nothing needs taking over in {}: only objects other owners manage are taken over",
            extra.join(", ")
        ));
    }
    Err(AppError::BadRequest(why.join("; ")))
}

fn bad(err: impl std::fmt::Display) -> AppError {
    AppError::BadRequest(err.to_string())
}

/// The 409 for objects a deploy would take from their owners; its fields
/// name each object (`Deployment blue/foo`) with its managers.
pub fn refuse_foreign(cluster: &str, foreign: &[(String, Vec<String>)]) -> AppError {
    let objects: Vec<FieldError> = foreign
        .iter()
        .map(|(title, managers)| {
            let by = if managers.is_empty() {
                "no recorded field manager".to_owned()
            } else {
                managers.join(", ")
            };
            FieldError::new(title.clone(), format!("managed by {by}"))
        })
        .collect();
    let described: Vec<String> = objects
        .iter()
        .map(|o| format!("{} ({})", o.field, o.message))
        .collect();
    let (verb, them) = match foreign.len() {
        1 => ("exists", "it"),
        _ => ("exist", "them"),
    };
    AppError::OwnedByOthers {
        cluster: cluster.to_owned(),
        message: format!(
            "{} already {verb} and no workload migration here created {them}: rename {them} in the spec, or take {them} over explicitly",
            described.join(", "),
        ),
        objects,
    }
}

/// A cluster's 409 on an unforced apply, with what the operator can do.
pub fn conflict_hint(err: AppError) -> AppError {
    match err {
        AppError::RefusedBy {
            cluster,
            status: 409,
            message,
        } => AppError::RefusedBy {
            cluster,
            status: 409,
            message: format!(
                "{message} (another field manager owns these fields; the console does not force an apply: take the object over explicitly to change them)"
            ),
        },
        other => other,
    }
}

/// Applies `body` for a migration holding `holdings`, forcing it (taking
/// its fields from other managers) only when `take_over` names it (checked
/// by [`check_take_over`]); returns how the migration now holds it. A
/// foreign object not named is refused.
pub async fn apply_object(
    target: &Target,
    holdings: &Holdings,
    body: &Value,
    take_over: &[String],
) -> Result<AppliedObject, AppError> {
    let title = ObjectRef::of(body).map_err(bad)?.title();
    let named = take_over.contains(&title);
    let (origin, forced) = match standing(target, holdings, body).await? {
        Standing::Absent => (Origin::Created, false),
        Standing::Held(origin) => (origin, named),
        Standing::Foreign { .. } if named => (Origin::TakenOver, true),
        Standing::Foreign { title, managers } => {
            return Err(refuse_foreign(&target.cluster, &[(title, managers)]));
        }
    };
    if forced {
        target.api.take_over(body).await?;
    } else {
        target
            .api
            .apply(body, false)
            .await
            .map_err(|e| conflict_hint(e.into()))?;
    }
    applied(body, origin)
}

/// Records `object` in `objects` once; an object already there keeps its
/// origin (the first apply decided whether the migration created it).
pub fn remember(objects: &mut Vec<AppliedObject>, object: AppliedObject) {
    if !objects.iter().any(|o| o.same_object(&object)) {
        objects.push(object);
    }
}

/// The objects deleting `stored` removes, newest first: those it created,
/// except objects another migration in the same namespace also holds.
pub fn deletable<'a>(
    stored: &'a StoredMigration,
    others: &[StoredMigration],
) -> Vec<&'a AppliedObject> {
    stored
        .migration
        .objects
        .iter()
        .rev()
        .filter(|o| o.origin == Origin::Created)
        .filter(|o| {
            !others
                .iter()
                .any(|other| other.migration.objects.iter().any(|x| x.same_object(o)))
        })
        .collect()
}
