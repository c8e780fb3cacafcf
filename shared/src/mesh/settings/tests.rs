//! Fixtures for install settings (shared with the plan and preflight
//! tests) and the settings rules' tests.

use super::*;
use crate::fleet::{Member, Project, Reachability};

pub fn cluster(name: &str, platform: Platform, project: &str, network: &str) -> Cluster {
    let number = if project == "project-a" {
        "482915370162"
    } else {
        "739104825531"
    };
    Cluster::new(
        Member {
            project: Some(Project {
                id: project.into(),
                number: number.into(),
            }),
            network: Some(network.into()),
            ..Member::new(name.parse().expect("valid"), "europe-west1-c", platform)
        },
        Reachability::Reachable { since: 0 },
    )
}

/// The default sandbox fleet's members, without nodes.
pub fn fleet() -> Fleet {
    Fleet {
        version: 1,
        name: Some("meshdeck-demo".into()),
        project: Some("project-a".into()),
        clusters: vec![
            cluster("gke-us", Platform::Gke, "project-a", "vpc-a"),
            cluster("gke-eu", Platform::Gke, "project-a", "vpc-a"),
            cluster("gke-asia-2", Platform::Gke, "project-b", "vpc-b"),
            cluster(
                "onprem-vmware-1",
                Platform::GkeOnVmware,
                "project-a",
                "onprem-vmware-1-net",
            ),
            cluster(
                "baremetal-1",
                Platform::BareMetal,
                "project-b",
                "baremetal-1-net",
            ),
        ],
    }
}

pub fn tag() -> VersionTag {
    "1.10.6-asm.2".parse().expect("valid")
}

pub fn settings(fleet: &Fleet, name: &str) -> InstallSettings {
    let c = fleet.cluster(name).expect("in the fleet");
    InstallSettings::suggested(fleet, c, tag()).expect("suggestible")
}

#[test]
fn suggestions_follow_the_seeds() {
    let f = fleet();
    let s = settings(&f, "onprem-vmware-1");
    assert_eq!(s.revision.as_str(), "asm-1106-2");
    assert_eq!(s.profile, Profile::AsmMulticloud);
    assert_eq!(s.mesh_id.as_str(), "proj-482915370162");
    assert_eq!(s.network.as_str(), "onprem-vmware-1-net");
    assert_eq!(s.cluster_name.as_str(), "onprem-vmware-1");
    let aliases: Vec<_> = s
        .trust_domain_aliases
        .iter()
        .map(TrustDomain::as_str)
        .collect();
    assert_eq!(aliases, ["project-a.svc.id.goog", "project-b.svc.id.goog"]);
    assert_eq!(settings(&f, "gke-eu").profile, Profile::AsmGcpMultiproject);
    assert!(
        s.problems(&f, f.cluster("onprem-vmware-1").expect("c"))
            .is_empty()
    );
}

#[test]
fn field_formats_are_checked_with_reasons() {
    assert!("proj-482915370162".parse::<MeshId>().is_ok());
    for bad in ["482915370162", "proj-", "proj-abc", "project-482915370162"] {
        let err = bad.parse::<MeshId>().expect_err(bad);
        assert!(err.reason.contains("proj-<PROJECT_NUMBER>"));
    }
    assert!("onprem_net.1".parse::<NetworkId>().is_ok());
    assert!("Net-A".parse::<NetworkId>().is_ok());
    assert!(
        "-net"
            .parse::<NetworkId>()
            .unwrap_err()
            .reason
            .contains("start and end")
    );
    assert!(
        "net/a"
            .parse::<NetworkId>()
            .unwrap_err()
            .reason
            .contains("only letters")
    );
    assert!(
        "a".repeat(64)
            .parse::<NetworkId>()
            .unwrap_err()
            .reason
            .contains("63")
    );
    assert!("".parse::<NetworkId>().is_err());
    assert!("project-a.svc.id.goog".parse::<TrustDomain>().is_ok());
    assert!("Project_A.svc".parse::<TrustDomain>().is_err());
    assert!("a..b".parse::<TrustDomain>().is_err());
}

#[test]
fn cross_field_problems_name_their_field() {
    let f = fleet();
    let onprem = f.cluster("onprem-vmware-1").expect("c");
    let mut s = settings(&f, "onprem-vmware-1");
    s.profile = Profile::AsmGcpMultiproject;
    s.mesh_id = "proj-1".parse().expect("valid");
    s.trust_domain_aliases
        .push("project-a.svc.id.goog".parse().expect("valid"));
    let problems = s.problems(&f, onprem);
    let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
    assert_eq!(
        fields,
        [
            SettingsField::Profile,
            SettingsField::MeshId,
            SettingsField::TrustDomainAliases
        ]
    );
    assert!(problems[0].message.contains("use asm-multicloud"));
    assert!(problems[1].message.contains("proj-482915370162"));
    assert!(problems[2].message.contains("listed twice"));
}

#[test]
fn hsm_mode_needs_its_slot_kek_and_vault_secret() {
    let f = fleet();
    let cluster = f.cluster("gke-eu").expect("c");
    let mut s = settings(&f, "gke-eu");
    s.ca = CaMode::Hsm;
    let problems = s.problems(&f, cluster);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].field, SettingsField::Ca);
    assert!(problems[0].message.contains("are required"));
    let mut hsm =
        super::super::hsm::HsmSettings::suggested(cluster.name(), "http://127.0.0.1:8200");
    s.hsm = Some(hsm.clone());
    let fields: Vec<_> = s
        .problems(&f, cluster)
        .into_iter()
        .map(|p| p.field)
        .collect();
    assert_eq!(fields, [SettingsField::HsmKekId]);
    hsm.kek_id = "7651a4ea-eeb7-4c1f-927b-8c871c2127aa".into();
    s.hsm = Some(hsm);
    assert!(s.problems(&f, cluster).is_empty());
}

#[test]
fn mesh_ca_needs_the_fleet_project_for_its_trust_domain() {
    let mut f = fleet();
    assert_eq!(
        trust_domain(&f, CaMode::MeshCa).expect("known").as_str(),
        "project-a.svc.id.goog"
    );
    f.project = None;
    let gke = f.cluster("gke-eu").expect("c").clone();
    let mut s = InstallSettings::suggested(&f, &gke, tag()).expect("own project number");
    assert_eq!(s.mesh_id.as_str(), "proj-482915370162");
    s.ca = CaMode::MeshCa;
    let problems = s.problems(&f, &gke);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].message.contains("<FLEET_PROJECT>.svc.id.goog"));
    assert_eq!(
        trust_domain(&f, CaMode::IstioCaPluginCerts)
            .expect("fallback")
            .as_str(),
        "cluster.local"
    );
}

#[test]
fn settings_round_trip_as_json() {
    let f = fleet();
    let s = settings(&f, "gke-eu");
    let json = serde_json::to_string(&s).expect("json");
    assert!(json.contains("\"profile\":\"asm-gcp-multiproject\""));
    assert!(json.contains("\"ca\":\"istio_ca_plugin_certs\""));
    assert_eq!(
        serde_json::from_str::<InstallSettings>(&json).expect("parses"),
        s
    );
}
