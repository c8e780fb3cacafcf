//! A MultiClusterService or MultiClusterIngress page: its preview (kept
//! fresh while open) and the editor — a form and a YAML view of the same
//! object, reviewed with `shared::ingress` on every keystroke against the
//! live fleet and the config cluster's resources, errors shown on their
//! fields once touched (or a review attempted, which focuses the first); then the server's dry-run diff, apply (of the version reviewed:
//! if the object changed since, the refusal shows the fresh diff and offers
//! a confirmed take-over, see [`super::conflict`]), and delete after the
//! confirmation naming the config cluster and the object (of the version
//! shown, see [`super::delete`]).

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::ApiError;
use shared::fleet::Fleet;
use shared::ingress::api::ReviewedChange;
use shared::ingress::{FieldError, IngressContext, MultiClusterIngress, MultiClusterService};

use super::conflict::{ApplyConflict, delete_conflict, diff_view};
use super::delete::DeleteObject;
use super::editable::Editable;
use super::yaml_view::{YamlProblem, YamlView};
use super::{can_edit, mci_form, mcs_form};
use crate::api;
use crate::components::error_view::ErrorView;
use crate::components::field::Touched;
use crate::components::loading::Loading;
use crate::live_fleet::LiveFleet;

/// Draws the form of `T`: the object, the errors to show on its fields,
/// the live fleet, and whether the object exists (name fixed).
/// Its fields mark themselves in the [`Touched`] given.
type Form<T> =
    fn(RwSignal<T>, Signal<Vec<FieldError>>, Signal<Option<Fleet>>, bool, Touched) -> AnyView;

/// The editor's `data-form`, where a submit attempt moves focus.
const FORM: &str = "ingress-editor";

/// The fleet (config cluster marked) and the config cluster's resources,
/// for reviews in the browser.
#[derive(Clone, PartialEq)]
struct Context {
    fleet: Fleet,
    services: Vec<MultiClusterService>,
    ingresses: Vec<MultiClusterIngress>,
}

