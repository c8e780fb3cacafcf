//! The cluster's part of the Security section, `/c/:cluster/security`:
//! its trust anchors from the trust inventory, its pending and decided
//! signing requests, and links to the inbox for the roles that decide.

use leptos::prelude::*;
use shared::{ClusterName, Section};

use super::csrs::ClusterCsrs;
use super::links::SectionLinks;
use super::trust::TrustFacts;

#[component]
pub fn SecurityTab(cluster: ClusterName) -> impl IntoView {
    view! {
        <SectionLinks section=Section::Security cluster=cluster.clone()/>
        <TrustFacts cluster=cluster.clone()/>
        <ClusterCsrs cluster/>
    }
}
