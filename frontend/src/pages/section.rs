//! The fleet-wide page of a section. Each section's own issue replaces the
//! "arrives with" note with the real content.

use leptos::prelude::*;
use shared::Section;

/// The issue that brings each section's content.
fn arrives_with(section: Section) -> &'static str {
    match section {
        Section::Fleet => "The live topology arrives with the fleet view (issue #5).",
        Section::Mesh => "Installs arrive with issue #7, canary migrations with issue #8.",
        Section::Security => "The signing inbox and HSM ceremony arrive with issue #9.",
        Section::Ingress => {
            "MultiClusterService and MultiClusterIngress editing arrive with issue #10."
        }
        Section::Workloads => "Deploying migrated workloads arrives with issue #11.",
        Section::Activity => "The audit log arrives with accounts and roles (issue #6).",
    }
}

#[component]
pub fn SectionPage(section: Section) -> impl IntoView {
    view! {
        <section class="section-page" data-section=section.slug()>
            <h1>{section.title()}</h1>
            <p class="lead">{section.summary()}</p>
            <p class="notice">{arrives_with(section)}</p>
        </section>
    }
}
