use super::*;
use crate::mesh::settings::CaMode;
use crate::mesh::settings::tests::{fleet, settings};

fn plan(name: &str, ca: CaMode) -> Plan {
    let f = fleet();
    let mut s = settings(&f, name);
    s.ca = ca;
    Plan::build(&f, f.cluster(name).expect("c"), &s).expect("plannable")
}

fn titles(p: &Plan) -> Vec<String> {
    p.objects.iter().map(PlannedObject::title).collect()
}

fn find<'a>(p: &'a Plan, kind: &str, name: &str) -> &'a Value {
    p.objects
        .iter()
        .find(|o| o.kind == kind && o.name == name)
        .and_then(PlannedObject::body)
        .unwrap_or_else(|| panic!("{kind} {name} planned"))
}

const ISTIOD: [&str; 11] = [
    "ServiceAccount istio-system/istiod-asm-1106-2",
    "ClusterRole istiod-clusterrole-asm-1106-2-istio-system",
    "ClusterRoleBinding istiod-clusterrole-asm-1106-2-istio-system",
    "Role istio-system/istiod-asm-1106-2",
    "RoleBinding istio-system/istiod-asm-1106-2",
    "ConfigMap istio-system/istio-asm-1106-2",
    "ConfigMap istio-system/istio-sidecar-injector-asm-1106-2",
    "Deployment istio-system/istiod-asm-1106-2",
    "Service istio-system/istiod-asm-1106-2",
    "HorizontalPodAutoscaler istio-system/istiod-asm-1106-2",
    "PodDisruptionBudget istio-system/istiod-asm-1106-2",
];
const REST: [&str; 8] = [
    "MutatingWebhookConfiguration istio-sidecar-injector-asm-1106-2",
    "Service istio-system/istiod",
    "ValidatingWebhookConfiguration istio-validator-asm-1106-2-istio-system",
    "Namespace asm-system",
    "ServiceAccount asm-system/canonical-service-account",
    "ClusterRole canonical-service-manager-role",
    "ClusterRoleBinding canonical-service-manager-rolebinding",
    "Deployment asm-system/canonical-service-controller-manager",
];

#[test]
fn istio_ca_plan_writes_cacerts_before_istiod() {
    let p = plan("onprem-vmware-1", CaMode::IstioCaPluginCerts);
    let mut want = vec![
        "Namespace istio-system".to_owned(),
        "Secret istio-system/cacerts".to_owned(),
    ];
    want.extend(ISTIOD.iter().map(|t| (*t).to_owned()));
    want.extend(REST.iter().map(|t| (*t).to_owned()));
    assert_eq!(titles(&p), want);
    let cacerts = &p.objects[1];
    assert_eq!(cacerts.body(), None);
    assert_eq!(
        cacerts.content,
        Content::IssuedCaCerts {
            keys: vec![
                "ca-cert.pem".into(),
                "ca-key.pem".into(),
                "root-cert.pem".into(),
                "cert-chain.pem".into()
            ]
        }
    );
    let d = find(&p, "Deployment", "istiod-asm-1106-2");
    let container = &d["spec"]["template"]["spec"]["containers"][0];
    assert!(
        container["env"]
            .as_array()
            .expect("env")
            .iter()
            .all(|e| e["name"] != "CA_ADDR")
    );
    assert_eq!(container["volumeMounts"][2]["mountPath"], "/etc/cacerts");
}

