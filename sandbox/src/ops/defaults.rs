//! Fields the apiserver fills in on create (the ones kubectl shows), and the
//! Secret `stringData` merge.

use base64::Engine;
use serde_json::{Value, json};

use crate::clock;
use crate::status::ApiStatus;

/// Fills server-set metadata and per-kind defaults of a new object.
pub fn on_create(
    kind: &str,
    object: &mut Value,
    cluster_ip: impl FnOnce() -> String,
) -> Result<(), ApiStatus> {
    let meta = &mut object["metadata"];
    meta["uid"] = json!(clock::new_uid());
    meta["creationTimestamp"] = json!(clock::now_rfc3339());
    if let Some(m) = meta.as_object_mut() {
        m.remove("deletionTimestamp");
        m.remove("resourceVersion");
    }
    if object.get("spec").is_some() {
        object["metadata"]["generation"] = json!(1);
    }
    match kind {
        "Namespace" => {
            let name = object["metadata"]["name"].clone();
            object["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
            object["spec"]["finalizers"] = json!(["kubernetes"]);
            object["status"] = json!({"phase": "Active"});
        }
        "Pod" => default_pod(object),
        "Service" => default_service(object, cluster_ip),
        "Deployment" => {
            let spec = &mut object["spec"];
            default(spec, "replicas", json!(1));
            default(spec, "revisionHistoryLimit", json!(10));
            default(spec, "progressDeadlineSeconds", json!(600));
            default(
                spec,
                "strategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}),
            );
            default_template(object);
        }
        "ReplicaSet" => {
            default(&mut object["spec"], "replicas", json!(1));
            default_template(object);
        }
        "StatefulSet" => {
            let spec = &mut object["spec"];
            default(spec, "replicas", json!(1));
            default(spec, "podManagementPolicy", json!("OrderedReady"));
            default(spec, "revisionHistoryLimit", json!(10));
            default(
                spec,
                "updateStrategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
            );
            default_template(object);
        }
        "DaemonSet" => {
            let spec = &mut object["spec"];
            default(spec, "revisionHistoryLimit", json!(10));
            default(
                spec,
                "updateStrategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}),
            );
            default_template(object);
        }
        "Secret" => {
            default(object, "type", json!("Opaque"));
            merge_string_data(object)?;
        }
        "CertificateSigningRequest" => {
            default(
                &mut object["spec"],
                "usages",
                json!(["digital signature", "key encipherment"]),
            );
            if object["status"].is_null() {
                object["status"] = json!({});
            }
        }
        "CustomResourceDefinition" => {
            let names = object["spec"]["names"].clone();
            object["status"] = json!({
                "acceptedNames": names,
                "conditions": [
                    {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": clock::now_rfc3339()},
                    {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": clock::now_rfc3339()}
                ],
                "storedVersions": object["spec"]["versions"].as_array().into_iter().flatten()
                    .filter(|v| v["storage"].as_bool() == Some(true)).map(|v| v["name"].clone()).collect::<Vec<_>>()
            });
        }
        _ => {}
    }
    Ok(())
}

/// Defaults that also apply on update (Secret data).
pub fn on_write(kind: &str, object: &mut Value) -> Result<(), ApiStatus> {
    if kind == "Secret" {
        merge_string_data(object)?;
    }
    Ok(())
}

fn default(parent: &mut Value, key: &str, value: Value) {
    if parent.get(key).is_none_or(Value::is_null) {
        parent[key] = value;
    }
}

fn default_pod_spec(spec: &mut Value) {
    if !spec.is_object() {
        return;
    }
    default(spec, "restartPolicy", json!("Always"));
    default(spec, "terminationGracePeriodSeconds", json!(30));
    default(spec, "dnsPolicy", json!("ClusterFirst"));
    default(spec, "schedulerName", json!("default-scheduler"));
    default(spec, "securityContext", json!({}));
    for list in ["containers", "initContainers"] {
        // `get_mut`, not indexing: indexing a missing key would store a null.
        let containers = spec.get_mut(list).and_then(Value::as_array_mut);
        for c in containers.into_iter().flatten() {
            default(
                c,
                "imagePullPolicy",
                json!(if c["image"]
                    .as_str()
                    .is_some_and(|i| i.ends_with(":latest") || !i.contains(':'))
                {
                    "Always"
                } else {
                    "IfNotPresent"
                }),
            );
            default(c, "terminationMessagePath", json!("/dev/termination-log"));
            default(c, "terminationMessagePolicy", json!("File"));
            default(c, "resources", json!({}));
            let ports = c.get_mut("ports").and_then(Value::as_array_mut);
            for p in ports.into_iter().flatten() {
                default(p, "protocol", json!("TCP"));
            }
        }
    }
}

/// The pod template of a workload, when it has one.
fn default_template(workload: &mut Value) {
    if let Some(spec) = workload.pointer_mut("/spec/template/spec") {
        default_pod_spec(spec);
    }
}

fn default_pod(pod: &mut Value) {
    default_pod_spec(&mut pod["spec"]);
    default(&mut pod["spec"], "serviceAccountName", json!("default"));
    default(&mut pod["spec"], "enableServiceLinks", json!(true));
    pod["status"] = json!({"phase": "Pending", "qosClass": "BestEffort"});
}

fn default_service(svc: &mut Value, cluster_ip: impl FnOnce() -> String) {
    let spec = &mut svc["spec"];
    default(spec, "type", json!("ClusterIP"));
    default(spec, "sessionAffinity", json!("None"));
    if spec["clusterIP"].is_null() {
        let ip = cluster_ip();
        spec["clusterIP"] = json!(ip);
        spec["clusterIPs"] = json!([ip]);
    } else if spec["clusterIPs"].is_null() {
        spec["clusterIPs"] = json!([spec["clusterIP"].clone()]);
    }
    default(spec, "ipFamilies", json!(["IPv4"]));
    default(spec, "ipFamilyPolicy", json!("SingleStack"));
    default(spec, "internalTrafficPolicy", json!("Cluster"));
    let ports = spec.get_mut("ports").and_then(Value::as_array_mut);
    for p in ports.into_iter().flatten() {
        default(p, "protocol", json!("TCP"));
        if p["targetPort"].is_null() {
            p["targetPort"] = p["port"].clone();
        }
    }
    svc["status"] = json!({"loadBalancer": {}});
}

/// `stringData` entries are base64-encoded into `data` (overriding it), and
/// every `data` value must be base64.
fn merge_string_data(secret: &mut Value) -> Result<(), ApiStatus> {
    let engine = base64::engine::general_purpose::STANDARD;
    if let Some(Value::Object(string_data)) =
        secret.as_object_mut().and_then(|m| m.remove("stringData"))
    {
        for (k, v) in string_data {
            let text = v.as_str().unwrap_or_default();
            secret["data"][k] = json!(engine.encode(text));
        }
    }
    if let Some(data) = secret["data"].as_object() {
        for (k, v) in data {
            let ok = v.as_str().is_some_and(|s| engine.decode(s).is_ok());
            if !ok {
                return Err(ApiStatus::bad_request(format!(
                    "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at key {k:?}"
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_merge_string_data() {
        let mut s =
            json!({"metadata": {"name": "x"}, "data": {"a": "YQ=="}, "stringData": {"b": "bee"}});
        on_create("Secret", &mut s, String::new).unwrap();
        assert_eq!(s["data"], json!({"a": "YQ==", "b": "YmVl"}));
        assert_eq!(s["type"], "Opaque");
        assert!(s.get("stringData").is_none());
        let mut bad = json!({"metadata": {"name": "x"}, "data": {"a": "not base64!"}});
        assert_eq!(
            on_create("Secret", &mut bad, String::new).unwrap_err().code,
            400
        );
    }

    #[test]
    fn defaults_store_no_nulls_for_absent_lists() {
        let mut pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}});
        on_create("Pod", &mut pod, String::new).unwrap();
        assert!(pod["spec"].get("initContainers").is_none(), "{pod}");
        let container = &pod["spec"]["containers"][0];
        assert!(container.get("ports").is_none(), "{container}");
        assert_eq!(container["imagePullPolicy"], "IfNotPresent");
        let mut svc = json!({"metadata": {"name": "headless"}, "spec": {"clusterIP": "None"}});
        on_create("Service", &mut svc, String::new).unwrap();
        assert!(svc["spec"].get("ports").is_none(), "{svc}");
        let mut deploy = json!({"metadata": {"name": "d"}, "spec": {"selector": {}}});
        on_create("Deployment", &mut deploy, String::new).unwrap();
        assert!(deploy["spec"].get("template").is_none(), "{deploy}");
    }

    #[test]
    fn services_get_a_cluster_ip_and_target_ports() {
        let mut s = json!({"metadata": {"name": "istiod"}, "spec": {"ports": [{"name": "grpc-xds", "port": 15010}]}});
        on_create("Service", &mut s, || "10.96.0.10".into()).unwrap();
        assert_eq!(s["spec"]["clusterIP"], "10.96.0.10");
        assert_eq!(s["spec"]["ports"][0]["targetPort"], 15010);
        assert_eq!(s["spec"]["type"], "ClusterIP");
        assert_eq!(s["metadata"]["generation"], 1);
    }
}
