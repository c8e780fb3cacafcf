//! What each role may do: the actions of SPEC "Who uses it" and the one
//! function deciding them. The backend enforces it on every endpoint; the
//! console uses the same answer to show only the actions a role may take.

use serde::{Deserialize, Serialize};

use crate::auth::Role;
use crate::nav::Section;

/// A kind of change someone can ask the console to make. Reading is not an
/// action: every signed-in role reads everything the console shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Plan and apply a control plane install (SPEC 2.3).
    InstallMesh,
    /// Relabel, restart, roll back or finish a canary migration (SPEC 2.4, 2.5).
    MigrateNamespaces,
    /// Edit MultiClusterService / MultiClusterIngress, change the config
    /// cluster (SPEC 4).
    EditIngress,
    /// Deploy and delete migrated workloads, set registry access (SPEC 5).
    DeployWorkloads,
    /// Approve or deny certificate signing requests (SPEC 3).
    DecideCsr,
    /// Create and rotate the root/intermediate CA material (SPEC 2.2).
    ManageCa,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::InstallMesh,
        Action::MigrateNamespaces,
        Action::EditIngress,
        Action::DeployWorkloads,
        Action::DecideCsr,
        Action::ManageCa,
    ];

    /// The roles allowed to take this action.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Action::InstallMesh
            | Action::MigrateNamespaces
            | Action::EditIngress
            | Action::DeployWorkloads => &[Role::Operator],
            Action::DecideCsr | Action::ManageCa => &[Role::SecurityOfficer],
        }
    }

    /// The section whose page offers the action.
    pub fn section(self) -> Section {
        match self {
            Action::InstallMesh | Action::MigrateNamespaces => Section::Mesh,
            Action::EditIngress => Section::Ingress,
            Action::DeployWorkloads => Section::Workloads,
            Action::DecideCsr | Action::ManageCa => Section::Security,
        }
    }

    /// How the console names the action.
    pub fn title(self) -> &'static str {
        match self {
            Action::InstallMesh => "Install a control plane revision",
            Action::MigrateNamespaces => "Migrate, roll back or finish a canary migration",
            Action::EditIngress => "Edit multi-cluster services and ingresses",
            Action::DeployWorkloads => "Deploy and delete migrated workloads",
            Action::DecideCsr => "Approve or deny certificate signing requests",
            Action::ManageCa => "Manage the root and intermediate CA material",
        }
    }

    /// The identifier in audit entries and error messages.
    pub fn slug(self) -> &'static str {
        match self {
            Action::InstallMesh => "mesh.install",
            Action::MigrateNamespaces => "mesh.migrate",
            Action::EditIngress => "ingress.edit",
            Action::DeployWorkloads => "workload.deploy",
            Action::DecideCsr => "csr.decide",
            Action::ManageCa => "ca.manage",
        }
    }
}

impl Role {
    /// Whether this role may take `action`.
    pub fn may(self, action: Action) -> bool {
        action.roles().contains(&self)
    }

    /// The actions this role may take on `section`'s pages.
    pub fn actions_in(self, section: Section) -> Vec<Action> {
        Action::ALL
            .into_iter()
            .filter(|a| a.section() == section && self.may(*a))
            .collect()
    }
}

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (health, version, signing in).
    Public,
    /// Any signed-in account: reading, signing out.
    SignedIn,
    /// Signed-in accounts whose role may take the action.
    Act(Action),
    /// Signed-in accounts with the admin capability.
    Admin,
}

impl Access {
    /// Whether a signed-in account with `role` and `admin` passes.
    pub fn allows(self, role: Role, admin: bool) -> bool {
        match self {
            Access::Public | Access::SignedIn => true,
            Access::Act(action) => role.may(action),
            Access::Admin => admin,
        }
    }

    /// The sentence a refused request is answered with.
    pub fn needs(self) -> String {
        match self {
            Access::Public | Access::SignedIn => "signing in".to_owned(),
            Access::Act(action) => {
                let roles: Vec<&str> = action.roles().iter().map(|r| r.title()).collect();
                format!(
                    "\"{}\" needs the {} role",
                    action.title().to_lowercase(),
                    roles.join(" or ").to_lowercase()
                )
            }
            Access::Admin => "managing accounts needs the admin capability".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_roles_are_kept_apart() {
        assert!(!Role::Operator.may(Action::DecideCsr));
        assert!(!Role::SecurityOfficer.may(Action::InstallMesh));
        for action in Action::ALL {
            assert!(!Role::Manager.may(action), "{action:?}");
            assert_eq!(action.roles().len(), 1);
        }
        assert_eq!(
            Role::Operator.actions_in(Section::Mesh),
            vec![Action::InstallMesh, Action::MigrateNamespaces]
        );
        assert!(Role::Operator.actions_in(Section::Security).is_empty());
    }

    #[test]
    fn refusals_name_the_needed_role() {
        assert_eq!(
            Access::Act(Action::DecideCsr).needs(),
            "\"approve or deny certificate signing requests\" needs the security officer role"
        );
        assert!(!Access::Admin.allows(Role::Operator, false));
        assert!(Access::Admin.allows(Role::Manager, true));
    }
}
