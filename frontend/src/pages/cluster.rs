//! One member cluster's page, `/c/:cluster` and `/c/:cluster/:section`.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use shared::{ApiError, ClusterName, ErrorCode, Section};

use crate::components::error_view::ErrorView;

#[component]
pub fn ClusterPage() -> impl IntoView {
    let params = use_params_map();
    move || {
        let params = params.read();
        let raw = params.get("cluster").unwrap_or_default();
        let cluster = match raw.parse::<ClusterName>() {
            Ok(cluster) => cluster,
            Err(err) => {
                let error = ApiError::new(ErrorCode::BadRequest, err.to_string());
                return view! { <h1>"Cluster"</h1><ErrorView error/> }.into_any();
            }
        };
        let section = match params.get("section") {
            None => None,
            Some(slug) => match Section::from_slug(&slug).filter(|s| s.per_cluster()) {
                Some(section) => Some(section),
                None => {
                    let error = ApiError::new(
                        ErrorCode::NotFound,
                        format!("clusters have no page {slug:?}"),
                    )
                    .with_cluster(cluster.to_string());
                    return view! { <h1>"Cluster " {cluster.to_string()}</h1><ErrorView error/> }
                        .into_any();
                }
            },
        };
        let heading = match section {
            Some(s) => format!("{} on {cluster}", s.title()),
            None => format!("Cluster {cluster}"),
        };
        let tabs = Section::ALL
            .into_iter()
            .filter(|s| s.per_cluster())
            .map(|s| view! { <A href=s.cluster_path(&cluster)>{s.title()}</A> })
            .collect_view();
        view! {
            <section class="cluster-page">
                <h1>{heading}</h1>
                <nav class="tabs" aria-label="Cluster pages">
                    <A href=format!("/c/{cluster}") exact=true>"Overview"</A>
                    {tabs}
                </nav>
                <p class="notice">
                    "Nodes, revisions and namespaces of this cluster arrive with the fleet view (issue #5)."
                </p>
            </section>
        }
        .into_any()
    }
}
