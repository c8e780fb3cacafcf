//! Whether a target cluster can read each registry a spec pulls from, and
//! what gives it access: nothing (same project, public), a pull secret
//! (JSON key, basic auth), a grant to the cluster project's default compute
//! service account (cross-project), or ECR's node instance profile.

use serde::{Deserialize, Serialize};

use super::images::{Registry, RegistryKind};
use crate::fleet::{Platform, Project};

/// The credential a pull secret for a registry is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// A Google service account JSON key (user `_json_key`).
    JsonKey,
    /// A user and password.
    BasicAuth,
}

/// What a registry needs before the cluster's nodes can pull from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "need", rename_all = "snake_case")]
pub enum AccessNeed {
    /// Nodes can already pull: why.
    Ready { reason: String },
    /// A pull secret is needed; `grant` is the alternative command that
    /// gives the cluster's nodes access instead, when there is one.
    PullSecret {
        credential: CredentialKind,
        reason: String,
        grant: Option<String>,
    },
    /// Nothing the console can create: what to check.
    Guidance { text: String },
}

/// One registry of a spec and what it needs on the target cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RegistryAccess {
    pub registry: Registry,
    pub need: AccessNeed,
}

/// `<number>-compute@developer.gserviceaccount.com`.
pub fn compute_service_account(project_number: &str) -> String {
    format!("{project_number}-compute@developer.gserviceaccount.com")
}

/// The command granting `reader`'s default compute service account read
/// access to `registry`; `None` for registries without a Google project.
pub fn grant_command(registry: &Registry, reader: &Project) -> Option<String> {
    let member = format!("serviceAccount:{}", compute_service_account(&reader.number));
    match &registry.kind {
        RegistryKind::Gcr { project } => {
            // `eu.gcr.io` images live in `eu.artifacts.<project>.appspot.com`.
            let bucket = match registry.host.strip_suffix(".gcr.io") {
                Some(region) => format!("{region}.artifacts.{project}.appspot.com"),
                None => format!("artifacts.{project}.appspot.com"),
            };
            Some(format!("gsutil iam ch {member}:objectViewer gs://{bucket}"))
        }
        RegistryKind::ArtifactRegistry {
            project,
            location,
            repository,
        } => Some(format!(
            "gcloud artifacts repositories add-iam-policy-binding {repository} --project={project} --location={location} --member={member} --role=roles/artifactregistry.reader"
        )),
        _ => None,
    }
}

/// The ECR guidance of seed 002.
pub fn ecr_guidance(registry: &Registry) -> String {
    format!(
        "{} is Amazon ECR: no pull secret. Check that the node pool's IAM instance profile \
         (iamInstanceProfile in staging-nodepools.yaml) has the AmazonEC2ContainerRegistryReadOnly policy.",
        registry.host
    )
}

