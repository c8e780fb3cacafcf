//! One revision's istiod: its service account and RBAC, mesh and injector
//! configuration, Deployment, Service, HPA and PDB, all named for the
//! revision and labelled `istio.io/rev=<rev>`.

use serde_json::{Value, json};

use crate::mesh::hsm::HsmSettings;
use crate::mesh::settings::{CaMode, InstallSettings};
use crate::mesh::{ASM_HUB, ISTIO_SYSTEM, REV_LABEL};

/// What the builders read.
pub(super) struct Ctx<'a> {
    pub s: &'a InstallSettings,
    pub location: &'a str,
    pub trust_domain: &'a str,
}

/// The images of istiod's HSM sidecars (seed 004's `HSM_PLUGIN_IMAGE` and
/// `VAULT_CLIENT_IMAGE`).
pub const HSM_PLUGIN_IMAGE: &str = "gcr.io/thalescpl-io-k8s-kms-plugin/hsm-plugin:asm-1.7-1";
pub const VAULT_CLIENT_IMAGE: &str = "gcr.io/gke-release/asm/vaultclient:latest";
/// The discovery env var naming the mesh root istiod accepts a signed
/// chain to (hex SHA-256 of its DER; the seed imports the root into the
/// HSM instead).
pub const ROOT_CERT_SHA256_ENV: &str = "ROOT_CERT_SHA256";

/// Mesh CA's endpoint (the sandbox's istiod recognises it too).
pub const MESH_CA_ADDR: &str = "meshca.googleapis.com:443";

/// The labels of every object of the revision.
pub(super) fn labels(s: &InstallSettings) -> Value {
    json!({"app": "istiod", "istio.io/rev": s.revision.as_str(), "release": "istio"})
}

/// What selects this revision's istiod pods.
pub(super) fn selector(s: &InstallSettings) -> Value {
    json!({"app": "istiod", REV_LABEL: s.revision.as_str()})
}

fn meta(s: &InstallSettings, name: &str, namespaced: bool) -> Value {
    let mut m = json!({"name": name, "labels": labels(s)});
    if namespaced {
        m["namespace"] = json!(ISTIO_SYSTEM);
    }
    m
}

pub(super) fn objects(c: &Ctx<'_>) -> Vec<Value> {
    let s = c.s;
    let name = s.revision.istiod();
    let cluster_role = format!("istiod-clusterrole-{}-{ISTIO_SYSTEM}", s.revision);
    vec![
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(s, &name, true)}),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": meta(s, &cluster_role, false),
            "rules": [
                {"apiGroups": ["admissionregistration.k8s.io"],
                 "resources": ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"],
                 "verbs": ["get", "list", "watch", "update", "patch"]},
                {"apiGroups": ["config.istio.io", "security.istio.io", "networking.istio.io",
                               "authentication.istio.io", "telemetry.istio.io"],
                 "resources": ["*"], "verbs": ["get", "list", "watch"]},
                {"apiGroups": [""], "resources": ["pods", "nodes", "services", "namespaces", "endpoints"],
                 "verbs": ["get", "list", "watch"]},
                {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"],
                 "verbs": ["get", "list", "watch"]},
                {"apiGroups": ["certificates.k8s.io"],
                 "resources": ["certificatesigningrequests", "certificatesigningrequests/approval",
                               "certificatesigningrequests/status"],
                 "verbs": ["update", "create", "get", "delete", "watch"]},
                {"apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews"], "verbs": ["create"]},
                {"apiGroups": ["authorization.k8s.io"], "resources": ["subjectaccessreviews"], "verbs": ["create"]},
                {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["create", "get", "list", "watch", "update"]},
            ],
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": meta(s, &cluster_role, false),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cluster_role},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": ISTIO_SYSTEM}],
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": meta(s, &name, true),
            "rules": [
                {"apiGroups": [""], "resources": ["secrets"],
                 "verbs": ["create", "get", "watch", "list", "update", "delete"]},
                {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["delete"]},
            ],
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": meta(s, &name, true),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": ISTIO_SYSTEM}],
        }),
        mesh_config(c),
        injector_config(c),
        deployment(c),
        service(s),
        hpa(s),
        pdb(s),
    ]
}

