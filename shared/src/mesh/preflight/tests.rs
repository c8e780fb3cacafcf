use super::*;
use crate::fleet::{ControlPlane, Node, Platform};
use crate::mesh::settings::CaMode;
use crate::mesh::settings::tests::{fleet, settings};

fn nodes(count: usize, cpu_millis: u64, memory_bytes: u64) -> Vec<Node> {
    (0..count)
        .map(|i| Node {
            name: format!("node-{i}"),
            cpu_millis,
            memory_bytes,
            ready: true,
        })
        .collect()
}

/// The fleet with every cluster sized like the sandbox's gke-eu.
fn sized_fleet() -> Fleet {
    let mut f = fleet();
    for c in &mut f.clusters {
        c.nodes = nodes(4, 4_000, 16 << 30);
        c.kubernetes_version = Some("v1.21.5-gke.1302".into());
    }
    f
}

fn svc(namespace: &str, name: &str, ports: &[(&str, u16)]) -> ServicePorts {
    ServicePorts {
        namespace: namespace.into(),
        name: name.into(),
        ports: ports
            .iter()
            .map(|(n, p)| ServicePort {
                name: (*n).into(),
                port: *p,
                protocol: "TCP".into(),
            })
            .collect(),
    }
}

fn run(f: &Fleet, name: &str, s: &InstallSettings, services: &[ServicePorts]) -> PreflightReport {
    PreflightReport::run(&PreflightInput {
        fleet: f,
        cluster: f.cluster(name).expect("in the fleet"),
        settings: s,
        services,
        admin: false,
        membership: Some("membership"),
        hsm: None,
        mesh_roots: std::slice::from_ref(&s.mesh_id),
        issuance: &granted(f, s),
    })
}

/// An active issuance grant for `s`'s mesh and the fleet's trust domain.
fn granted(f: &Fleet, s: &InstallSettings) -> Vec<crate::csr::GrantedIssuance> {
    vec![crate::csr::GrantedIssuance {
        mesh: s.mesh_id.clone(),
        trust_domain: crate::mesh::settings::trust_domain(f, CaMode::IstioCaPluginCerts)
            .expect("a trust domain"),
        grant: "grant-1".into(),
    }]
}

fn result(f: &Fleet, name: &str, check: Check) -> CheckResult {
    let s = settings(f, name);
    run(f, name, &s, &[])
        .result(check)
        .expect("checked")
        .clone()
}

fn text(r: &CheckResult) -> String {
    r.evidence.join("\n")
}

#[test]
fn a_healthy_cluster_passes_everything() {
    let f = sized_fleet();
    let s = settings(&f, "gke-eu");
    let report = run(&f, "gke-eu", &s, &[svc("blue", "foo", &[("http", 80)])]);
    assert_eq!(report.results.len(), 8);
    for r in &report.results {
        assert_eq!(r.verdict, Verdict::Pass, "{:?}: {}", r.check, text(r));
    }
    assert!(!report.blocks_install());
    assert_eq!(report.allow(&[]), Ok(()));
}

#[test]
fn capacity_counts_nodes_cpu_and_memory_in_total() {
    let mut f = sized_fleet();
    let r = result(&f, "gke-eu", Check::Capacity);
    assert_eq!(r.verdict, Verdict::Pass);
    assert_eq!(
        text(&r),
        "4 nodes with 16 vCPU and 68.7 GB (64 GiB) allocatable in total."
    );
    // baremetal-1 of the sandbox: 3 nodes of 2 vCPU / 8 GiB.
    f.cluster_mut("baremetal-1").expect("c").nodes = nodes(3, 2_000, 8 << 30);
    let r = result(&f, "baremetal-1", Check::Capacity);
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(text(&r).contains("only 3 of 4 nodes."), "{}", text(&r));
    // Four tiny nodes: short of CPU and memory, not of nodes.
    f.cluster_mut("baremetal-1").expect("c").nodes = nodes(4, 900, 3_500_000_000);
    let r = result(&f, "baremetal-1", Check::Capacity);
    assert!(
        text(&r).contains("only 3.6 vCPU of 4 vCPU, 14 GB (13.04 GiB) of 15 GB memory."),
        "{}",
        text(&r)
    );
    // 15 GB is decimal: 15 GB exactly passes, 14 GiB (15.03 GB) too.
    f.cluster_mut("baremetal-1").expect("c").nodes = nodes(4, 1_000, 3_750_000_000);
    assert_eq!(
        result(&f, "baremetal-1", Check::Capacity).verdict,
        Verdict::Pass
    );
    // Big enough, but a node not Ready.
    f.cluster_mut("baremetal-1").expect("c").nodes[0].ready = false;
    let r = result(&f, "baremetal-1", Check::Capacity);
    assert_eq!(r.verdict, Verdict::Warn);
    assert!(text(&r).contains("1 node(s) are not Ready"));
    f.cluster_mut("baremetal-1").expect("c").nodes.clear();
    assert!(text(&result(&f, "baremetal-1", Check::Capacity)).contains("0 nodes with 0 vCPU"));
}

