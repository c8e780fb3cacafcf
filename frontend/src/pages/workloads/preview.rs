//! What a deploy would do: the spec's images, each registry's access on
//! the target cluster (ready, a pull secret with the alternative grant, or
//! ECR guidance) and the dry-run diff of every object.

use leptos::prelude::*;
use shared::workloads::Preview;
use shared::workloads::access::{AccessNeed, CredentialKind};

use super::diff::ObjectDiffView;

fn need_view(need: AccessNeed) -> AnyView {
    match need {
        AccessNeed::Ready { reason } => view! {
            <span class="badge ok" data-need="ready">"readable"</span> " " <span class="muted">{reason}</span>
        }
        .into_any(),
        AccessNeed::PullSecret { credential, reason, grant } => {
            let what = match credential {
                CredentialKind::JsonKey => "needs a JSON key pull secret",
                CredentialKind::BasicAuth => "needs a user and password pull secret",
            };
            view! {
                <span class="badge warn" data-need="pull_secret">{what}</span> " " <span>{reason}</span>
                {grant.map(|g| view! { <p class="muted">"Or grant the cluster's nodes access:"</p><pre class="command">{g}</pre> })}
            }
            .into_any()
        }
        AccessNeed::Guidance { text } => view! {
            <span class="badge" data-need="guidance">"check"</span> " " <span>{text}</span>
        }
        .into_any(),
    }
}

#[component]
pub fn PreviewView(preview: Preview) -> impl IntoView {
    view! {
        <div class="workload-preview" data-migration=preview.name.clone()>
            <h3>{format!("Preview: {} on {}/{}", preview.name, preview.cluster, preview.namespace)}</h3>
            <h4>"Images"</h4>
            <ul class="images">
                {preview.images.into_iter().map(|i| view! { <li><code>{i.image}</code></li> }).collect_view()}
            </ul>
            <h4>"Registry access"</h4>
            <ul class="registries">
                {preview
                    .registries
                    .into_iter()
                    .map(|r| view! { <li data-registry=r.registry.title()><code>{r.registry.title()}</code> " " {need_view(r.need)}</li> })
                    .collect_view()}
            </ul>
            <h4>"Changes (server-side dry run)"</h4>
            {preview.changes.into_iter().map(|diff| view! { <ObjectDiffView diff/> }).collect_view()}
        </div>
    }
}
