//! How the activity log words an audited action: `session.create` reads
//! "Signed in". The ids are the endpoint table's (the backend's test holds
//! every one of them to a title here) plus the few the console records on
//! its own; an id without a title is shown as it is.

/// The words for audited action `id`, if the console knows it.
pub fn action_title(id: &str) -> Option<&'static str> {
    Some(match id {
        "session.create" => "Signed in",
        "session.delete" => "Signed out",
        "session.read" => "Read the session",
        "oidc.login" => "Started signing in with the OpenID provider",
        "oidc.callback" => "Came back from the OpenID provider",
        "health.read" => "Checked health",
        "version.read" => "Read the version",
        "openapi.read" => "Read the API document",
        "account.create" => "Created an account",
        "account.update" => "Changed an account",
        "account.delete" => "Removed an account",
        "account.list" => "Listed accounts",
        "account.officer.list" => "Listed officer appointments",
        "account.officer.confirm" => "Confirmed an officer appointment",
        "audit.read" => "Read the activity log",
        "audit.export" => "Exported the activity log",
        "audit.verify" => "Verified the activity log's chain",
        "fleet.read" => "Read the fleet",
        "fleet.watch" => "Followed the fleet",
        "cluster.read" => "Read a cluster",
        "namespace.read" => "Read a namespace",
        "namespace.verify" => "Verified a namespace's pods",
        "mesh.context.read" => "Read a cluster's install context",
        "mesh.hsm.check" => "Checked HSM settings",
        "mesh.hsm.provision" => "Provisioned an HSM slot",
        "mesh.plan" => "Reviewed an install plan",
        "mesh.plan.export" => "Exported an install plan",
        "mesh.fleet.select" => "Chose fleet members",
        "mesh.fleet.plan" => "Reviewed a fleet install plan",
        "mesh.fleet.plan.read" => "Read a fleet install plan",
        "mesh.fleet.plan.exclude" => "Left members out of a fleet install plan",
        "mesh.fleet.plan.export" => "Exported a fleet install plan",
        "mesh.install" => "Installed a control plane revision",
        "mesh.install.list" => "Listed install runs",
        "mesh.install.read" => "Read an install run",
        "mesh.install.watch" => "Followed an install run",
        "mesh.migrate" => "Migrated a namespace",
        "mesh.rollback" => "Rolled a namespace back",
        "mesh.finish" => "Removed a control plane revision",
        "mesh.finish.preview" => "Previewed removing a control plane revision",
        "mesh.migration.list" => "Listed migration runs",
        "mesh.migration.read" => "Read a migration run",
        "mesh.migration.watch" => "Followed a migration run",
        "gateway.read" => "Read the ingress gateway",
        "gateway.address" => "Set the gateway's external address",
        "mesh.wave.propose" => "Proposed migration waves",
        "mesh.wave.run" => "Started a wave migration",
        "mesh.wave.list" => "Listed wave runs",
        "mesh.wave.read" => "Read a wave run",
        "mesh.wave.watch" => "Followed a wave run",
        "mesh.wave.resume" => "Resumed a wave run",
        "mesh.wave.skip" => "Skipped a wave",
        "mesh.wave.rollback" => "Rolled a wave back",
        "workload.preview" => "Previewed a workload deployment",
        "workload.takeover" => "Took over objects for a workload",
        "workload.deploy" => "Deployed a migrated workload",
        "workload.delete" => "Deleted a migrated workload",
        "workload.registry_access" => "Set registry access",
        "migration.list" => "Listed workload migrations",
        "migration.read" => "Read a workload migration",
        "migration.doctor" => "Ran the image-pull doctor",
        "ingress.service.list" => "Listed multi-cluster services",
        "ingress.service.review" => "Reviewed a multi-cluster service",
        "ingress.service.read" => "Read a multi-cluster service",
        "ingress.service.apply" => "Applied a multi-cluster service",
        "ingress.service.delete" => "Deleted a multi-cluster service",
        "ingress.service.take_over" => "Took over a multi-cluster service",
        "ingress.ingress.list" => "Listed multi-cluster ingresses",
        "ingress.ingress.review" => "Reviewed a multi-cluster ingress",
        "ingress.ingress.read" => "Read a multi-cluster ingress",
        "ingress.ingress.apply" => "Applied a multi-cluster ingress",
        "ingress.ingress.delete" => "Deleted a multi-cluster ingress",
        "ingress.ingress.take_over" => "Took over a multi-cluster ingress",
        "ingress.config.read" => "Read the config cluster",
        "ingress.config.compare" => "Compared config clusters",
        "ingress.config.copy" => "Copied ingress config to a candidate",
        "ingress.config.switch" => "Switched the config cluster",
        "csr.list" => "Listed signing requests",
        "csr.count" => "Counted signing requests",
        "csr.history" => "Read signing decisions",
        "csr.read" => "Downloaded a signing request",
        "csr.approve" => "Approved a signing request",
        "csr.deny" => "Denied a signing request",
        "csr.upload" => "Uploaded a signed chain",
        "trust.read" => "Read the trust inventory",
        "ca.root.list" => "Listed mesh roots",
        "ca.root.create" => "Created a mesh root",
        "ca.root.import" => "Imported a mesh root",
        "ca.root.retire" => "Retired a mesh root",
        "ca.root.rotate" => "Rotated a mesh root",
        "ca.root.publish" => "Published a root bundle",
        "ca.grant.list" => "Listed issuance grants",
        "ca.grant.propose" => "Proposed an issuance grant",
        "ca.grant.approve" => "Approved an issuance grant",
        "ca.grant.revoke" => "Revoked an issuance grant",
        "ca.intermediate.issue" => "Issued an intermediate CA",
        _ => return None,
    })
}

/// Requests sent with POST that look and change nothing: a review, a
/// preview, a proposal, a check.
pub const LOOKS_ONLY: [&str; 9] = [
    "mesh.plan",
    "mesh.fleet.select",
    "mesh.fleet.plan",
    "mesh.hsm.check",
    "mesh.wave.propose",
    "workload.preview",
    "ingress.service.review",
    "ingress.ingress.review",
    "ingress.config.compare",
];

/// Whether a successful `id` changed something: the activity log's
/// "changes only" view. Not signing in or out, not a look; reads are never
/// recorded when they succeed.
pub fn is_change(id: &str) -> bool {
    !id.starts_with("session.") && !LOOKS_ONLY.contains(&id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_and_sessions_are_not_changes() {
        assert!(is_change("mesh.install"));
        assert!(!is_change("mesh.plan"));
        assert!(!is_change("session.create"));
        for id in LOOKS_ONLY {
            assert!(action_title(id).is_some(), "{id}");
        }
        assert_eq!(action_title("session.create"), Some("Signed in"));
        assert_eq!(action_title("no.such"), None);
    }
}