#[test]
fn kubernetes_version_uses_the_release_support_range() {
    let mut f = sized_fleet();
    let set = |f: &mut Fleet, v: Option<&str>| {
        f.cluster_mut("gke-eu").expect("c").kubernetes_version = v.map(str::to_owned)
    };
    let r = result(&f, "gke-eu", Check::KubernetesVersion);
    assert_eq!(r.verdict, Verdict::Pass);
    assert_eq!(
        text(&r),
        "Kubernetes 1.21 (v1.21.5-gke.1302): ASM 1.10.6-asm.2 supports Kubernetes 1.18 to 1.21 (end of support 2022-06-30)."
    );
    set(&mut f, Some("v1.17.9"));
    let r = result(&f, "gke-eu", Check::KubernetesVersion);
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(text(&r).contains("too old: ASM 1.10.6-asm.2 supports Kubernetes 1.18 to 1.21"));
    set(&mut f, None);
    assert_eq!(
        result(&f, "gke-eu", Check::KubernetesVersion).verdict,
        Verdict::Fail
    );
    set(&mut f, Some("banana"));
    assert!(text(&result(&f, "gke-eu", Check::KubernetesVersion)).contains("Cannot read"));
    // A release the catalogue does not know: warn, do not guess.
    set(&mut f, Some("v1.30.1"));
    let mut s = settings(&f, "gke-eu");
    s.version = "1.24.2-asm.1".parse().expect("valid");
    let r = run(&f, "gke-eu", &s, &[]);
    let r = r.result(Check::KubernetesVersion).expect("checked");
    assert_eq!(r.verdict, Verdict::Warn);
    assert!(text(r).contains("the release catalogue has no ASM 1.24 release"));
}

/// The sandbox's Kubernetes: a current release passes, a seed release
/// warns naming its range.
#[test]
fn on_kubernetes_1_37_a_current_release_passes_and_a_seed_release_warns() {
    let mut f = sized_fleet();
    f.cluster_mut("gke-eu").expect("c").kubernetes_version =
        Some("v1.37.0-meshdeck-sandbox".into());
    let mut s = settings(&f, "gke-eu");
    let current = crate::mesh::form::default_release().expect("catalogue");
    s.version = current.version.clone();
    let r = run(&f, "gke-eu", &s, &[]);
    let r = r.result(Check::KubernetesVersion).expect("checked");
    assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
    assert!(text(r).contains("ASM 1.31.2-asm.1 supports Kubernetes 1.33 to 1.37"));
    for (seed, range) in [
        ("1.10.6-asm.2", "Kubernetes 1.18 to 1.21"),
        ("1.7.8-asm.10", "Kubernetes 1.16 to 1.18"),
    ] {
        s.version = seed.parse().expect("valid");
        let r = run(&f, "gke-eu", &s, &[]);
        let r = r.result(Check::KubernetesVersion).expect("checked");
        assert_eq!(r.verdict, Verdict::Warn, "{r:?}");
        assert!(
            text(r).starts_with(&format!(
                "Kubernetes 1.37 (v1.37.0-meshdeck-sandbox) is newer than tested: ASM {seed} supports {range}"
            )),
            "{r:?}"
        );
    }
}