#[test]
fn mesh_ca_plan_has_no_cacerts_and_points_istiod_at_mesh_ca() {
    let p = plan("gke-eu", CaMode::MeshCa);
    let mut want = vec!["Namespace istio-system".to_owned()];
    want.extend(ISTIOD.iter().map(|t| (*t).to_owned()));
    want.extend(REST.iter().map(|t| (*t).to_owned()));
    assert_eq!(titles(&p), want);
    let d = find(&p, "Deployment", "istiod-asm-1106-2");
    let env = d["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .expect("env");
    let value = |n: &str| {
        env.iter()
            .find(|e| e["name"] == n)
            .map(|e| e["value"].clone())
    };
    assert_eq!(value("CA_ADDR"), Some(json!("meshca.googleapis.com:443")));
    assert_eq!(value("TRUST_DOMAIN"), Some(json!("project-a.svc.id.goog")));
    assert_eq!(value("CLUSTER_ID"), Some(json!("gke-eu")));
    let mesh = find(&p, "ConfigMap", "istio-asm-1106-2")["data"]["mesh"]
        .as_str()
        .expect("text")
        .to_owned();
    assert!(mesh.contains("trustDomain: project-a.svc.id.goog\n"));
    assert!(
        mesh.contains("trustDomainAliases:\n- project-a.svc.id.goog\n- project-b.svc.id.goog\n")
    );
    assert!(mesh.contains("meshId: proj-482915370162"));
    assert!(mesh.contains("discoveryAddress: istiod-asm-1106-2.istio-system.svc:15012"));
}

#[test]
fn hsm_without_its_settings_gives_no_plan() {
    let f = fleet();
    let mut s = settings(&f, "gke-eu");
    s.ca = CaMode::Hsm;
    let problems = Plan::build(&f, f.cluster("gke-eu").expect("c"), &s).expect_err("no plan");
    assert!(problems[0].message.contains("are required"), "{problems:?}");
}

#[test]
fn hsm_istiod_runs_the_seeds_three_containers_and_pins_the_mesh_root() {
    let f = fleet();
    let cluster = f.cluster("gke-eu").expect("c");
    let mut s = settings(&f, "gke-eu");
    s.ca = CaMode::Hsm;
    s.hsm = Some(crate::mesh::HsmSettings {
        slot_label: "asm-gke-eu".into(),
        kek_id: "7651a4ea-eeb7-4c1f-927b-8c871c2127aa".into(),
        vault_addr: "https://vault.example.com:8200".into(),
        secret_path: "asm-gke-eu/hsm".into(),
    });
    let mut p = Plan::build(&f, cluster, &s).expect("plannable");
    assert!(
        p.objects.iter().all(|o| o.name != "cacerts"),
        "no plug-in certificates in HSM mode"
    );
    p.pin_mesh_root("ab12");
    p.pin_mesh_root("cd34");
    let d = find(&p, "Deployment", "istiod-asm-1106-2");
    let containers = d["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("containers");
    let names: Vec<&str> = containers
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["discovery", "hsm-plugin", "vault-client"]);
    let env = |c: usize, name: &str| {
        containers[c]["env"]
            .as_array()
            .expect("env")
            .iter()
            .filter(|e| e["name"] == name)
            .map(|e| e["value"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(env(0, "EXTERNAL_CA"), [json!("ISTIOD_RA_HSM")]);
    assert_eq!(
        env(0, "ROOT_CERT_SHA256"),
        [json!("cd34")],
        "pinned once, last wins"
    );
    assert!(env(0, "CA_ADDR").is_empty());
    assert_eq!(env(1, "P11_TOKEN"), [json!("asm-gke-eu")]);
    assert_eq!(
        env(1, "KEK_ID"),
        [json!("7651a4ea-eeb7-4c1f-927b-8c871c2127aa")]
    );
    assert_eq!(
        env(2, "VAULT_ADDR"),
        [json!("https://vault.example.com:8200")]
    );
    assert_eq!(env(2, "VAULT_SECRET_PATH"), [json!("asm-gke-eu/hsm")]);
    let operator = p.istio_operator();
    assert_eq!(
        operator["spec"]["values"]["hsm"]["hsmKEKID"],
        "7651a4ea-eeb7-4c1f-927b-8c871c2127aa"
    );
    assert_eq!(
        operator["spec"]["values"]["hsm"]["vaultAuthPath"],
        "auth/asm-gke-eu/hsm/login"
    );
}

#[test]
fn istiod_is_what_the_sandbox_runs_and_labels_by_revision() {
    let p = plan("gke-eu", CaMode::IstioCaPluginCerts);
    let d = find(&p, "Deployment", "istiod-asm-1106-2");
    let pod = &d["spec"]["template"];
    assert_eq!(pod["metadata"]["labels"]["app"], "istiod");
    assert_eq!(pod["metadata"]["labels"]["istio.io/rev"], "asm-1106-2");
    assert_eq!(
        d["spec"]["selector"]["matchLabels"],
        json!({"app": "istiod", "istio.io/rev": "asm-1106-2"})
    );
    let c = &pod["spec"]["containers"][0];
    assert_eq!(c["name"], "discovery");
    assert_eq!(c["image"], "gcr.io/gke-release/asm/pilot:1.10.6-asm.2");
    assert_eq!(pod["spec"]["serviceAccountName"], "istiod-asm-1106-2");
    // Every istio-system object of the revision carries its label.
    for o in p
        .objects
        .iter()
        .filter(|o| o.namespace.as_deref() == Some("istio-system"))
    {
        if let Some(body) = o.body() {
            assert_eq!(
                body["metadata"]["labels"]["istio.io/rev"],
                "asm-1106-2",
                "{}",
                o.title()
            );
        }
    }
    for kind in ["HorizontalPodAutoscaler", "PodDisruptionBudget"] {
        assert!(
            p.objects
                .iter()
                .any(|o| o.kind == kind && o.name == "istiod-asm-1106-2")
        );
    }
    let hpa = find(&p, "HorizontalPodAutoscaler", "istiod-asm-1106-2");
    assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], "istiod-asm-1106-2");
}

#[test]
fn validation_service_is_exactly_the_specs() {
    let p = plan("gke-eu", CaMode::IstioCaPluginCerts);
    let svc = find(&p, "Service", "istiod");
    assert_eq!(
        svc["metadata"]["labels"],
        json!({"istio.io/rev": "asm-1106-2", "app": "istiod", "istio": "pilot", "release": "istio"})
    );
    assert_eq!(
        svc["spec"]["selector"],
        json!({"app": "istiod", "istio.io/rev": "asm-1106-2"})
    );
    assert_eq!(
        svc["spec"]["ports"],
        json!([
            {"name": "grpc-xds", "port": 15010, "protocol": "TCP"},
            {"name": "https-dns", "port": 15012, "protocol": "TCP"},
            {"name": "https-webhook", "port": 443, "targetPort": 15017, "protocol": "TCP"},
            {"name": "http-monitoring", "port": 15014, "protocol": "TCP"},
        ])
    );
}

#[test]
fn webhooks_select_the_revision() {
    let p = plan("gke-eu", CaMode::IstioCaPluginCerts);
    let m = find(
        &p,
        "MutatingWebhookConfiguration",
        "istio-sidecar-injector-asm-1106-2",
    );
    assert_eq!(m["metadata"]["labels"]["istio.io/rev"], "asm-1106-2");
    assert!(m["metadata"]["labels"]["istio.io/tag"].is_null());
    let hook = &m["webhooks"][0];
    assert!(
        hook["name"]
            .as_str()
            .expect("name")
            .contains("sidecar-injector.istio.io")
    );
    assert_eq!(
        hook["namespaceSelector"]["matchExpressions"][0],
        json!({"key": "istio.io/rev", "operator": "In", "values": ["asm-1106-2"]})
    );
    assert_eq!(
        hook["clientConfig"]["service"],
        json!({"name": "istiod-asm-1106-2", "namespace": "istio-system", "path": "/inject", "port": 443})
    );
    let v = find(
        &p,
        "ValidatingWebhookConfiguration",
        "istio-validator-asm-1106-2-istio-system",
    );
    assert_eq!(
        v["webhooks"][0]["clientConfig"]["service"]["name"],
        "istiod"
    );
}

#[test]
fn istio_system_gets_the_network_label() {
    let p = plan("onprem-vmware-1", CaMode::IstioCaPluginCerts);
    let ns = p.objects[0].body().expect("manifest");
    assert_eq!(ns["metadata"]["name"], "istio-system");
    assert_eq!(
        ns["metadata"]["labels"]["topology.istio.io/network"],
        "onprem-vmware-1-net"
    );
    let csc = find(&p, "Deployment", "canonical-service-controller-manager");
    assert_eq!(
        csc["spec"]["template"]["spec"]["containers"][0]["image"],
        "gcr.io/gke-release/asm/canonical-service-controller:1.10.6-asm.2"
    );
}

#[test]
fn plans_round_trip_as_json() {
    let p = plan("gke-eu", CaMode::IstioCaPluginCerts);
    let json = serde_json::to_string(&p).expect("json");
    assert!(json.contains("\"type\":\"issued_ca_certs\""));
    assert!(!json.contains("PRIVATE KEY"));
    assert_eq!(serde_json::from_str::<Plan>(&json).expect("parses"), p);
}

#[test]
fn the_istio_operator_file_carries_the_settings() {
    let p = plan("onprem-vmware-1", CaMode::IstioCaPluginCerts);
    let op = p.istio_operator();
    assert_eq!(op["kind"], "IstioOperator");
    assert_eq!(op["spec"]["revision"], "asm-1106-2");
    assert_eq!(op["spec"]["tag"], "1.10.6-asm.2");
    assert_eq!(op["spec"]["profile"], "asm-multicloud");
    assert_eq!(
        op["spec"]["meshConfig"]["trustDomain"],
        p.trust_domain.as_str()
    );
    assert_eq!(
        op["spec"]["values"]["global"]["multiCluster"]["clusterName"],
        "onprem-vmware-1"
    );
    assert!(op["spec"]["values"]["global"].get("caAddress").is_none());
    let mesh_ca = plan("gke-eu", CaMode::MeshCa).istio_operator();
    assert_eq!(
        mesh_ca["spec"]["values"]["global"]["caAddress"],
        "meshca.googleapis.com:443"
    );
}