/// ConfigMap `istio-<rev>`: the mesh configuration istiod reads.
fn mesh_config(c: &Ctx<'_>) -> Value {
    let s = c.s;
    let aliases: String = s
        .trust_domain_aliases
        .iter()
        .map(|a| format!("\n- {a}"))
        .collect();
    let aliases = if aliases.is_empty() {
        " []".to_owned()
    } else {
        aliases
    };
    let mesh = format!(
        "defaultConfig:\n  discoveryAddress: {svc}.{ISTIO_SYSTEM}.svc:15012\n  meshId: {mesh}\n  proxyMetadata:\n    ISTIO_META_NETWORK: {net}\n    CLUSTER_ID: {cluster}\ntrustDomain: {td}\ntrustDomainAliases:{aliases}\nenablePrometheusMerge: true\nrootNamespace: {ISTIO_SYSTEM}\n",
        svc = s.revision.istiod(),
        mesh = s.mesh_id,
        net = s.network,
        cluster = s.cluster_name,
        td = c.trust_domain,
    );
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": meta(s, &format!("istio-{}", s.revision), true),
        "data": {"mesh": mesh, "meshNetworks": "networks: {}\n"},
    })
}

/// ConfigMap `istio-sidecar-injector-<rev>`: what injected proxies get.
fn injector_config(c: &Ctx<'_>) -> Value {
    let s = c.s;
    let values = json!({
        "revision": s.revision.as_str(),
        "global": {
            "hub": ASM_HUB, "tag": s.version.to_string(),
            "meshID": s.mesh_id.as_str(), "network": s.network.as_str(),
            "multiCluster": {"clusterName": s.cluster_name.as_str()},
            "proxy": {"image": "proxyv2"},
        },
        "profile": s.profile.as_str(),
    });
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": meta(s, &format!("istio-sidecar-injector-{}", s.revision), true),
        "data": {
            "values": values.to_string(),
            "config": "policy: enabled\nalwaysInjectSelector: []\nneverInjectSelector: []\ntemplates: {}\n",
        },
    })
}

fn deployment(c: &Ctx<'_>) -> Value {
    let s = c.s;
    let name = s.revision.istiod();
    let mut env = vec![
        json!({"name": "REVISION", "value": s.revision.as_str()}),
        json!({"name": "CLUSTER_ID", "value": s.cluster_name.as_str()}),
        json!({"name": "ISTIOD_CUSTOM_HOST", "value": format!("istiod.{ISTIO_SYSTEM}.svc")}),
        json!({"name": "PILOT_CERT_PROVIDER", "value": "istiod"}),
        json!({"name": "TRUST_DOMAIN", "value": c.trust_domain}),
        json!({"name": "GKE_CLUSTER_LOCATION", "value": c.location}),
    ];
    let mut volumes = vec![
        json!({"name": "config-volume", "configMap": {"name": format!("istio-{}", s.revision)}}),
        json!({"name": "local-certs", "emptyDir": {"medium": "Memory"}}),
    ];
    let mut mounts = vec![
        json!({"name": "config-volume", "mountPath": "/etc/istio/config"}),
        json!({"name": "local-certs", "mountPath": "/var/run/secrets/istio-dns"}),
    ];
    match s.ca {
        CaMode::MeshCa => {
            env.push(json!({"name": "CA_ADDR", "value": MESH_CA_ADDR}));
            env.push(json!({"name": "CA_PROVIDER", "value": "GoogleCA"}));
        }
        CaMode::Hsm => {
            env.push(json!({"name": "EXTERNAL_CA", "value": "ISTIOD_RA_HSM"}));
        }
        CaMode::IstioCaPluginCerts => {
            volumes.push(
                json!({"name": "cacerts", "secret": {"secretName": "cacerts", "optional": true}}),
            );
            mounts.push(json!({"name": "cacerts", "mountPath": "/etc/cacerts", "readOnly": true}));
        }
    }
    let mut containers = vec![json!({
        "name": "discovery",
        "image": format!("{ASM_HUB}/pilot:{}", s.version),
        "args": ["discovery", "--monitoringAddr=:15014", "--log_output_level=default:info",
                 "--domain", "cluster.local", "--keepaliveMaxServerConnectionAge", "30m"],
        "ports": [
            {"containerPort": 8080, "protocol": "TCP"},
            {"containerPort": 15010, "protocol": "TCP"},
            {"containerPort": 15017, "protocol": "TCP"},
        ],
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080},
                           "initialDelaySeconds": 1, "periodSeconds": 3, "timeoutSeconds": 5},
        "env": env,
        "resources": {"requests": {"cpu": "500m", "memory": "2Gi"}},
        "volumeMounts": mounts,
    })];
    if let (CaMode::Hsm, Some(hsm)) = (s.ca, &s.hsm) {
        containers.extend(hsm_sidecars(hsm));
        volumes.push(json!({"name": "hsm-socket", "emptyDir": {}}));
        volumes.push(json!({"name": "hsm-credential", "emptyDir": {"medium": "Memory"}}));
    }
    let mut pod_labels = selector(s);
    pod_labels["sidecar.istio.io/inject"] = json!("false");
    let mut labels = labels(s);
    labels["istio"] = json!("pilot");
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ISTIO_SYSTEM, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": selector(s)},
            "strategy": {"rollingUpdate": {"maxSurge": "100%", "maxUnavailable": "25%"}},
            "template": {
                "metadata": {"labels": pod_labels,
                             "annotations": {"sidecar.istio.io/inject": "false"}},
                "spec": {
                    "serviceAccountName": name,
                    "containers": containers,
                    "volumes": volumes,
                },
            },
        },
    })
}