/// A release added to a catalogue is checked with no code change.
#[test]
fn a_release_added_to_the_catalogue_is_used() {
    use crate::mesh::catalogue::Catalogue;
    let mut f = sized_fleet();
    f.cluster_mut("gke-eu").expect("c").kubernetes_version = Some("v1.39.2".into());
    let c = f.cluster("gke-eu").expect("c");
    let tag: crate::mesh::VersionTag = "1.40.1-asm.2".parse().expect("valid");
    let builtin = cluster::kubernetes_version(c, &tag, Catalogue::builtin());
    assert_eq!(builtin.verdict, Verdict::Warn);
    let added = Catalogue::parse(
        r#"{"default": "1.40.1-asm.2", "releases": [
            {"version": "1.40.1-asm.2", "revision": "asm-1401-2",
             "kubernetes": {"min": "1.38", "max": "1.42"}, "end_of_support": "2029-01-31"}]}"#,
    )
    .expect("parses");
    let r = cluster::kubernetes_version(c, &tag, Ok(&added));
    assert_eq!(r.verdict, Verdict::Pass);
    assert_eq!(
        text(&r),
        "Kubernetes 1.39 (v1.39.2): ASM 1.40.1-asm.2 supports Kubernetes 1.38 to 1.42 (end of support 2029-01-31)."
    );
    let broken = Catalogue::parse("[]").expect_err("not a catalogue");
    let r = cluster::kubernetes_version(c, &tag, Err(&broken));
    assert_eq!(r.verdict, Verdict::Warn);
    assert!(text(&r).contains("the release catalogue is not valid"));
}

#[test]
fn on_prem_admin_clusters_are_refused() {
    let f = sized_fleet();
    let s = settings(&f, "onprem-vmware-1");
    let input = |admin| PreflightInput {
        fleet: &f,
        cluster: f.cluster("onprem-vmware-1").expect("c"),
        settings: &s,
        services: &[],
        admin,
        membership: Some("membership"),
        hsm: None,
        mesh_roots: std::slice::from_ref(&s.mesh_id),
        issuance: &[],
    };
    let report = PreflightReport::run(&input(true));
    let r = report.result(Check::UserCluster).expect("checked");
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(text(r).contains("onprem-vmware-1 is an on-prem admin cluster (GKE on VMware)"));
    // No override lifts it, whatever else is overridden.
    assert!(!r.overridable && Check::UserCluster.never_overridden());
    let blocked = report
        .allow(&[Check::UserCluster, Check::Capacity])
        .expect_err("an admin cluster never gets a mesh");
    assert!(blocked.hard.contains(&Check::UserCluster), "{blocked:?}");
    assert!(
        blocked
            .to_string()
            .contains("; Not an on-prem admin cluster"),
        "{blocked}"
    );
    let r = PreflightReport::run(&input(false));
    assert_eq!(
        r.result(Check::UserCluster).expect("checked").verdict,
        Verdict::Pass
    );
    assert!(text(&result(&f, "gke-eu", Check::UserCluster)).contains("GKE cluster"));
}

#[test]
fn misnamed_ports_are_listed_with_a_better_name() {
    let f = sized_fleet();
    let s = settings(&f, "onprem-vmware-1");
    let mut udp = svc("kube-system", "dns", &[("", 53)]);
    udp.ports[0].protocol = "UDP".into();
    let services = [
        svc("blue", "foo", &[("http", 80)]),
        svc("blue", "bar", &[("web", 80)]),
        svc("kube-system", "stackdriver-metadata", &[("metrics", 8080)]),
        svc(
            "shop",
            "api",
            &[
                ("grpc-web", 8080),
                ("GRPC-api", 9000),
                ("tcp_db", 5432),
                ("https-admin", 8443),
            ],
        ),
        udp,
    ];
    let r = run(&f, "onprem-vmware-1", &s, &services);
    let r = r.result(Check::ServicePortNames).expect("checked");
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(r.evidence[0].starts_with("4 of 8 Service port(s) are not named protocol[-suffix]"));
    assert_eq!(
        &r.evidence[1..],
        [
            "blue/bar: port \"web\" (80/TCP) should be named like \"http-web\"",
            "kube-system/stackdriver-metadata: port \"metrics\" (8080/TCP) should be named like \"http-metrics\"",
            "shop/api: port \"tcp_db\" (5432/TCP) should be named like \"tcp-tcp-db\"",
            "kube-system/dns: an unnamed port (53/UDP) should be named like \"udp\"",
        ]
    );
    let ok = run(&f, "onprem-vmware-1", &s, &services[..1]);
    let ok = ok.result(Check::ServicePortNames).expect("checked");
    assert_eq!(ok.verdict, Verdict::Pass);
    assert_eq!(
        text(ok),
        "All 1 port(s) of 1 Service(s) are named protocol[-suffix]."
    );
    assert_eq!(ports::protocol_of("grpc-web-ui"), Some("grpc-web"));
    assert_eq!(ports::protocol_of("http2"), Some("http2"));
    assert_eq!(ports::protocol_of("httpx"), None);
}

