//! The console's sections and their URLs: one table for the navigation, the
//! router and the browser journeys.

/// A top-level area of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    Fleet,
    Mesh,
    Security,
    Ingress,
    Workloads,
    Activity,
}

impl Section {
    /// In navigation order.
    pub const ALL: [Section; 6] = [
        Section::Fleet,
        Section::Mesh,
        Section::Security,
        Section::Ingress,
        Section::Workloads,
        Section::Activity,
    ];

    /// The URL segment, e.g. `mesh`.
    pub fn slug(self) -> &'static str {
        match self {
            Section::Fleet => "fleet",
            Section::Mesh => "mesh",
            Section::Security => "security",
            Section::Ingress => "ingress",
            Section::Workloads => "workloads",
            Section::Activity => "activity",
        }
    }

    /// The fleet-wide page, e.g. `/mesh`.
    pub fn path(self) -> String {
        format!("/{}", self.slug())
    }

    /// The page of this section for one member cluster, e.g. `/c/gke-eu/mesh`.
    pub fn cluster_path(self, cluster: &crate::ClusterName) -> String {
        format!("/c/{cluster}/{}", self.slug())
    }

    /// The page heading and navigation label.
    pub fn title(self) -> &'static str {
        match self {
            Section::Fleet => "Fleet",
            Section::Mesh => "Mesh",
            Section::Security => "Security",
            Section::Ingress => "Ingress",
            Section::Workloads => "Workloads",
            Section::Activity => "Activity",
        }
    }

    /// One sentence saying what the section is for.
    pub fn summary(self) -> &'static str {
        match self {
            Section::Fleet => {
                "Member clusters by location and platform, the config cluster, mesh revisions and trust relationships."
            }
            Section::Mesh => {
                "Control plane revisions per cluster: install with a reviewed plan, migrate namespaces, roll back, finish."
            }
            Section::Security => {
                "Certificate signing requests awaiting a decision, the mesh root CA and the trust inventory."
            }
            Section::Ingress => {
                "MultiClusterService and MultiClusterIngress in the config cluster, with the clusters each one selects."
            }
            Section::Workloads => {
                "Deploy migrated workloads to a member cluster, fix registry access and follow the rollout."
            }
            Section::Activity => {
                "Who changed what, on which cluster, and how it went: the audit log."
            }
        }
    }

    /// The section whose slug is `slug`.
    pub fn from_slug(slug: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.slug() == slug)
    }

    /// Whether the section has a per-cluster page under `/c/:cluster/`.
    pub fn per_cluster(self) -> bool {
        matches!(self, Section::Mesh | Section::Workloads | Section::Security)
    }
}

/// Where install or migration run `id` opens: the Mesh page with the run
/// below its list.
pub fn run_path(id: &str) -> String {
    format!("/mesh?run={id}")
}

/// The browser tab's title for a console URL path, most specific part
/// first (`gke-eu · Mesh · meshdeck`): every page has its own.
pub fn page_title(path: &str, signed_in: bool) -> String {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let page = if !signed_in {
        "Sign in".to_owned()
    } else {
        match parts.as_slice() {
            [] => Section::Fleet.title().to_owned(),
            ["accounts"] => "Accounts".to_owned(),
            ["c", cluster] => format!("{cluster} · Clusters"),
            ["c", cluster, slug] => match Section::from_slug(slug).filter(|s| s.per_cluster()) {
                Some(section) => format!("{cluster} · {}", section.title()),
                None => "Not found".to_owned(),
            },
            ["ingress", kind @ ("services" | "ingresses"), rest @ ..] => {
                let kind = if *kind == "services" {
                    "MultiClusterService"
                } else {
                    "MultiClusterIngress"
                };
                match rest {
                    ["new"] => format!("New {kind} · Ingress"),
                    [namespace, name] => format!("{kind} {namespace}/{name} · Ingress"),
                    _ => "Not found".to_owned(),
                }
            }
            [slug] => Section::from_slug(slug)
                .map_or("Not found", Section::title)
                .to_owned(),
            _ => "Not found".to_owned(),
        }
    };
    format!("{page} · meshdeck")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_has_its_own_title() {
        let titles = [
            ("/fleet", "Fleet · meshdeck"),
            ("/", "Fleet · meshdeck"),
            ("/mesh", "Mesh · meshdeck"),
            ("/activity", "Activity · meshdeck"),
            ("/accounts", "Accounts · meshdeck"),
            ("/c/gke-eu", "gke-eu · Clusters · meshdeck"),
            ("/c/gke-eu/mesh", "gke-eu · Mesh · meshdeck"),
            ("/c/gke-eu/fleet", "Not found · meshdeck"),
            (
                "/ingress/services/new",
                "New MultiClusterService · Ingress · meshdeck",
            ),
            (
                "/ingress/ingresses/web/zone",
                "MultiClusterIngress web/zone · Ingress · meshdeck",
            ),
            ("/nope", "Not found · meshdeck"),
        ];
        for (path, title) in titles {
            assert_eq!(page_title(path, true), title, "{path}");
        }
        assert_eq!(page_title("/mesh", false), "Sign in · meshdeck");
        let mut all: Vec<String> = Section::ALL
            .iter()
            .map(|s| page_title(&s.path(), true))
            .collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), Section::ALL.len());
    }

    #[test]
    fn slugs_round_trip_and_are_unique() {
        for section in Section::ALL {
            assert_eq!(Section::from_slug(section.slug()), Some(section));
        }
        let mut slugs: Vec<_> = Section::ALL.iter().map(|s| s.slug()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), Section::ALL.len());
        assert_eq!(Section::from_slug("nope"), None);
    }

    #[test]
    fn cluster_paths_nest_under_c() {
        let cluster = "gke-eu".parse().unwrap();
        assert_eq!(Section::Mesh.cluster_path(&cluster), "/c/gke-eu/mesh");
        assert_eq!(Section::Activity.path(), "/activity");
    }
}
