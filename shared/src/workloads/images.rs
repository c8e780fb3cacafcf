//! Image references and the registries they live in: Google Container
//! Registry and Artifact Registry (with the project that owns them), Amazon
//! ECR, Docker Hub, and any other registry (basic auth). A migrated
//! workload's image must name its registry host explicitly.

use serde::{Deserialize, Serialize};

/// An image reference split the way registries read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ImageRef {
    /// As written in the spec.
    pub image: String,
    /// `gcr.io`, `europe-docker.pkg.dev`, `123.dkr.ecr.us-east-1.amazonaws.com`.
    pub host: String,
    /// The repository path without tag or digest: `project-a/app`.
    pub repository: String,
}

/// Why an image reference is not deployable as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error(
        "image {image:?} does not name its registry host; write it in full, e.g. gcr.io/PROJECT_ID/{image}"
    )]
    NoHost { image: String },
    #[error("image {image:?} is not a valid image reference")]
    Malformed { image: String },
}

impl ImageRef {
    /// Parses `host/path[:tag][@digest]`, refusing a reference without host.
    pub fn parse(image: &str) -> Result<Self, ImageError> {
        let malformed = || ImageError::Malformed {
            image: image.to_owned(),
        };
        if image.is_empty() || image.chars().any(char::is_whitespace) {
            return Err(malformed());
        }
        let without_digest = image.split('@').next().unwrap_or(image);
        let Some((host, rest)) = without_digest.split_once('/') else {
            return Err(ImageError::NoHost {
                image: image.to_owned(),
            });
        };
        if !(host.contains('.') || host.contains(':') || host == "localhost") {
            return Err(ImageError::NoHost {
                image: image.to_owned(),
            });
        }
        let repository = match rest.rsplit_once('/') {
            Some((head, last)) => format!("{head}/{}", last.split(':').next().unwrap_or(last)),
            None => rest.split(':').next().unwrap_or(rest).to_owned(),
        };
        if repository.is_empty() || repository.split('/').any(str::is_empty) {
            return Err(malformed());
        }
        Ok(Self {
            image: image.to_owned(),
            host: host.to_owned(),
            repository,
        })
    }

    pub fn registry(&self) -> Registry {
        Registry::of(&self.host, &self.repository)
    }
}

/// What kind of registry an image is pulled from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RegistryKind {
    /// `gcr.io/<project>/…` and `<region>.gcr.io/<project>/…`: images live in
    /// the bucket `artifacts.<project>.appspot.com` (or `<region>.artifacts…`).
    Gcr {
        project: String,
    },
    /// `<location>-docker.pkg.dev/<project>/<repository>/…`.
    ArtifactRegistry {
        project: String,
        location: String,
        repository: String,
    },
    /// `<account>.dkr.ecr.<region>.amazonaws.com`.
    Ecr {
        account: String,
        region: String,
    },
    DockerHub,
    /// Any other registry: basic auth with a user and password.
    Other,
}

/// A registry host and, for project registries, the owning project.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Registry {
    pub host: String,
    pub kind: RegistryKind,
}

impl Registry {
    pub fn of(host: &str, repository: &str) -> Self {
        let mut segments = repository.split('/');
        let first = segments.next().unwrap_or_default().to_owned();
        let kind = if host == "gcr.io" || host.ends_with(".gcr.io") {
            RegistryKind::Gcr { project: first }
        } else if let Some(location) = host.strip_suffix("-docker.pkg.dev") {
            RegistryKind::ArtifactRegistry {
                project: first,
                location: location.to_owned(),
                repository: segments.next().unwrap_or_default().to_owned(),
            }
        } else if let Some((account, region)) = ecr_host(host) {
            RegistryKind::Ecr { account, region }
        } else if matches!(
            host,
            "docker.io" | "index.docker.io" | "registry-1.docker.io"
        ) {
            RegistryKind::DockerHub
        } else {
            RegistryKind::Other
        };
        Self {
            host: host.to_owned(),
            kind,
        }
    }

    /// The Google Cloud project owning a GCR / Artifact Registry repository.
    pub fn project(&self) -> Option<&str> {
        match &self.kind {
            RegistryKind::Gcr { project } | RegistryKind::ArtifactRegistry { project, .. } => {
                Some(project)
            }
            _ => None,
        }
    }