#[test]
fn revision_must_match_the_version_tag() {
    let f = sized_fleet();
    let mut s = settings(&f, "gke-eu");
    s.revision = "asm-178-10".parse().expect("valid");
    let r = run(&f, "gke-eu", &s, &[]);
    let r = r.result(Check::RevisionAndVersion).expect("checked");
    assert_eq!(r.verdict, Verdict::Fail);
    assert_eq!(
        text(r),
        "Revision asm-178-10 names another version: for version tag 1.10.6-asm.2 it should be asm-1106-2."
    );
    s.revision = "canary".parse().expect("valid");
    let r = run(&f, "gke-eu", &s, &[]);
    assert!(
        text(r.result(Check::RevisionAndVersion).expect("checked"))
            .contains("does not follow asm-<version digits>-<build>")
    );
    assert_eq!(
        text(&result(&f, "gke-eu", Check::RevisionAndVersion)),
        "Revision asm-1106-2 matches version tag 1.10.6-asm.2."
    );
}

#[test]
fn network_ids_are_unique_per_on_prem_cluster() {
    let f = sized_fleet();
    let mut s = settings(&f, "onprem-vmware-1");
    let check = |s: &InstallSettings, name: &str| {
        run(&f, name, s, &[])
            .result(Check::Network)
            .expect("checked")
            .clone()
    };
    let r = check(&s, "onprem-vmware-1");
    assert_eq!(r.verdict, Verdict::Pass);
    assert!(text(&r).contains("used by no other member"));
    s.network = "baremetal-1-net".parse().expect("valid");
    let r = check(&s, "onprem-vmware-1");
    assert_eq!(r.verdict, Verdict::Fail);
    assert_eq!(
        text(&r),
        "Network id baremetal-1-net is already used by baremetal-1: every on-prem cluster needs a network id of its own."
    );
    // An on-prem cluster on a cloud VPC's network id.
    s.network = "vpc-a".parse().expect("valid");
    assert!(text(&check(&s, "onprem-vmware-1")).contains("used by gke-us, gke-eu"));
    // Cloud clusters share their VPC.
    let s = settings(&f, "gke-eu");
    let r = check(&s, "gke-eu");
    assert_eq!(r.verdict, Verdict::Pass);
    assert!(text(&r).contains("shared with gke-us"));
    // A cloud cluster taking an on-prem cluster's network.
    let mut s = settings(&f, "gke-eu");
    s.network = "onprem-vmware-1-net".parse().expect("valid");
    let r = check(&s, "gke-eu");
    assert_eq!(r.verdict, Verdict::Fail);
    // A valid id that differs from the fleet description warns.
    let mut s = settings(&f, "onprem-vmware-1");
    s.network = "onprem-a".parse().expect("valid");
    let r = check(&s, "onprem-vmware-1");
    assert_eq!(r.verdict, Verdict::Warn);
    assert!(
        r.evidence[1]
            .contains("fleet description gives onprem-vmware-1 network onprem-vmware-1-net")
    );
}

fn control_plane(revision: &str, replicas: u32, ready: u32, deployment: bool) -> ControlPlane {
    ControlPlane {
        revision: revision.into(),
        deployment: deployment.then(|| format!("istiod-{revision}")),
        version: Some("1.10.6-asm.2".into()),
        replicas,
        ready_replicas: ready,
        webhook: true,
    }
}

#[test]
fn an_installed_revision_blocks_a_partial_one_warns() {
    let mut f = sized_fleet();
    f.cluster_mut("gke-eu").expect("c").control_planes = vec![control_plane("default", 1, 1, true)];
    let r = result(&f, "gke-eu", Check::RevisionNotInstalled);
    assert_eq!(r.verdict, Verdict::Pass);
    assert_eq!(
        text(&r),
        "No control plane of revision asm-1106-2 on gke-eu (installed: default)."
    );
    f.cluster_mut("gke-eu")
        .expect("c")
        .control_planes
        .push(control_plane("asm-1106-2", 1, 1, true));
    let r = result(&f, "gke-eu", Check::RevisionNotInstalled);
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(!r.overridable, "no reason installs over a running revision");
    assert!(
        text(&r)
            .contains("already installed on gke-eu (istiod-asm-1106-2, 1.10.6-asm.2, 1/1 ready)")
    );
    f.cluster_mut("gke-eu").expect("c").control_planes[1] =
        control_plane("asm-1106-2", 1, 0, false);
    let r = result(&f, "gke-eu", Check::RevisionNotInstalled);
    assert_eq!(r.verdict, Verdict::Warn);
    assert!(text(&r).contains("partly installed on gke-eu (its injection webhook only)"));
}

