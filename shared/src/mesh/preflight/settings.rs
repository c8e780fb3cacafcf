//! Checks on the chosen settings against the fleet and the cluster: the
//! revision's name, the network id, revisions already there, and what the
//! CA mode needs.

use super::{Check, CheckResult, Verdict};
use crate::fleet::{Cluster, Fleet};
use crate::mesh::HsmReadiness;
use crate::mesh::settings::{CaMode, InstallSettings, trust_domain};

pub(super) fn revision_and_version(s: &InstallSettings) -> CheckResult {
    let check = Check::RevisionAndVersion;
    let expected = s.version.revision();
    if s.revision == expected {
        return CheckResult::pass(
            check,
            format!("Revision {} matches version tag {}.", s.revision, s.version),
        );
    }
    let why = if s.revision.is_asm_form() {
        "names another version"
    } else {
        "does not follow asm-<version digits>-<build>"
    };
    CheckResult::fail(
        check,
        format!(
            "Revision {} {why}: for version tag {} it should be {expected}.",
            s.revision, s.version
        ),
    )
}

pub(super) fn network(fleet: &Fleet, cluster: &Cluster, s: &InstallSettings) -> CheckResult {
    let check = Check::Network;
    let network = s.network.as_str();
    let on_prem = cluster.member.platform.on_prem();
    let others: Vec<&Cluster> = fleet
        .clusters
        .iter()
        .filter(|c| c.name() != cluster.name() && c.member.network.as_deref() == Some(network))
        .collect();
    let clashing: Vec<&str> = others
        .iter()
        .filter(|c| on_prem || c.member.platform.on_prem())
        .map(|c| c.name().as_str())
        .collect();
    if !clashing.is_empty() {
        return CheckResult::fail(
            check,
            format!(
                "Network id {network} is already used by {}: every on-prem cluster needs a network id of its own.",
                clashing.join(", ")
            ),
        );
    }
    let mut evidence = vec![if others.is_empty() {
        format!("Network id {network} is a valid label value, used by no other member.")
    } else {
        let names: Vec<&str> = others.iter().map(|c| c.name().as_str()).collect();
        format!(
            "Network id {network} is a valid label value, shared with {} (cloud clusters on one VPC).",
            names.join(", ")
        )
    }];
    match cluster.member.network.as_deref() {
        Some(described) if described != network => {
            evidence.push(format!(
                "The fleet description gives {} network {described}; the install would label istio-system with {network}.",
                cluster.name()
            ));
            CheckResult::new(check, Verdict::Warn, evidence)
        }
        _ => CheckResult::new(check, Verdict::Pass, evidence),
    }
}

pub(super) fn revision_not_installed(cluster: &Cluster, s: &InstallSettings) -> CheckResult {
    let check = Check::RevisionNotInstalled;
    let rev = s.revision.as_str();
    let installed: Vec<&str> = cluster
        .control_planes
        .iter()
        .map(|cp| cp.revision.as_str())
        .collect();
    let Some(cp) = cluster.control_planes.iter().find(|cp| cp.revision == rev) else {
        let present = if installed.is_empty() {
            "none installed".to_owned()
        } else {
            format!("installed: {}", installed.join(", "))
        };
        return CheckResult::pass(
            check,
            format!(
                "No control plane of revision {rev} on {} ({present}).",
                cluster.name()
            ),
        );
    };
    let version = cp.version.as_deref().unwrap_or("unknown version");
    if cp.ready() {
        // Installing over a running revision would replace what its
        // namespaces run on: no reason makes that an install.
        return CheckResult::fail(
            check,
            format!(
                "Revision {rev} is already installed on {} ({}, {version}, {}/{} ready): pick another revision or upgrade in place.",
                cluster.name(),
                cp.deployment.as_deref().unwrap_or("istiod"),
                cp.ready_replicas,
                cp.replicas
            ),
        )
        .hard();
    }
    let what = match &cp.deployment {
        Some(d) => format!(
            "Deployment {d} with {}/{} ready",
            cp.ready_replicas, cp.replicas
        ),
        None => "its injection webhook only".to_owned(),
    };
    CheckResult::warn(
        check,
        format!(
            "Revision {rev} is partly installed on {} ({what}): applying the plan finishes it without creating anything twice.",
            cluster.name()
        ),
    )
}