/// The seed's `hsm-plugin` (the slot and KEK, the PIN the vault client
/// fetched) and `vault-client` (Kubernetes auth to Vault, the secret path).
fn hsm_sidecars(hsm: &HsmSettings) -> [Value; 2] {
    [
        json!({
            "name": "hsm-plugin",
            "image": HSM_PLUGIN_IMAGE,
            "env": [
                {"name": "P11_TOKEN", "value": hsm.slot_label},
                {"name": "KEK_ID", "value": hsm.kek_id},
                {"name": "P11_PIN_FILE", "value": "/var/run/hsm-credential/pin"},
                {"name": "SOCKET", "value": "/var/run/hsm-socket/.sock"},
            ],
            "volumeMounts": [
                {"name": "hsm-socket", "mountPath": "/var/run/hsm-socket"},
                {"name": "hsm-credential", "mountPath": "/var/run/hsm-credential", "readOnly": true},
            ],
        }),
        json!({
            "name": "vault-client",
            "image": VAULT_CLIENT_IMAGE,
            "env": [
                {"name": "VAULT_ADDR", "value": hsm.vault_addr},
                {"name": "VAULT_SECRET_PATH", "value": hsm.secret_path},
                {"name": "VAULT_AUTH_PATH", "value": hsm.vault_auth_path()},
                {"name": "VAULT_AUTH_ROLE", "value": "istiod"},
                {"name": "VAULT_AUTH_JWT_PATH", "value": "/var/run/secrets/kubernetes.io/serviceaccount/token"},
            ],
            "volumeMounts": [
                {"name": "hsm-credential", "mountPath": "/var/run/hsm-credential"},
            ],
        }),
    ]
}

/// Service `istiod-<rev>`: xDS, webhooks and monitoring of this revision.
fn service(s: &InstallSettings) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": meta(s, &s.revision.istiod(), true),
        "spec": {"selector": selector(s), "ports": istiod_ports()},
    })
}

/// The istiod ports as the seeds list them.
pub(super) fn istiod_ports() -> Value {
    json!([
        {"name": "grpc-xds", "port": 15010, "protocol": "TCP"},
        {"name": "https-dns", "port": 15012, "protocol": "TCP"},
        {"name": "https-webhook", "port": 443, "targetPort": 15017, "protocol": "TCP"},
        {"name": "http-monitoring", "port": 15014, "protocol": "TCP"},
    ])
}

fn hpa(s: &InstallSettings) -> Value {
    json!({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": meta(s, &s.revision.istiod(), true),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": s.revision.istiod()},
            "minReplicas": 1, "maxReplicas": 5,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                         "target": {"type": "Utilization", "averageUtilization": 80}}}],
        },
    })
}

fn pdb(s: &InstallSettings) -> Value {
    json!({
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": meta(s, &s.revision.istiod(), true),
        "spec": {"minAvailable": 1, "selector": {"matchLabels": selector(s)}},
    })
}
