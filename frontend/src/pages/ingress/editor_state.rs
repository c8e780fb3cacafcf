//! The ingress editor's state: the object being edited, its review in the
//! browser (shared's [`Review`](shared::ingress::Review) against the live
//! fleet and the config cluster's resources), which fields were touched,
//! and the server's answers to review, apply and delete — each call a
//! leptos [`Action`], its pending state the action's own.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use shared::ApiError;
use shared::fleet::Fleet;
use shared::ingress::api::{MciList, McsList, ReviewedChange};
use shared::ingress::{
    FieldError, IngressContext, MultiClusterIngress, MultiClusterService, SamenessWarning,
};

use super::editable::Editable;
use super::yaml_view::YamlProblem;
use crate::api;
use crate::components::field::Touched;
use crate::live_fleet::LiveFleet;

/// The fleet (config cluster marked) and the config cluster's resources,
/// for reviews in the browser.
#[derive(Clone, PartialEq)]
struct Context {
    fleet: Fleet,
    services: Vec<MultiClusterService>,
    ingresses: Vec<MultiClusterIngress>,
}

type Lists = (Result<McsList, ApiError>, Result<MciList, ApiError>);

/// What the editor of a `T` holds. Copy it freely.
pub struct EditorState<T: Editable> {
    pub object: RwSignal<T>,
    pub yaml_problem: RwSignal<Option<YamlProblem>>,
    /// The server's field errors, about the object it was sent.
    server_fields: RwSignal<Vec<FieldError>>,
    pub reviewed: RwSignal<Option<(T, ReviewedChange)>>,
    pub failure: RwSignal<Option<ApiError>>,
    /// A change refused because the object is not as reviewed: the object
    /// it was for and the refusal with the fresh diff.
    pub conflict: RwSignal<Option<(T, ApiError)>>,
    pub deletion_refused: RwSignal<Option<ApiError>>,
    /// The version of the object the user last saw (read, reviewed or
    /// applied): what a delete is held to.
    pub shown: RwSignal<Option<String>>,
    pub done: RwSignal<Option<String>>,
    /// Problems speak once their field was touched, the YAML typed, or a
    /// review attempted; an untouched new form is quiet.
    pub touched: Touched,
    lists: LocalResource<Lists>,
    /// The browser's review: errors and sameness warnings.
    pub checked: Memo<Option<(Vec<FieldError>, Vec<SamenessWarning>)>>,
}

impl<T: Editable> Clone for EditorState<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Editable> Copy for EditorState<T> {}

impl<T: Editable> EditorState<T> {
    /// The editor of `initial`, read at `version`.
    pub fn new(initial: T, version: Option<String>) -> Self {
        let live = LiveFleet::get();
        let object = RwSignal::new(initial);
        let server_fields = RwSignal::new(Vec::new());
        Effect::new(move |_| {
            object.track();
            server_fields.set(Vec::new());
        });
        let lists = LocalResource::new(|| async {
            (
                api::ingress::services().await,
                api::ingress::ingresses().await,
            )
        });
        let context = Memo::new(move |_| {
            let mut fleet = live.fleet().get()?;
            let (services, ingresses) = lists.get()?;
            let (services, ingresses) = (services.ok()?, ingresses.ok()?);
            for c in &mut fleet.clusters {
                c.member.config_cluster = c.member.name == services.config_cluster;
            }
            Some(Context {
                fleet,
                services: services.items.into_iter().map(|i| i.service).collect(),
                ingresses: ingresses.items.into_iter().map(|i| i.ingress).collect(),
            })
        });
        let checked = Memo::new(move |_| {
            context.with(|ctx| {
                let ctx = ctx.as_ref()?;
                Some(object.with(|o| {
                    o.check(&IngressContext {
                        fleet: &ctx.fleet,
                        services: &ctx.services,
                        ingresses: &ctx.ingresses,
                    })
                }))
            })
        });
        Self {
            object,
            yaml_problem: RwSignal::new(None),
            server_fields,
            reviewed: RwSignal::new(None),
            failure: RwSignal::new(None),
            conflict: RwSignal::new(None),
            deletion_refused: RwSignal::new(None),
            shown: RwSignal::new(version),
            done: RwSignal::new(None),
            touched: Touched::new(),
            lists,
            checked,
        }
    }