pub(super) fn ca_mode(
    input: &super::PreflightInput<'_>,
    membership: Option<&str>,
    hsm: Option<&HsmReadiness>,
) -> CheckResult {
    let (fleet, s) = (input.fleet, input.settings);
    let check = Check::CaMode;
    if s.ca != CaMode::MeshCa && !input.mesh_roots.contains(&s.mesh_id) {
        return no_mesh_root(s);
    }
    match s.ca {
        CaMode::MeshCa => {
            let domain = match trust_domain(fleet, CaMode::MeshCa) {
                Ok(d) => d,
                Err(p) => return CheckResult::fail(check, p.message),
            };
            match membership {
                Some(m) => CheckResult::pass(
                    check,
                    format!("Mesh CA: fleet Membership {m} found; trust domain {domain}."),
                ),
                None => CheckResult::fail(
                    check,
                    format!(
                        "Mesh CA needs the cluster's fleet Membership (memberships.hub.gke.io \"membership\"), and it has none: register the cluster to the fleet first, or istiod stays unready. Trust domain would be {domain}."
                    ),
                ),
            }
        }
        CaMode::IstioCaPluginCerts => istio_ca(input),
        CaMode::Hsm => hsm_mode(s, hsm),
    }
}

/// Istio CA issues the cluster's intermediate from the mesh root, which is
/// a security officer's decision (issue 21): only under an active issuance
/// grant naming the cluster, the mesh and the trust domain.
fn istio_ca(input: &super::PreflightInput<'_>) -> CheckResult {
    let (s, check) = (input.settings, Check::CaMode);
    let domain = trust_domain(input.fleet, CaMode::IstioCaPluginCerts)
        .map(|d| d.to_string())
        .unwrap_or_else(|_| "cluster.local".into());
    let granted = input
        .issuance
        .iter()
        .find(|g| g.mesh == s.mesh_id && g.trust_domain.as_str() == domain);
    match granted {
        Some(g) => CheckResult::pass(
            check,
            format!(
                "Istio CA with plug-in certificates: under issuance grant {}, the console issues {}'s intermediate from the root of mesh {} (created by a security officer) for trust domain {domain} and writes secret istio-system/cacerts before istiod starts.",
                g.grant,
                input.cluster.name(),
                s.mesh_id
            ),
        ),
        None => CheckResult::fail(
            check,
            format!(
                "No security officer has granted issuing {}'s intermediate CA in mesh {} for trust domain {domain}: a security officer grants it on Security → Issuance grants (and a second officer approves) before Istio CA with plug-in certificates can be installed.",
                input.cluster.name(),
                s.mesh_id
            ),
        )
        .hard(),
    }
}

/// Istio CA and HSM mode sign with the mesh root, and only a security
/// officer creates one: an operator's install cannot, so nothing can set
/// this aside.
fn no_mesh_root(s: &InstallSettings) -> CheckResult {
    CheckResult::fail(
        Check::CaMode,
        format!(
            "Mesh {} has no root CA: a security officer must create the mesh root on Security → Mesh roots before {} can be installed. Installs never create key material.",
            s.mesh_id,
            match s.ca {
                CaMode::Hsm => "HSM mode",
                _ => "Istio CA with plug-in certificates",
            }
        ),
    )
    .hard()
}

/// HSM mode: the slot must open with the PIN Vault holds and have the KEK;
/// only a check of exactly these settings counts.
fn hsm_mode(s: &InstallSettings, checked: Option<&HsmReadiness>) -> CheckResult {
    let check = Check::CaMode;
    let Some(settings) = &s.hsm else {
        return CheckResult::fail(
            check,
            "HSM mode needs the slot, KEK id, Vault address and secret path.",
        )
        .hard();
    };
    match checked {
        Some(r) if r.settings == *settings => match &r.problem {
            None => CheckResult::pass(
                check,
                format!(
                    "HSM slot {:?} opens with the PIN Vault holds at {} ({}) and has KEK {}. istiod will wait (2/3 Ready) for a security officer to sign its encrypted CSR.",
                    settings.slot_label, settings.secret_path, settings.vault_addr, settings.kek_id
                ),
            ),
            Some(problem) => CheckResult::fail(check, format!("HSM: {problem}")).hard(),
        },
        _ => CheckResult::fail(
            check,
            format!(
                "HSM slot {:?} and the PIN at {} have not been checked yet for these settings.",
                settings.slot_label, settings.secret_path
            ),
        )
        .hard(),
    }
}
