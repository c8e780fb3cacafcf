//! Where an audit entry's subject can be seen in the console: the install
//! or migration run, the wave run, the workload migration, the cluster,
//! the multi-cluster service or ingress, the signing request, the mesh
//! root or issuance grant. Built only from the entry's action, clusters,
//! targets and parameters, so the activity page links what it lists.

use crate::AuditEntry;

/// Anchors of the pages the links lead to (the pages put these ids on
/// the headings of the parts concerned).
pub mod anchors {
    /// The canary migration part of the mesh page (board and wave runner).
    pub const MIGRATION: &str = "migration-heading";
    /// The decided requests on the security page.
    pub const CSR_HISTORY: &str = "csr-history-heading";
    /// The mesh roots on the security page.
    pub const MESH_ROOTS: &str = "mesh-roots-heading";
    /// The issuance grants on the security page.
    pub const GRANTS: &str = "grants-heading";
}

/// One link from an entry to what it acted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryLink {
    /// What the link names, e.g. `install run 3f2a`.
    pub label: String,
    /// The console path, e.g. `/mesh?run=3f2a`.
    pub href: String,
}

fn link(label: impl Into<String>, href: impl Into<String>) -> EntryLink {
    EntryLink {
        label: label.into(),
        href: href.into(),
    }
}

/// `kind ns/name` targets of `kind`, as (namespace, name).
fn objects<'a>(entry: &'a AuditEntry, kind: &str) -> Vec<(&'a str, &'a str)> {
    entry
        .targets
        .iter()
        .filter_map(|t| t.strip_prefix(kind)?.strip_prefix(' ')?.split_once('/'))
        .collect()
}

/// The link to the run, wave run or workload migration `entry` names.
fn run_link(entry: &AuditEntry) -> Option<EntryLink> {
    let action = entry.action.as_str();
    let run = entry.param("run");
    if action.starts_with("mesh.wave.") {
        let run = run?;
        let label = match entry.param("wave") {
            Some(wave) => format!("wave {wave} of wave run {run}"),
            None => format!("wave run {run}"),
        };
        return Some(link(label, format!("/mesh#{}", anchors::MIGRATION)));
    }
    if action.starts_with("mesh.install") || action == "ca.intermediate.issue" {
        return run.map(|run| link(format!("install run {run}"), crate::nav::run_path(run)));
    }
    if matches!(action, "mesh.migrate" | "mesh.rollback" | "mesh.finish")
        || action.starts_with("mesh.migration.")
    {
        return run.map(|run| link(format!("migration run {run}"), crate::nav::run_path(run)));
    }
    if action.starts_with("workload.") || action.starts_with("migration.") {
        return entry
            .param("migration")
            .map(|id| link(format!("workload migration {id}"), "/workloads"));
    }
    None
}

/// The pages showing what `entry` acted on, most specific first; none for
/// entries about nothing that has a page (signing in, reading the log).
/// Deleted ingress objects are not linked (their page is gone); their
/// cluster still is.
pub fn entry_links(entry: &AuditEntry) -> Vec<EntryLink> {
    let action = entry.action.as_str();
    let mut links: Vec<EntryLink> = run_link(entry).into_iter().collect();
    let deleted = action.ends_with(".delete");
    if action.starts_with("ingress.service.") && !deleted {
        links.extend(
            objects(entry, "MultiClusterService")
                .into_iter()
                .map(|(ns, name)| {
                    link(
                        format!("MultiClusterService {ns}/{name}"),
                        format!("/ingress/services/{ns}/{name}"),
                    )
                }),
        );
    }
    if action.starts_with("ingress.ingress.") && !deleted {
        links.extend(
            objects(entry, "MultiClusterIngress")
                .into_iter()
                .map(|(ns, name)| {
                    link(
                        format!("MultiClusterIngress {ns}/{name}"),
                        format!("/ingress/ingresses/{ns}/{name}"),
                    )
                }),
        );
    }
    if matches!(action, "csr.approve" | "csr.deny" | "csr.upload") {
        let name = entry.param("name").map_or_else(
            || "signing request".to_owned(),
            |n| format!("signing request {n}"),
        );
        links.push(link(name, format!("/security#{}", anchors::CSR_HISTORY)));
    }
    if action.starts_with("ca.root.") && action != "ca.root.list" {
        let label = entry.param("sha256").map_or_else(
            || "mesh roots".to_owned(),
            |f| format!("mesh root {}", short(f)),
        );
        links.push(link(label, format!("/security#{}", anchors::MESH_ROOTS)));
    }
    if action.starts_with("ca.grant.") && action != "ca.grant.list"
        || action == "ca.intermediate.issue"
    {
        let label = entry
            .param("grant")
            .or_else(|| entry.param("id"))
            .map_or_else(
                || "issuance grants".to_owned(),
                |g| format!("issuance grant {g}"),
            );
        links.push(link(label, format!("/security#{}", anchors::GRANTS)));
    }
    if action.starts_with("account.") && !deleted {
        links.push(link("accounts", "/accounts"));
    }
    links.extend(
        entry
            .clusters
            .iter()
            .map(|c| link(c.clone(), format!("/c/{c}"))),
    );
    links
}