#[test]
fn ca_mode_requirements() {
    let f = sized_fleet();
    let mut s = settings(&f, "gke-eu");
    s.ca = CaMode::MeshCa;
    let with_hsm = |s: &InstallSettings, membership, hsm| {
        PreflightReport::run(&PreflightInput {
            fleet: &f,
            cluster: f.cluster("gke-eu").expect("c"),
            settings: s,
            services: &[],
            admin: false,
            membership,
            hsm,
            mesh_roots: std::slice::from_ref(&s.mesh_id),
            issuance: &[],
        })
    };
    let with = |s: &InstallSettings, membership| with_hsm(s, membership, None);
    let r = with(&s, Some("membership"));
    let r = r.result(Check::CaMode).expect("checked");
    assert_eq!(r.verdict, Verdict::Pass);
    assert!(text(r).contains("trust domain project-a.svc.id.goog"));
    let report = with(&s, None);
    let r = report.result(Check::CaMode).expect("checked");
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(text(r).contains("needs the cluster's fleet Membership"));
    assert!(r.overridable);

    s.ca = CaMode::Hsm;
    let hsm = crate::mesh::HsmSettings {
        slot_label: "asm-gke-eu".into(),
        kek_id: "7651a4ea".into(),
        vault_addr: "http://127.0.0.1:8200".into(),
        secret_path: "asm-gke-eu/hsm".into(),
    };
    s.hsm = Some(hsm.clone());
    let checked =
        |problem: Option<&str>, settings: &crate::mesh::HsmSettings| crate::mesh::HsmReadiness {
            settings: settings.clone(),
            problem: problem.map(str::to_owned),
            kek_ids: vec!["7651a4ea".into()],
        };
    let good = checked(None, &hsm);
    let report = with_hsm(&s, None, Some(&good));
    let r = report.result(Check::CaMode).expect("checked");
    assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
    assert!(text(r).contains("opens with the PIN Vault holds at asm-gke-eu/hsm"));
    let mut other = hsm.clone();
    other.kek_id = "another".into();
    let stale = checked(None, &other);
    let r = with_hsm(&s, None, Some(&stale));
    assert_eq!(
        r.result(Check::CaMode).expect("checked").verdict,
        Verdict::Fail,
        "a check of other settings does not count"
    );
    let pinless = checked(
        Some("Vault at http://127.0.0.1:8200 has no HSM PIN at secret/asm-gke-eu/hsm"),
        &hsm,
    );
    let report = with_hsm(&s, None, Some(&pinless));
    let r = report.result(Check::CaMode).expect("checked");
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(text(r).contains("has no HSM PIN at secret/asm-gke-eu/hsm"));
    assert!(!r.overridable);
    let err = report.allow(&[Check::CaMode]).expect_err("not overridable");
    assert!(!err.overridable);
    assert_eq!(err.hard, [Check::CaMode]);
    assert!(
        err.to_string()
            .ends_with("Certificate authority requirements cannot be overridden"),
        "{err}"
    );
}

