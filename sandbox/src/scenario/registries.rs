//! Who may pull which image: the scenario's `registries` rules, decided the
//! way the registries themselves decide. Project registries (`gcr.io/<p>/…`,
//! `<region>.gcr.io/<p>/…`, `<region>-docker.pkg.dev/<p>/…` for a project
//! `<p>` of the scenario) answer only clusters of that project or of a
//! project granted access; private registries answer only pulls carrying a
//! matching credential; public prefixes and everything else answer anyone.

use std::collections::BTreeSet;
use std::sync::RwLock;

use serde::Deserialize;

/// The `registries` section of a scenario file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RegistryRules {
    /// Prefixes anyone may pull (`docker.io`, `gcr.io/istio-release`).
    #[serde(default)]
    pub public: Vec<String>,
    /// Registry hosts that need a pull secret (`registry.example.com`).
    #[serde(default)]
    pub private: Vec<String>,
    /// Projects whose registries clusters of other projects may read.
    #[serde(default)]
    pub grants: Vec<Grant>,
}

/// `project`'s registries are readable by clusters of `readers`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Grant {
    pub project: String,
    pub readers: Vec<String>,
}

/// Why a registry refused a pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// A project registry answered 403 (no grant for the puller's project).
    Forbidden { host: String },
    /// A private registry answered without credentials.
    Unauthorized,
}

/// The rules of one fleet with the grants made since it started.
#[derive(Debug, Default)]
pub struct RegistryAccess {
    rules: RegistryRules,
    /// The scenario's project ids: only their registries are guarded.
    projects: Vec<String>,
    /// (owner project, reader project).
    grants: RwLock<BTreeSet<(String, String)>>,
}

/// An image reference split as registries see it: `nginx` →
/// (`docker.io`, `library/nginx`).
pub fn split_image(image: &str) -> (String, String) {
    let name = image.split('@').next().unwrap_or(image);
    let (first, rest) = name.split_once('/').unwrap_or(("", name));
    let host_given = first.contains('.') || first.contains(':') || first == "localhost";
    let (host, path) = match (first.is_empty(), host_given) {
        (true, _) => ("docker.io".to_owned(), format!("library/{rest}")),
        (false, true) => (first.to_owned(), rest.to_owned()),
        (false, false) => ("docker.io".to_owned(), name.to_owned()),
    };
    let path = match path.rsplit_once('/') {
        Some((head, last)) => format!("{head}/{}", last.split(':').next().unwrap_or(last)),
        None => path.split(':').next().unwrap_or(&path).to_owned(),
    };
    (host, path)
}

/// The project owning a project registry's repository, if `host` is one.
fn project_of<'a>(host: &str, path: &'a str) -> Option<&'a str> {
    let project_host =
        host == "gcr.io" || host.ends_with(".gcr.io") || host.ends_with("-docker.pkg.dev");
    project_host.then(|| path.split('/').next().unwrap_or_default())
}

/// Whether `prefix` (`gcr.io/istio-release`) covers `host/path`, segment by
/// segment.
fn covers(prefix: &str, host: &str, path: &str) -> bool {
    let full = format!("{host}/{path}");
    let prefix = prefix.trim_end_matches('/');
    full == prefix || full.starts_with(&format!("{prefix}/"))
}

impl RegistryAccess {
    pub fn new(rules: RegistryRules, projects: Vec<String>) -> Self {
        let grants = rules
            .grants
            .iter()
            .flat_map(|g| g.readers.iter().map(|r| (g.project.clone(), r.clone())))
            .collect();
        Self {
            rules,
            projects,
            grants: RwLock::new(grants),
        }
    }

    /// Lets clusters of `reader` pull from `owner`'s registries from now
    /// on (what granting the reader's node service account object viewer
    /// on the owner's registry bucket does).
    pub fn grant(&self, owner: &str, reader: &str) {
        self.grants
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert((owner.to_owned(), reader.to_owned()));
    }