/// The first 12 characters of a fingerprint, enough to tell roots apart.
fn short(fingerprint: &str) -> &str {
    fingerprint.get(..12).unwrap_or(fingerprint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Outcome;

    fn entry(action: &str, clusters: &[&str], targets: &[&str], params: &[&str]) -> AuditEntry {
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
        AuditEntry {
            seq: 1,
            at: 0,
            actor: "otto".into(),
            role: None,
            action: action.into(),
            clusters: owned(clusters),
            targets: owned(targets),
            params: owned(params),
            outcome: Outcome::Success,
            request_id: None,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn hrefs(links: &[EntryLink]) -> Vec<&str> {
        links.iter().map(|l| l.href.as_str()).collect()
    }

    #[test]
    fn runs_link_to_the_mesh_page_then_their_clusters() {
        let install = entry_links(&entry(
            "mesh.install",
            &["gke-eu"],
            &[],
            &["plan=p1", "run=r7"],
        ));
        assert_eq!(install[0].label, "install run r7");
        assert_eq!(hrefs(&install), vec!["/mesh?run=r7", "/c/gke-eu"]);
        let migrate = entry_links(&entry(
            "mesh.migrate",
            &["gke-eu"],
            &[],
            &["revision=asm-1106-2", "run=m1"],
        ));
        assert_eq!(migrate[0].label, "migration run m1");
        let wave = entry_links(&entry(
            "mesh.wave.rollback",
            &[],
            &[],
            &["run=w1", "wave=2"],
        ));
        assert_eq!(
            wave,
            vec![link("wave 2 of wave run w1", "/mesh#migration-heading")]
        );
        let workload = entry_links(&entry(
            "workload.deploy",
            &["gke-asia-2"],
            &[],
            &["migration=wm3"],
        ));
        assert_eq!(hrefs(&workload), vec!["/workloads", "/c/gke-asia-2"]);
        assert_eq!(workload[0].label, "workload migration wm3");
    }

    #[test]
    fn an_attempt_without_a_run_links_only_its_cluster() {
        let refused = entry_links(&entry("mesh.install", &["gke-eu"], &[], &["plan=p1"]));
        assert_eq!(hrefs(&refused), vec!["/c/gke-eu"]);
        assert!(entry_links(&entry("session.create", &[], &[], &[])).is_empty());
    }

    #[test]
    fn ingress_objects_link_to_their_editor_unless_deleted() {
        let applied = entry_links(&entry(
            "ingress.ingress.apply",
            &["gke-us"],
            &["MultiClusterIngress shop/front"],
            &[],
        ));
        assert_eq!(
            hrefs(&applied),
            vec!["/ingress/ingresses/shop/front", "/c/gke-us"]
        );
        let mcs = entry_links(&entry(
            "ingress.service.apply",
            &[],
            &["MultiClusterService shop/cart"],
            &[],
        ));
        assert_eq!(hrefs(&mcs), vec!["/ingress/services/shop/cart"]);
        let deleted = entry_links(&entry(
            "ingress.service.delete",
            &["gke-us"],
            &["MultiClusterService shop/cart"],
            &[],
        ));
        assert_eq!(hrefs(&deleted), vec!["/c/gke-us"]);
    }

    #[test]
    fn security_decisions_link_to_their_part_of_the_security_page() {
        let denied = entry_links(&entry(
            "csr.deny",
            &["gke-eu"],
            &[],
            &["name=web-1", "reason=no"],
        ));
        assert_eq!(
            denied[0],
            link("signing request web-1", "/security#csr-history-heading")
        );
        let root = entry_links(&entry(
            "ca.root.create",
            &[],
            &[],
            &["sha256=0123456789abcdef0011"],
        ));
        assert_eq!(
            root,
            vec![link(
                "mesh root 0123456789ab",
                "/security#mesh-roots-heading"
            )]
        );
        let grant = entry_links(&entry("ca.grant.approve", &[], &["issuance grant g9"], &[]));
        assert_eq!(
            grant,
            vec![link("issuance grants", "/security#grants-heading")]
        );
        let proposed = entry_links(&entry("ca.grant.propose", &[], &[], &["id=g9"]));
        assert_eq!(proposed[0].label, "issuance grant g9");
        let issued = entry_links(&entry(
            "ca.intermediate.issue",
            &["gke-eu"],
            &[],
            &["run=r1", "grant=g9"],
        ));
        assert_eq!(
            hrefs(&issued),
            vec!["/mesh?run=r1", "/security#grants-heading", "/c/gke-eu"]
        );
        let account = entry_links(&entry("account.create", &[], &["account/alice"], &[]));
        assert_eq!(hrefs(&account), vec!["/accounts"]);
    }
}
