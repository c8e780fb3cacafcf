//! Checks on the cluster itself: capacity, Kubernetes version, and that an
//! on-prem cluster is a user cluster.

use super::{Check, CheckResult, Verdict};
use crate::fleet::{Cluster, units};
use crate::mesh::catalogue::{Catalogue, CatalogueError, KubeMinor};
use crate::mesh::revision::VersionTag;

/// The seeds' minimum: "at least 4 vCPU, 15 GB memory and 4 nodes".
pub const MIN_NODES: usize = 4;
pub const MIN_CPU_MILLIS: u64 = 4_000;
/// 15 GB, decimal as the seeds write it.
pub const MIN_MEMORY_BYTES: u64 = 15_000_000_000;

/// Memory in decimal GB as the seeds state the minimum, with the binary
/// reading beside it.
fn gb(bytes: u64) -> String {
    let tenths = (u128::from(bytes) + 50_000_000) / 100_000_000;
    let (whole, frac) = (tenths / 10, tenths % 10);
    let decimal = if frac == 0 {
        format!("{whole} GB")
    } else {
        format!("{whole}.{frac} GB")
    };
    format!("{decimal} ({})", units::memory(bytes))
}

pub(super) fn capacity(cluster: &Cluster) -> CheckResult {
    let (cpu, memory) = cluster.capacity();
    let nodes = cluster.nodes.len();
    let found = format!(
        "{nodes} node{} with {} and {} allocatable in total",
        if nodes == 1 { "" } else { "s" },
        units::cpu(cpu),
        gb(memory)
    );
    let mut short = Vec::new();
    if nodes < MIN_NODES {
        short.push(format!("{nodes} of {MIN_NODES} nodes"));
    }
    if cpu < MIN_CPU_MILLIS {
        short.push(format!("{} of 4 vCPU", units::cpu(cpu)));
    }
    if memory < MIN_MEMORY_BYTES {
        short.push(format!("{} of 15 GB memory", gb(memory)));
    }
    let unready = cluster.nodes.iter().filter(|n| !n.ready).count();
    if short.is_empty() {
        if unready > 0 {
            return CheckResult::warn(
                Check::Capacity,
                format!("{found}, but {unready} node(s) are not Ready"),
            );
        }
        return CheckResult::pass(Check::Capacity, format!("{found}."));
    }
    CheckResult::new(
        Check::Capacity,
        Verdict::Fail,
        [
            format!("{found}."),
            format!(
                "Too small for a mesh control plane, which needs at least 4 nodes, 4 vCPU and 15 GB memory: only {}.",
                short.join(", ")
            ),
        ],
    )
}

/// `v1.37.0-meshdeck-sandbox`, `v1.21.5-gke.1302` → (1, 37), (1, 21).
pub fn parse_kubernetes_version(git_version: &str) -> Option<(u32, u32)> {
    let v = git_version.strip_prefix('v').unwrap_or(git_version);
    let mut parts = v.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some((major, minor.parse().ok()?))
}

/// Whether the cluster's Kubernetes is in the range the release
/// catalogue gives for the release: older is refused, newer than tested
/// warns, and a release the catalogue does not know warns.
pub(super) fn kubernetes_version(
    cluster: &Cluster,
    tag: &VersionTag,
    catalogue: Result<&Catalogue, &CatalogueError>,
) -> CheckResult {
    let check = Check::KubernetesVersion;
    let Some(git) = cluster.kubernetes_version.as_deref() else {
        return CheckResult::fail(
            check,
            "The cluster's Kubernetes version is not known yet (its API server has not answered).",
        );
    };
    let Some((major, minor)) = parse_kubernetes_version(git) else {
        return CheckResult::fail(
            check,
            format!("Cannot read the Kubernetes version {git:?}."),
        );
    };
    let catalogue = match catalogue {
        Ok(c) => c,
        Err(e) => {
            return CheckResult::warn(
                check,
                format!("Kubernetes {major}.{minor} ({git}); {e}, so support cannot be checked."),
            );
        }
    };
    let Some(release) = catalogue.support_for(tag) else {
        return CheckResult::warn(
            check,
            format!(
                "Kubernetes {major}.{minor} ({git}); the release catalogue has no ASM {}.{} release: check its release notes.",
                tag.major, tag.minor
            ),
        );
    };
    let found = KubeMinor { major, minor };
    let range = format!(
        "ASM {} supports {} (end of support {})",
        release.version, release.kubernetes, release.end_of_support
    );
    if found < release.kubernetes.min {
        CheckResult::fail(
            check,
            format!("Kubernetes {found} ({git}) is too old: {range}. Upgrade the cluster first."),
        )
    } else if found > release.kubernetes.max {
        CheckResult::warn(
            check,
            format!(
                "Kubernetes {found} ({git}) is newer than tested: {range}. Newer versions usually work; check the release notes or choose a current release."
            ),
        )
    } else {
        CheckResult::pass(check, format!("Kubernetes {found} ({git}): {range}."))
    }
}

pub(super) fn user_cluster(cluster: &Cluster, admin: bool) -> CheckResult {
    let check = Check::UserCluster;
    let platform = cluster.member.platform;
    if !platform.on_prem() {
        return CheckResult::pass(
            check,
            format!(
                "{} is a {} cluster: no admin clusters there.",
                cluster.name(),
                platform.title()
            ),
        );
    }
    if admin {
        return CheckResult::fail(
            check,
            format!(
                "{} is an on-prem admin cluster ({}). Meshes go into user clusters only, never admin clusters.",
                cluster.name(),
                platform.title()
            ),
        )
        .hard();
    }
    CheckResult::pass(
        check,
        format!(
            "{} is an on-prem user cluster ({}).",
            cluster.name(),
            platform.title()
        ),
    )
}
