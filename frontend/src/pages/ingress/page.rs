//! The page of one MultiClusterService or MultiClusterIngress: its
//! preview, kept fresh while open, and its [`Editor`]; at the route
//! without a namespace and name, the editor of a new one.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::editable::Editable;
use super::editor::{Editor, Form};
use super::{mci_form, mcs_form};
use crate::components::error_view::ErrorView;
use crate::components::loading::Loading;

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