#[component]
fn Editor<T: Editable>(
    initial: T,
    existing: bool,
    form: Form<T>,
    /// The `resourceVersion` the page read the object at (a delete names it).
    #[prop(default = None)]
    version: Option<String>,
) -> impl IntoView {
    let live = LiveFleet::get();
    let object = RwSignal::new(initial);
    let yaml_problem: RwSignal<Option<YamlProblem>> = RwSignal::new(None);
    let server_fields: RwSignal<Vec<FieldError>> = RwSignal::new(Vec::new());
    let reviewed: RwSignal<Option<(T, ReviewedChange)>> = RwSignal::new(None);
    let failure: RwSignal<Option<ApiError>> = RwSignal::new(None);
    // A change refused because the object is not as reviewed: the object
    // it was for and the refusal with the fresh diff.
    let conflict: RwSignal<Option<(T, ApiError)>> = RwSignal::new(None);
    let deletion_refused: RwSignal<Option<ApiError>> = RwSignal::new(None);
    // The version of the object the user last saw (read, reviewed or
    // applied): what a delete is held to.
    let shown = RwSignal::new(version);
    let done: RwSignal<Option<String>> = RwSignal::new(None);
    // The server's field errors were about the object it was sent.
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
            ctx.as_ref().map(|ctx| {
                object.with(|o| {
                    o.check(&IngressContext {
                        fleet: &ctx.fleet,
                        services: &ctx.services,
                        ingresses: &ctx.ingresses,
                    })
                })
            })
        })
    });
    let errors = Signal::derive(move || {
        let mut all = checked.with(|c| c.as_ref().map(|(e, _)| e.clone()).unwrap_or_default());
        for e in server_fields.get() {
            if !all.contains(&e) {
                all.push(e);
            }
        }
        all
    });
    // Problems speak once their field was touched, the YAML typed, or a
    // review attempted; an untouched new form is quiet.
    let touched = Touched::new();
    let shown_errors = Signal::derive(move || {
        errors.with(|all| {
            all.iter()
                .filter(|e| touched.shows(&e.field))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let fleet = Signal::derive(move || live.fleet().get());
    let config_cluster = Signal::derive(move || {
        lists.with(|l| {
            l.as_ref()
                .and_then(|(s, _)| s.as_ref().ok())
                .map(|s| s.config_cluster.to_string())
                .unwrap_or_else(|| "config cluster".to_owned())
        })
    });
    // Refusals by validation go beside their fields, a change refused
    // with the object as it is now beside the change; anything else to the
    // error view.
    let refused = move |o: T, e: ApiError| {
        if e.fresh.is_some() {
            reviewed.set(None);
            conflict.set(Some((o, e)));
        } else if let Some(fields) = e.fields {
            server_fields.set(fields);
        } else {
            failure.set(Some(e));
        }
    };
    let review = Action::new_local(move |o: &T| {
        let o = o.clone();
        async move {
            failure.set(None);
            conflict.set(None);
            done.set(None);
            match o.clone().review().await {
                Ok(change) => {
                    shown.set(change.resource_version.clone());
                    reviewed.set(Some((o, change)));
                }
                Err(r) => refused(o, r),
            }
        }
    });
    let navigate = use_navigate();
    // (object, the version it was reviewed against, whether to take over)
    let apply = Action::new_local(move |(o, version, take_over): &(T, Option<String>, bool)| {
        let (o, version, take_over) = (o.clone(), version.clone(), *take_over);
        let navigate = navigate.clone();
        async move {
            failure.set(None);
            conflict.set(None);
            match o.clone().apply(version, take_over).await {
                Ok(change) => {
                    shown.set(change.resource_version);
                    reviewed.set(None);
                    let (ns, name) = o.key();
                    done.set(Some(format!("Applied {} {ns}/{name}.", T::KIND)));
                    lists.refetch();
                    if !existing {
                        navigate(
                            &format!("/ingress/{}/{ns}/{name}", T::PATH),
                            Default::default(),
                        );
                    }
                }
                Err(r) => refused(o, r),
            }
        }
    });
    let navigate = use_navigate();
    let remove = Action::new_local(move |(): &()| {
        let (ns, name) = object.with_untracked(|o| (o.key().0.to_owned(), o.key().1.to_owned()));
        let navigate = navigate.clone();
        let version = shown.get_untracked();
        async move {
            deletion_refused.set(None);
            match T::delete(ns, name, version).await {
                Ok(()) => navigate("/ingress", Default::default()),
                Err(e) => {
                    match &e.fresh {
                        // Shown as it is now: deleting again deletes that.
                        Some(fresh) => {
                            shown.set(fresh.resource_version.clone());
                            deletion_refused.set(Some(e));
                        }
                        None => failure.set(Some(e)),
                    }
                }
            }
        }
    });
    let editable = can_edit();
    let current_review = move || {
        reviewed
            .get()
            .filter(|(o, _)| *o == object.get())
            .map(|(_, c)| c)
    };
    // A refusal is about the object as it was sent; an edit since makes it
    // a question for a new review.
    let current_conflict = move || {
        conflict
            .get()
            .filter(|(o, _)| *o == object.get())
            .and_then(|(o, e)| Some((o, e.fresh.clone()?, e)))
    };
    view! {
        <section class="editor" data-testid="editor" data-form=FORM>
            <h2>{if existing { "Edit" } else { "New" }} " " {T::KIND.to_string()}</h2>
            {form(object, shown_errors, fleet, existing, touched)}
            <ObjectProblems errors=shown_errors/>
            {move || checked.with(|c| c.as_ref().map(|(_, w)| w.iter().map(|w| view! { <p class="warning" data-testid="sameness-warning">{w.message()}</p> }).collect_view()))}
            <div on:input=move |_| touched.touch_all()><YamlView object problem=yaml_problem/></div>
            {editable.then(|| view! {
                <div class="actions">
                    <button data-testid="review-button" disabled=move || !shown_errors.with(Vec::is_empty) || yaml_problem.with(Option::is_some)
                        on:click=move |_| {
                            if errors.with_untracked(Vec::is_empty) {
                                review.dispatch_local(object.get_untracked());
                            } else {
                                touched.attempt(FORM);
                            }
                        }>"Review changes"</button>
                    <button class="primary" data-testid="apply-button" disabled=move || current_review().is_none() || !errors.with(Vec::is_empty) || yaml_problem.with(Option::is_some)
                        on:click=move |_| {
                            let version = current_review().and_then(|c| c.resource_version);
                            apply.dispatch_local((object.get_untracked(), version, false));
                        }>"Apply"</button>
                    {existing.then(|| view! {
                        <DeleteObject title=Signal::derive(move || object.with(|o| { let (ns, name) = o.key(); format!("{} {ns}/{name}", T::KIND) }))
                            cluster=config_cluster version=shown pending=remove.pending()
                            on_delete=Callback::new(move |()| { remove.dispatch_local(()); })/>
                    })}
                </div>
            })}
            {move || current_review().map(|c| diff_view(c.diff, "diff"))}
            {move || current_conflict().map(|(o, fresh, error)| {
                let again = o.clone();
                view! {
                    <ApplyConflict error fresh cluster=config_cluster
                        on_review=Callback::new(move |()| { review.dispatch_local(again.clone()); })
                        on_take_over=Callback::new(move |version| { apply.dispatch_local((o.clone(), version, true)); })/>
                }
            })}
            {move || deletion_refused.get().and_then(|e| Some(delete_conflict(e.clone(), e.fresh?)))}
            {move || done.get().map(|d| view! { <p class="ok" role="status" data-testid="applied">{d}</p> })}
            {move || failure.get().map(|error| view! { <ErrorView error/> })}
        </section>
    }
}

/// Errors on the object as a whole (no field).
#[component]
fn ObjectProblems(errors: Signal<Vec<FieldError>>) -> impl IntoView {
    move || {
        errors.with(|all| {
            all.iter()
                .filter(|e| e.field.is_empty() || e.field == "apiVersion" || e.field == "kind")
                .map(|e| view! { <p class="field-problem" data-testid="field-error" data-field=e.field.clone()>{e.to_string()}</p> })
                .collect_view()
        })
    }
}

fn at_params() -> Option<(String, String)> {
    let params = use_params_map();
    let p = params.read_untracked();
    Some((p.get("namespace")?, p.get("name")?))
}

/// Refetches `preview` every two seconds while the page is open, so
/// derived Services and pods are seen following a change.
fn keep_fresh<T: 'static>(preview: LocalResource<T>) {
    if let Ok(handle) =
        set_interval_with_handle(move || preview.refetch(), std::time::Duration::from_secs(2))
    {
        on_cleanup(move || handle.clear());
    }
}

/// The page of one object: its preview (kept fresh) and its editor; at
/// the route without a namespace and name, the editor of a new one.
fn object_page<T: Editable>(form: Form<T>) -> AnyView {
    let Some((ns, name)) = at_params() else {
        return view! { <section class="ingress-page"><Editor initial=T::blank() existing=false form/></section> }.into_any();
    };
    let (n1, m1) = (ns.clone(), name.clone());
    let preview = LocalResource::new(move || T::read(n1.clone(), m1.clone()));
    let initial = LocalResource::new(move || T::read(ns.clone(), name.clone()));
    keep_fresh(preview);
    view! {
        <section class="ingress-page" data-testid=T::PAGE_TESTID>
            {move || preview.get().map(|p| match p {
                Ok(p) => {
                    let (ns, name) = T::previewed(&p).0.key();
                    let at = format!("{ns}/{name}");
                    view! { <h1>{T::KIND.to_string()} " " {at}</h1>{T::preview_view(p)} }.into_any()
                }
                Err(error) => view! { <ErrorView error/> }.into_any(),
            })}
            {move || match initial.get() {
                None => view! { <Loading what=format!("the {}", T::KIND)/> }.into_any(),
                Some(Ok(p)) => {
                    let (object, version) = T::previewed(&p);
                    view! { <Editor initial=object.clone() existing=true form version=version.map(str::to_owned)/> }.into_any()
                }
                Some(Err(_)) => ().into_any(),
            }}
        </section>
    }
    .into_any()
}

#[component]
pub fn McsPage() -> impl IntoView {
    object_page(mcs_form::mcs_form)
}

#[component]
pub fn MciPage() -> impl IntoView {
    object_page(mci_form::mci_form)
}