    /// Every error: the browser's review and the server's, tracked.
    pub fn errors(self) -> Vec<FieldError> {
        let mut all = self
            .checked
            .with(|c| c.as_ref().map(|(e, _)| e.clone()).unwrap_or_default());
        for e in self.server_fields.get() {
            if !all.contains(&e) {
                all.push(e);
            }
        }
        all
    }

    /// The errors whose fields speak, tracked.
    pub fn shown_errors(self) -> Vec<FieldError> {
        let touched = self.touched;
        let mut all = self.errors();
        all.retain(|e| touched.shows(&e.field));
        all
    }

    /// The config cluster's name, as the lists say.
    pub fn config_cluster(self) -> String {
        self.lists.with(|l| {
            l.as_ref()
                .and_then(|(s, _)| s.as_ref().ok())
                .map(|s| s.config_cluster.to_string())
                .unwrap_or_else(|| "config cluster".to_owned())
        })
    }

    /// The server's review of the object as it is now, if any.
    pub fn current_review(self) -> Option<ReviewedChange> {
        self.reviewed
            .get()
            .filter(|(o, _)| *o == self.object.get())
            .map(|(_, c)| c)
    }

    /// A refusal is about the object as it was sent; an edit since makes
    /// it a question for a new review.
    pub fn current_conflict(self) -> Option<(T, shared::diff::FreshReview, ApiError)> {
        self.conflict
            .get()
            .filter(|(o, _)| *o == self.object.get())
            .and_then(|(o, e)| Some((o, e.fresh.clone()?, e)))
    }

    /// Refusals by validation go beside their fields, a change refused
    /// with the object as it is now beside the change; anything else to
    /// the error view.
    fn refused(self, o: T, e: ApiError) {
        if e.fresh.is_some() {
            self.reviewed.set(None);
            self.conflict.set(Some((o, e)));
        } else if let Some(fields) = e.fields {
            self.server_fields.set(fields);
        } else {
            self.failure.set(Some(e));
        }
    }

    /// The server's dry-run review of an object.
    pub fn review_action(self) -> Action<T, ()> {
        Action::new_local(move |o: &T| {
            let o = o.clone();
            async move {
                self.failure.set(None);
                self.conflict.set(None);
                self.done.set(None);
                match o.clone().review().await {
                    Ok(change) => {
                        self.shown.set(change.resource_version.clone());
                        self.reviewed.set(Some((o, change)));
                    }
                    Err(r) => self.refused(o, r),
                }
            }
        })
    }

    /// Applying (object, the version it was reviewed against, whether to
    /// take over); a new object's page follows it to its own.
    pub fn apply_action(self, existing: bool) -> Action<(T, Option<String>, bool), ()> {
        let navigate = use_navigate();
        Action::new_local(move |(o, version, take_over): &(T, Option<String>, bool)| {
            let (o, version, take_over) = (o.clone(), version.clone(), *take_over);
            let navigate = navigate.clone();
            async move {
                self.failure.set(None);
                self.conflict.set(None);
                match o.clone().apply(version, take_over).await {
                    Ok(change) => {
                        self.shown.set(change.resource_version);
                        self.reviewed.set(None);
                        let (ns, name) = o.key();
                        self.done
                            .set(Some(format!("Applied {} {ns}/{name}.", T::KIND)));
                        self.lists.refetch();
                        if !existing {
                            let to = format!("/ingress/{}/{ns}/{name}", T::PATH);
                            navigate(&to, Default::default());
                        }
                    }
                    Err(r) => self.refused(o, r),
                }
            }
        })
    }

    /// Deleting the object at the version shown; back to the list once
    /// done.
    pub fn delete_action(self) -> Action<(), ()> {
        let navigate = use_navigate();
        Action::new_local(move |(): &()| {
            let (ns, name) = self
                .object
                .with_untracked(|o| (o.key().0.to_owned(), o.key().1.to_owned()));
            let navigate = navigate.clone();
            let version = self.shown.get_untracked();
            async move {
                self.deletion_refused.set(None);
                match T::delete(ns, name, version).await {
                    Ok(()) => navigate("/ingress", Default::default()),
                    // Shown as it is now: deleting again deletes that.
                    Err(e) => match &e.fresh {
                        Some(fresh) => {
                            self.shown.set(fresh.resource_version.clone());
                            self.deletion_refused.set(Some(e));
                        }
                        None => self.failure.set(Some(e)),
                    },
                }
            }
        })
    }
}
