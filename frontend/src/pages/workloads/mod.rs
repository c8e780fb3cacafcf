//! Deploying migrated workloads (SPEC 5, seed 002): paste or upload a
//! `deployment_spec.yaml`, choose the target and its registry access,
//! preview the server-side dry run, deploy and follow the rollout; the
//! migrations list with the image-pull doctor and delete.

mod delete;
mod diff;
mod doctor;
mod draft;
mod form;
mod form_parts;
mod migrations;
mod preview;
mod takeover;

use leptos::prelude::*;
use shared::{Action as RoleAction, Section};

use self::form::DeployForm;
use self::migrations::MigrationList;
use crate::api;
use crate::pages::section::role_actions;
use crate::session::Auth;

/// How often the migrations list and an open rollout are refreshed.
pub(crate) const REFRESH: std::time::Duration = std::time::Duration::from_millis(1500);

#[component]
pub fn WorkloadsPage() -> impl IntoView {
    let auth = Auth::get();
    let may_deploy = Signal::derive(move || auth.may(RoleAction::DeployWorkloads));
    let migrations = LocalResource::new(api::workloads::list);
    if let Ok(handle) = set_interval_with_handle(move || migrations.refetch(), REFRESH) {
        on_cleanup(move || handle.clear());
    }
    view! {
        <section class="workloads" data-section=Section::Workloads.slug()>
            <h1>{Section::Workloads.title()}</h1>
            <p class="lead">
                "Deploy the deployment_spec.yaml generated for a workload migrated from a VM on a member cluster, with read access to its image registry."
            </p>
            {move || auth.account().map(|a| role_actions(Section::Workloads, a.role))}
            <Show when=move || may_deploy.get()>
                <DeployForm on_deployed=Callback::new(move |()| migrations.refetch())/>
            </Show>
            <MigrationList migrations may_change=may_deploy/>
        </section>
    }
}