    /// Whether a Google JSON key (user `_json_key`) authenticates here.
    pub fn is_google(&self) -> bool {
        self.project().is_some()
    }

    /// `gcr.io/project-a`, `europe-docker.pkg.dev/p/repo`, or the host.
    pub fn title(&self) -> String {
        match &self.kind {
            RegistryKind::Gcr { project } => format!("{}/{project}", self.host),
            RegistryKind::ArtifactRegistry {
                project,
                repository,
                ..
            } => format!("{}/{project}/{repository}", self.host),
            _ => self.host.clone(),
        }
    }
}

/// `123456789012.dkr.ecr.eu-west-1.amazonaws.com` → (account, region).
fn ecr_host(host: &str) -> Option<(String, String)> {
    let rest = host
        .strip_suffix(".amazonaws.com")
        .or_else(|| host.strip_suffix(".amazonaws.com.cn"))?;
    let mut parts = rest.split('.');
    let account = parts.next()?;
    let (dkr, ecr, region) = (parts.next()?, parts.next()?, parts.next()?);
    let valid = dkr == "dkr"
        && ecr == "ecr"
        && parts.next().is_none()
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit());
    valid.then(|| (account.to_owned(), region.to_owned()))
}

/// The distinct registries of `images`, in order.
pub fn registries_of<'a>(images: impl IntoIterator<Item = &'a ImageRef>) -> Vec<Registry> {
    let mut found: Vec<Registry> = images.into_iter().map(ImageRef::registry).collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_need_a_registry_host() {
        let image = ImageRef::parse("gcr.io/project-a/quickstart-instance:v1.0.0").unwrap();
        assert_eq!(image.host, "gcr.io");
        assert_eq!(image.repository, "project-a/quickstart-instance");
        assert_eq!(
            ImageRef::parse("quickstart-instance:v1.0.0"),
            Err(ImageError::NoHost {
                image: "quickstart-instance:v1.0.0".into()
            })
        );
        assert!(matches!(
            ImageRef::parse("library/nginx"),
            Err(ImageError::NoHost { .. })
        ));
        assert!(matches!(
            ImageRef::parse("gcr.io/"),
            Err(ImageError::Malformed { .. })
        ));
        assert!(matches!(
            ImageRef::parse("gcr.io/a b"),
            Err(ImageError::Malformed { .. })
        ));
        let local = ImageRef::parse("localhost:5000/app@sha256:abc").unwrap();
        assert_eq!(
            (local.host.as_str(), local.repository.as_str()),
            ("localhost:5000", "app")
        );
    }

    #[test]
    fn registries_are_classified_with_their_owner() {
        let kind = |image: &str| ImageRef::parse(image).unwrap().registry().kind;
        assert_eq!(
            kind("eu.gcr.io/project-a/app:1"),
            RegistryKind::Gcr {
                project: "project-a".into()
            }
        );
        assert_eq!(
            kind("europe-west1-docker.pkg.dev/project-b/migrated/app:1"),
            RegistryKind::ArtifactRegistry {
                project: "project-b".into(),
                location: "europe-west1".into(),
                repository: "migrated".into()
            }
        );
        assert_eq!(
            kind("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1"),
            RegistryKind::Ecr {
                account: "123456789012".into(),
                region: "eu-west-1".into()
            }
        );
        assert_eq!(
            kind("12.dkr.ecr.eu-west-1.amazonaws.com/app"),
            RegistryKind::Other
        );
        assert_eq!(kind("docker.io/library/nginx:1"), RegistryKind::DockerHub);
        assert_eq!(kind("registry.example.com/team/app"), RegistryKind::Other);
    }

    #[test]
    fn registries_are_listed_once() {
        let images: Vec<ImageRef> = ["gcr.io/p/a:1", "gcr.io/p/b:2", "gcr.io/q/a:1"]
            .iter()
            .map(|i| ImageRef::parse(i).unwrap())
            .collect();
        let titles: Vec<String> = registries_of(&images).iter().map(Registry::title).collect();
        assert_eq!(titles, ["gcr.io/p", "gcr.io/q"]);
    }
}