    pub fn revoke(&self, owner: &str, reader: &str) {
        self.grants
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&(owner.to_owned(), reader.to_owned()));
    }

    fn granted(&self, owner: &str, reader: &str) -> bool {
        owner == reader
            || self
                .grants
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .contains(&(owner.to_owned(), reader.to_owned()))
    }

    /// Whether a node of a cluster in `reader_project` may pull `image`;
    /// `credential(host, path)` says whether the pod carries a pull secret
    /// for it.
    pub fn check(
        &self,
        image: &str,
        reader_project: &str,
        credential: impl Fn(&str, &str) -> bool,
    ) -> Result<(), Denied> {
        let (host, path) = split_image(image);
        if self.rules.public.iter().any(|p| covers(p, &host, &path)) || credential(&host, &path) {
            return Ok(());
        }
        if self.rules.private.iter().any(|p| covers(p, &host, &path)) {
            return Err(Denied::Unauthorized);
        }
        match project_of(&host, &path) {
            Some(owner)
                if self.projects.iter().any(|p| p == owner)
                    && !self.granted(owner, reader_project) =>
            {
                Err(Denied::Forbidden { host })
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access() -> RegistryAccess {
        RegistryAccess::new(
            RegistryRules {
                public: vec!["docker.io".into(), "gcr.io/istio-release".into()],
                private: vec!["registry.example.com".into()],
                grants: vec![Grant {
                    project: "project-b".into(),
                    readers: vec!["project-a".into()],
                }],
            },
            vec![
                "project-a".into(),
                "project-b".into(),
                "istio-release".into(),
            ],
        )
    }

    const NONE: fn(&str, &str) -> bool = |_, _| false;

    #[test]
    fn images_split_into_host_and_repository() {
        assert_eq!(
            split_image("nginx:1.27"),
            ("docker.io".into(), "library/nginx".into())
        );
        assert_eq!(
            split_image("istio/proxyv2"),
            ("docker.io".into(), "istio/proxyv2".into())
        );
        assert_eq!(
            split_image("localhost:5000/app:v1"),
            ("localhost:5000".into(), "app".into())
        );
        assert_eq!(
            split_image("gcr.io/p/app@sha256:abc"),
            ("gcr.io".into(), "p/app".into())
        );
    }

    #[test]
    fn project_registries_answer_their_project_and_grantees() {
        let a = access();
        for image in [
            "gcr.io/project-a/app:1",
            "eu.gcr.io/project-a/app",
            "us-central1-docker.pkg.dev/project-a/repo/app:1",
        ] {
            assert_eq!(a.check(image, "project-a", NONE), Ok(()), "{image}");
            assert_eq!(
                a.check(image, "project-b", NONE),
                Err(Denied::Forbidden {
                    host: split_image(image).0
                }),
                "{image}"
            );
        }
        // project-a was granted project-b's registries.
        assert_eq!(a.check("gcr.io/project-b/app:1", "project-a", NONE), Ok(()));
        a.grant("project-a", "project-b");
        assert_eq!(a.check("gcr.io/project-a/app:1", "project-b", NONE), Ok(()));
        a.revoke("project-a", "project-b");
        // A pull secret for the host also opens it.
        let gcr = |host: &str, _: &str| host == "gcr.io";
        assert_eq!(a.check("gcr.io/project-a/app:1", "project-b", gcr), Ok(()));
    }

    #[test]
    fn public_prefixes_private_hosts_and_the_rest() {
        let a = access();
        assert_eq!(a.check("gcr.io/istio-release/pilot:1.9", "x", NONE), Ok(()));
        assert_eq!(a.check("gcr.io/istio-releases/pilot", "x", NONE), Ok(()));
        assert_eq!(a.check("nginx", "x", NONE), Ok(()));
        assert_eq!(
            a.check("gcr.io/google-samples/hello-app:1.0", "x", NONE),
            Ok(())
        );
        assert_eq!(
            a.check("registry.example.com/team/app:1", "project-a", NONE),
            Err(Denied::Unauthorized)
        );
        let secret = |host: &str, _: &str| host == "registry.example.com";
        assert_eq!(
            a.check("registry.example.com/team/app:1", "project-a", secret),
            Ok(())
        );
        // Without rules nothing is guarded.
        let open = RegistryAccess::default();
        assert_eq!(open.check("gcr.io/project-a/app", "", NONE), Ok(()));
    }
}