#[test]
fn istio_ca_and_hsm_need_a_root_a_security_officer_created() {
    let f = sized_fleet();
    let mut s = settings(&f, "gke-eu");
    let other: crate::mesh::MeshId = "proj-1".parse().expect("valid");
    for ca in [CaMode::IstioCaPluginCerts, CaMode::Hsm] {
        s.ca = ca;
        for roots in [&[][..], std::slice::from_ref(&other)] {
            let report = PreflightReport::run(&PreflightInput {
                fleet: &f,
                cluster: f.cluster("gke-eu").expect("c"),
                settings: &s,
                services: &[],
                admin: false,
                membership: Some("membership"),
                hsm: None,
                mesh_roots: roots,
                issuance: &[],
            });
            let r = report.result(Check::CaMode).expect("checked");
            assert_eq!(r.verdict, Verdict::Fail, "{ca:?}");
            assert!(!r.overridable, "an override cannot create a root");
            assert!(
                text(r).contains(&format!(
                    "Mesh {} has no root CA: a security officer must create the mesh root on Security → Mesh roots",
                    s.mesh_id
                )),
                "{r:?}"
            );
        }
    }
    s.ca = CaMode::IstioCaPluginCerts;
    let r = run(&f, "gke-eu", &s, &[]);
    assert_eq!(
        r.result(Check::CaMode).expect("checked").verdict,
        Verdict::Pass
    );
    // The root alone is not enough: the intermediate is an officer's
    // decision, granted for this mesh and trust domain.
    let mut other_domain = granted(&f, &s);
    other_domain[0].trust_domain = "elsewhere.example".parse().expect("valid");
    let mut other_mesh = granted(&f, &s);
    other_mesh[0].mesh = other.clone();
    for issuance in [&[][..], &other_domain[..], &other_mesh[..]] {
        let report = PreflightReport::run(&PreflightInput {
            fleet: &f,
            cluster: f.cluster("gke-eu").expect("c"),
            settings: &s,
            services: &[],
            admin: false,
            membership: Some("membership"),
            hsm: None,
            mesh_roots: std::slice::from_ref(&s.mesh_id),
            issuance,
        });
        let r = report.result(Check::CaMode).expect("checked");
        assert_eq!(r.verdict, Verdict::Fail, "{issuance:?}");
        assert!(!r.overridable, "an override cannot grant issuance");
        assert!(
            text(r).contains("No security officer has granted issuing gke-eu's intermediate CA"),
            "{r:?}"
        );
    }
    s.ca = CaMode::MeshCa;
    let report = PreflightReport::run(&PreflightInput {
        fleet: &f,
        cluster: f.cluster("gke-eu").expect("c"),
        settings: &s,
        services: &[],
        admin: false,
        membership: Some("membership"),
        hsm: None,
        mesh_roots: &[],
        issuance: &[],
    });
    assert_eq!(
        report.result(Check::CaMode).expect("checked").verdict,
        Verdict::Pass,
        "Mesh CA signs with Google's root, not ours"
    );
}

#[test]
fn failures_block_unless_overridden_with_a_reason() {
    let mut f = sized_fleet();
    f.cluster_mut("baremetal-1").expect("c").nodes = nodes(3, 2_000, 8 << 30);
    let s = settings(&f, "baremetal-1");
    let report = run(&f, "baremetal-1", &s, &[svc("blue", "bar", &[("web", 80)])]);
    assert!(report.blocks_install());
    let err = report.allow(&[]).expect_err("blocked");
    assert_eq!(err.failed, [Check::Capacity, Check::ServicePortNames]);
    assert_eq!(
        err.to_string(),
        "preflight failed on baremetal-1: At least 4 nodes, 4 vCPU and 15 GB memory, Service ports named protocol[-suffix]; override each failed check with its own reason to install anyway"
    );
    // One override lifts its own check only.
    let err = report
        .allow(&[Check::Capacity])
        .expect_err("ports still fail");
    assert_eq!(err.failed, [Check::ServicePortNames]);
    assert!(err.overridable);
    assert_eq!(
        report.allow(&[Check::ServicePortNames, Check::Capacity]),
        Ok(())
    );
    let ov = Override::new("  lab cluster, capacity checked by hand  ").expect("long enough");
    assert_eq!(ov.reason(), "lab cluster, capacity checked by hand");

    let err = Override::new("   because   ").expect_err("too short");
    assert_eq!(err.length, 7);
    assert!(err.to_string().contains("at least 20 characters"));
    assert!(serde_json::from_str::<Override>(r#"{"reason": "short"}"#).is_err());
    let ov: Override =
        serde_json::from_str(r#"{"reason": "port names fixed in the next release"}"#)
            .expect("valid");
    assert_eq!(ov.reason(), "port names fixed in the next release");
}

#[test]
fn reports_serialise_for_the_browser() {
    let f = sized_fleet();
    let s = settings(&f, "gke-eu");
    let report = run(&f, "gke-eu", &s, &[]);
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["results"][0]["check"], "capacity");
    assert_eq!(json["results"][0]["verdict"], "pass");
    let back: PreflightReport = serde_json::from_value(json).expect("parses");
    assert_eq!(back, report);
    assert_eq!(Platform::BareMetal.title(), "Bare metal");
}
