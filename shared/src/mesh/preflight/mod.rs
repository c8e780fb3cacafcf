//! Preflight: the checks SPEC §2.3 and the seeds ask for before a control
//! plane revision goes onto a cluster. Each check gives Pass, Warn or Fail
//! with the evidence a person can act on; any Fail blocks the install
//! unless the operator overrides that check with its own typed reason
//! (which the backend audits), and some Fails can never be overridden.

mod cluster;
mod ports;
mod settings;

use serde::{Deserialize, Serialize};

pub use ports::{ServicePort, ServicePorts, suggest_port_name};

use super::catalogue::Catalogue;
use super::settings::InstallSettings;
use crate::ClusterName;
use crate::fleet::{Cluster, Fleet};

/// What a check concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    /// Worth reading; does not block.
    Warn,
    /// Blocks the install unless overridden.
    Fail,
}

/// The preflight checks, in the order they are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Capacity,
    KubernetesVersion,
    UserCluster,
    ServicePortNames,
    RevisionAndVersion,
    Network,
    RevisionNotInstalled,
    CaMode,
}

impl Check {
    /// No reason ever lifts this check's failure, so an override naming it
    /// is refused outright: meshes never go into on-prem admin clusters.
    pub fn never_overridden(self) -> bool {
        matches!(self, Check::UserCluster)
    }

    pub fn title(self) -> &'static str {
        match self {
            Check::Capacity => "At least 4 nodes, 4 vCPU and 15 GB memory",
            Check::KubernetesVersion => "Supported Kubernetes version",
            Check::UserCluster => "Not an on-prem admin cluster",
            Check::ServicePortNames => "Service ports named protocol[-suffix]",
            Check::RevisionAndVersion => "Revision label matches the version tag",
            Check::Network => "Network id valid and unique",
            Check::RevisionNotInstalled => "Revision not already installed",
            Check::CaMode => "Certificate authority requirements",
        }
    }
}

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CheckResult {
    pub check: Check,
    pub verdict: Verdict,
    /// What was found, in sentences; offenders one per line.
    pub evidence: Vec<String>,
    /// A Fail an [`Override`] can set aside (false for what cannot work at
    /// all, such as a CA mode not available yet).
    pub overridable: bool,
}

impl CheckResult {
    fn new(check: Check, verdict: Verdict, evidence: impl IntoIterator<Item = String>) -> Self {
        Self {
            check,
            verdict,
            evidence: evidence.into_iter().collect(),
            overridable: true,
        }
    }

    fn hard(mut self) -> Self {
        self.overridable = false;
        self
    }

    fn pass(check: Check, evidence: impl Into<String>) -> Self {
        Self::new(check, Verdict::Pass, [evidence.into()])
    }

    fn warn(check: Check, evidence: impl Into<String>) -> Self {
        Self::new(check, Verdict::Warn, [evidence.into()])
    }

    fn fail(check: Check, evidence: impl Into<String>) -> Self {
        Self::new(check, Verdict::Fail, [evidence.into()])
    }
}

/// Everything the checks read; the backend gathers it from the cluster.
#[derive(Debug, Clone, Copy)]
pub struct PreflightInput<'a> {
    /// The whole fleet (network ids must differ across on-prem clusters).
    pub fleet: &'a Fleet,
    /// The cluster to install on.
    pub cluster: &'a Cluster,
    pub settings: &'a InstallSettings,
    /// Every Service of the cluster.
    pub services: &'a [ServicePorts],
    /// The cluster is an on-prem admin cluster (the fleet description does
    /// not say so yet; the backend tells).
    pub admin: bool,
    /// The cluster's fleet Membership (`memberships.hub.gke.io`), if it has
    /// one.
    pub membership: Option<&'a str>,
    /// What checking the HSM settings against Vault and the HSM found (HSM
    /// mode; `None`: not checked).
    pub hsm: Option<&'a crate::mesh::HsmReadiness>,
    /// The meshes whose root a security officer created in the console's
    /// token (Istio CA with plug-in certificates and HSM mode sign with it;
    /// an install never creates one).
    pub mesh_roots: &'a [crate::mesh::MeshId],
    /// What the active issuance grants allow on this cluster (Istio CA
    /// with plug-in certificates issues the intermediate only under one).
    pub issuance: &'a [crate::csr::GrantedIssuance],
}

