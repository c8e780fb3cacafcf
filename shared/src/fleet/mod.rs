//! The live fleet as the console shows it: each member cluster's
//! reachability, nodes, control plane revisions and namespaces
//! ([`model`], [`Reachability`]); the pure derivations the pages draw from them
//! ([`injection`], [`topology`], with the picture's geometry in [`layout`]
//! and resource [`units`]); and the deltas the event stream carries
//! against a versioned snapshot ([`delta`]).

pub mod colour;
pub mod delta;
pub mod description;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod injection;
pub mod layout;
pub mod model;
mod reachability;
pub mod selector;
pub mod standing;
pub mod topology;
pub mod units;

pub use colour::{REVISION_SLOTS, revision_slot};
pub use delta::{ApplyError, ClusterChange, FleetDelta, ReloadNotice};
pub use description::{FleetDescription, FleetInfo, HubEndpoint, MemberDescription};
pub use injection::{DEFAULT_REVISION, Injection};
pub use model::{
    Cluster, ControlPlane, Fleet, Member, Namespace, NamespaceDetail, Node, Platform, PodCount,
    PodPhase, PodSummary, Project, Reachability, region_of,
};
pub use selector::{MemberSelector, SelectionError};
pub use standing::Standing;
pub use topology::{FleetSummary, TopologyGroup};