/// What `registry` needs on a cluster of `project` on `platform`;
/// `covered_by` names an existing pull secret for its host, if any.
pub fn need_for(
    registry: &Registry,
    project: Option<&Project>,
    platform: Platform,
    covered_by: Option<&str>,
) -> AccessNeed {
    if let Some(secret) = covered_by {
        return AccessNeed::Ready {
            reason: format!(
                "the pull secret {secret} has credentials for {}",
                registry.host
            ),
        };
    }
    match (&registry.kind, registry.project()) {
        (RegistryKind::Ecr { .. }, _) => AccessNeed::Guidance {
            text: ecr_guidance(registry),
        },
        (RegistryKind::DockerHub, _) => AccessNeed::Ready {
            reason: "Docker Hub serves public images to anyone; a private repository needs a pull secret".into(),
        },
        (RegistryKind::Other, _) => AccessNeed::PullSecret {
            credential: CredentialKind::BasicAuth,
            reason: format!("{} needs a user and password (basic auth)", registry.host),
            grant: None,
        },
        (_, Some(owner)) => match project {
            Some(p) if p.id == owner && platform == Platform::Gke => AccessNeed::Ready {
                reason: format!(
                    "the cluster is in {owner}, whose nodes read {owner}'s registries"
                ),
            },
            Some(p) if platform == Platform::Gke => AccessNeed::PullSecret {
                credential: CredentialKind::JsonKey,
                reason: format!(
                    "the cluster is in {}, not {owner}: its nodes cannot pull from {} without a JSON key or a grant",
                    p.id,
                    registry.title()
                ),
                grant: grant_command(registry, p),
            },
            _ => AccessNeed::PullSecret {
                credential: CredentialKind::JsonKey,
                reason: format!(
                    "clusters outside Google Cloud need a JSON key to pull from {}",
                    registry.title()
                ),
                grant: None,
            },
        },
        (_, None) => AccessNeed::Ready {
            reason: String::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::images::ImageRef;

    fn project(id: &str, number: &str) -> Project {
        Project {
            id: id.into(),
            number: number.into(),
        }
    }

    fn registry(image: &str) -> Registry {
        ImageRef::parse(image).unwrap().registry()
    }

    #[test]
    fn grants_name_the_readers_compute_account_and_the_owners_bucket() {
        let b = project("project-b", "739104825531");
        assert_eq!(
            grant_command(&registry("gcr.io/project-a/quickstart-instance:v1"), &b).unwrap(),
            "gsutil iam ch serviceAccount:739104825531-compute@developer.gserviceaccount.com:objectViewer gs://artifacts.project-a.appspot.com"
        );
        assert_eq!(
            grant_command(&registry("eu.gcr.io/project-a/app"), &b).unwrap(),
            "gsutil iam ch serviceAccount:739104825531-compute@developer.gserviceaccount.com:objectViewer gs://eu.artifacts.project-a.appspot.com"
        );
        assert_eq!(
            grant_command(&registry("us-docker.pkg.dev/project-a/migrated/app:1"), &b).unwrap(),
            "gcloud artifacts repositories add-iam-policy-binding migrated --project=project-a --location=us \
             --member=serviceAccount:739104825531-compute@developer.gserviceaccount.com --role=roles/artifactregistry.reader"
        );
        assert_eq!(grant_command(&registry("registry.example.com/a"), &b), None);
    }

    #[test]
    fn needs_follow_project_platform_and_kind() {
        let a = project("project-a", "482915370162");
        let b = project("project-b", "739104825531");
        let gcr = registry("gcr.io/project-a/app:1");
        assert!(matches!(
            need_for(&gcr, Some(&a), Platform::Gke, None),
            AccessNeed::Ready { .. }
        ));
        let AccessNeed::PullSecret {
            credential, grant, ..
        } = need_for(&gcr, Some(&b), Platform::Gke, None)
        else {
            panic!("cross-project needs access");
        };
        assert_eq!(credential, CredentialKind::JsonKey);
        assert!(grant.unwrap().contains("739104825531-compute@"));
        assert!(matches!(
            need_for(&gcr, Some(&a), Platform::BareMetal, None),
            AccessNeed::PullSecret { grant: None, .. }
        ));
        assert!(matches!(
            need_for(&gcr, Some(&b), Platform::Gke, Some("gcr-json-key")),
            AccessNeed::Ready { .. }
        ));
        assert!(matches!(
            need_for(
                &registry("registry.example.com/a"),
                Some(&a),
                Platform::Gke,
                None
            ),
            AccessNeed::PullSecret {
                credential: CredentialKind::BasicAuth,
                ..
            }
        ));
        let AccessNeed::Guidance { text } = need_for(
            &registry("123456789012.dkr.ecr.us-east-1.amazonaws.com/app"),
            None,
            Platform::AttachedAws,
            None,
        ) else {
            panic!("ECR is guidance");
        };
        assert!(
            text.contains("AmazonEC2ContainerRegistryReadOnly"),
            "{text}"
        );
    }
}