/// All checks for one install.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PreflightReport {
    pub cluster: ClusterName,
    pub results: Vec<CheckResult>,
}

impl PreflightReport {
    /// Runs every check.
    pub fn run(input: &PreflightInput<'_>) -> Self {
        Self {
            cluster: input.cluster.name().clone(),
            results: vec![
                cluster::capacity(input.cluster),
                cluster::kubernetes_version(
                    input.cluster,
                    &input.settings.version,
                    Catalogue::builtin(),
                ),
                cluster::user_cluster(input.cluster, input.admin),
                ports::port_names(input.services),
                settings::revision_and_version(input.settings),
                settings::network(input.fleet, input.cluster, input.settings),
                settings::revision_not_installed(input.cluster, input.settings),
                settings::ca_mode(input, input.membership, input.hsm),
            ],
        }
    }

    pub fn result(&self, check: Check) -> Option<&CheckResult> {
        self.results.iter().find(|r| r.check == check)
    }

    /// The checks that failed.
    pub fn failures(&self) -> impl Iterator<Item = &CheckResult> {
        self.results.iter().filter(|r| r.verdict == Verdict::Fail)
    }

    /// Some check failed: the install needs an [`Override`] per check.
    pub fn blocks_install(&self) -> bool {
        self.failures().next().is_some()
    }

    /// Whether the install may go ahead, given the checks the operator
    /// overrode (each with its own reason): every failed check needs its
    /// own override and must be overridable.
    pub fn allow(&self, overridden: &[Check]) -> Result<(), InstallBlocked> {
        let blocking: Vec<&CheckResult> = self
            .failures()
            .filter(|r| !r.overridable || !overridden.contains(&r.check))
            .collect();
        if blocking.is_empty() {
            return Ok(());
        }
        Err(InstallBlocked {
            cluster: self.cluster.clone(),
            failed: blocking.iter().map(|r| r.check).collect(),
            hard: blocking
                .iter()
                .filter(|r| !r.overridable)
                .map(|r| r.check)
                .collect(),
            overridable: blocking.iter().all(|r| r.overridable),
        })
    }
}

/// An install refused by failed checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[error(
    "preflight failed on {cluster}: {}{}",
    titles(.failed),
    if *.overridable {
        "; override each failed check with its own reason to install anyway".to_owned()
    } else {
        format!("; {} cannot be overridden", titles(.hard))
    }
)]
pub struct InstallBlocked {
    pub cluster: ClusterName,
    /// The failed checks that still block: without their own override,
    /// or not overridable.
    pub failed: Vec<Check>,
    /// Those of `failed` no override can lift.
    #[serde(default)]
    pub hard: Vec<Check>,
    /// Overrides of `failed` would let the install go ahead.
    pub overridable: bool,
}

fn titles(checks: &[Check]) -> String {
    checks
        .iter()
        .map(|c| c.title())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The operator's override of one failed check, as sent: why it does not
/// matter here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CheckOverride {
    pub check: Check,
    pub reason: String,
}

/// The operator's decision to install despite a failed check, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(try_from = "OverrideWire")]
pub struct Override {
    reason: String,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct OverrideWire {
    reason: String,
}

impl TryFrom<OverrideWire> for Override {
    type Error = OverrideError;

    fn try_from(w: OverrideWire) -> Result<Self, Self::Error> {
        Override::new(&w.reason)
    }
}

/// Why an override reason was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[error(
    "an override needs a reason of at least {} characters saying why the failed check does not matter here (got {length})",
    Override::MIN_REASON
)]
pub struct OverrideError {
    pub length: usize,
}

impl Override {
    /// The shortest reason accepted (characters, surrounding space ignored).
    pub const MIN_REASON: usize = 20;

    pub fn new(reason: &str) -> Result<Self, OverrideError> {
        let reason = reason.trim();
        let length = reason.chars().count();
        if length < Self::MIN_REASON {
            return Err(OverrideError { length });
        }
        Ok(Self {
            reason: reason.to_owned(),
        })
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }
}

#[cfg(test)]
mod tests;
