//! Unknown fields of built-in kinds, found the way the apiserver's decoder
//! finds them: decode into the real Go-equivalent type (k8s-openapi) and
//! see which sent fields did not survive. `fieldValidation=Strict` refuses
//! them; otherwise they are dropped, as a real cluster drops them.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use k8s_openapi::api::{
    admissionregistration::v1 as admission, apps::v1 as apps, autoscaling::v2 as autoscaling,
    certificates::v1 as certificates, core::v1 as core, policy::v1 as policy, rbac::v1 as rbac,
};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiextensions;

use crate::status::ApiStatus;

fn round_trip<T: DeserializeOwned + Serialize>(object: &Value) -> Option<Value> {
    serde_json::from_value::<T>(object.clone())
        .ok()
        .and_then(|typed| serde_json::to_value(typed).ok())
}

/// The object as its typed form keeps it, or `None` for kinds without one
/// (and for bodies that do not decode, which other checks report).
fn typed(kind: &str, o: &Value) -> Option<Value> {
    match kind {
        "Namespace" => round_trip::<core::Namespace>(o),
        "Pod" => round_trip::<core::Pod>(o),
        "Service" => round_trip::<core::Service>(o),
        "Endpoints" => round_trip::<core::Endpoints>(o),
        "Secret" => round_trip::<core::Secret>(o),
        "ConfigMap" => round_trip::<core::ConfigMap>(o),
        "ServiceAccount" => round_trip::<core::ServiceAccount>(o),
        "Event" => round_trip::<core::Event>(o),
        "Node" => round_trip::<core::Node>(o),
        "Deployment" => round_trip::<apps::Deployment>(o),
        "ReplicaSet" => round_trip::<apps::ReplicaSet>(o),
        "DaemonSet" => round_trip::<apps::DaemonSet>(o),
        "StatefulSet" => round_trip::<apps::StatefulSet>(o),
        "ControllerRevision" => round_trip::<apps::ControllerRevision>(o),
        "HorizontalPodAutoscaler" => round_trip::<autoscaling::HorizontalPodAutoscaler>(o),
        "PodDisruptionBudget" => round_trip::<policy::PodDisruptionBudget>(o),
        "Role" => round_trip::<rbac::Role>(o),
        "RoleBinding" => round_trip::<rbac::RoleBinding>(o),
        "ClusterRole" => round_trip::<rbac::ClusterRole>(o),
        "ClusterRoleBinding" => round_trip::<rbac::ClusterRoleBinding>(o),
        "MutatingWebhookConfiguration" => round_trip::<admission::MutatingWebhookConfiguration>(o),
        "ValidatingWebhookConfiguration" => {
            round_trip::<admission::ValidatingWebhookConfiguration>(o)
        }
        "CertificateSigningRequest" => round_trip::<certificates::CertificateSigningRequest>(o),
        "CustomResourceDefinition" => round_trip::<apiextensions::CustomResourceDefinition>(o),
        _ => None,
    }
}

/// Paths (`spec.template.spec.containers[0].foo`) sent but not kept.
fn unknown_paths(sent: &Value, kept: &Value, path: &str, out: &mut Vec<String>) {
    match (sent, kept) {
        (Value::Object(sent), Value::Object(kept)) => {
            for (key, value) in sent {
                let here = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match kept.get(key) {
                    Some(k) => unknown_paths(value, k, &here, out),
                    // Null means "not set" to the decoder, not an unknown field.
                    None if !value.is_null() => out.push(here),
                    None => {}
                }
            }
        }
        (Value::Array(sent), Value::Array(kept)) => {
            for (i, (s, k)) in sent.iter().zip(kept).enumerate() {
                unknown_paths(s, k, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

fn remove_path(object: &mut Value, path: &str) {
    let mut parts: Vec<String> = Vec::new();
    for segment in path.split('.') {
        match segment.split_once('[') {
            Some((key, rest)) => {
                parts.push(key.to_owned());
                for index in rest.split('[') {
                    parts.push(format!("[{}", index.trim_end_matches(']')));
                }
            }
            None => parts.push(segment.to_owned()),
        }
    }
    let Some((last, parents)) = parts.split_last() else {
        return;
    };
    let mut at = object;
    for part in parents {
        at = match part.strip_prefix('[').and_then(|i| i.parse::<usize>().ok()) {
            Some(i) => match at.get_mut(i) {
                Some(next) => next,
                None => return,
            },
            None => match at.get_mut(part.as_str()) {
                Some(next) => next,
                None => return,
            },
        };
    }
    if let Some(map) = at.as_object_mut() {
        map.remove(last.as_str());
    }
}

/// Refuses (strict) or drops the unknown fields of a built-in object.
pub fn check(kind: &str, version: &str, object: &mut Value, strict: bool) -> Result<(), ApiStatus> {
    let Some(kept) = typed(kind, object) else {
        return Ok(());
    };
    let mut unknown = Vec::new();
    unknown_paths(object, &kept, "", &mut unknown);
    if unknown.is_empty() {
        return Ok(());
    }
    if strict {
        let fields: Vec<String> = unknown
            .iter()
            .map(|u| format!("unknown field \"{u}\""))
            .collect();
        return Err(ApiStatus::bad_request(format!(
            "{kind} in version \"{version}\" cannot be handled as a {kind}: strict decoding error: {}",
            fields.join(", ")
        )));
    }
    for path in &unknown {
        remove_path(object, path);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a", "labels": {"x": "y"}},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "a"}},
                "template": {"metadata": {"labels": {"app": "a"}},
                    "spec": {"containers": [{"name": "a", "image": "nginx", "ports": [{"containerPort": 80}]}]}}}})
    }

    #[test]
    fn valid_objects_pass_untouched() {
        let mut d = deployment();
        let before = d.clone();
        check("Deployment", "v1", &mut d, true).unwrap();
        assert_eq!(d, before);
        let mut s = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "type": "Opaque",
            "data": {"k": "dg=="}, "stringData": {"a": "b"}, "immutable": null});
        check("Secret", "v1", &mut s, true).unwrap();
    }

    #[test]
    fn strict_names_every_unknown_field_with_its_path() {
        let mut d = deployment();
        d["spec"]["replicass"] = json!(2);
        d["spec"]["template"]["spec"]["containers"][0]["imagee"] = json!("x");
        let err = check("Deployment", "v1", &mut d, true).unwrap_err();
        assert_eq!(err.code, 400);
        assert!(err.message.starts_with("Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error:"), "{}", err.message);
        assert!(
            err.message.contains("unknown field \"spec.replicass\""),
            "{}",
            err.message
        );
        assert!(
            err.message
                .contains("unknown field \"spec.template.spec.containers[0].imagee\""),
            "{}",
            err.message
        );
    }

    #[test]
    fn without_strict_unknown_fields_are_dropped() {
        let mut d = deployment();
        d["spec"]["replicass"] = json!(2);
        d["spec"]["template"]["spec"]["containers"][0]["imagee"] = json!("x");
        check("Deployment", "v1", &mut d, false).unwrap();
        assert_eq!(d, deployment());
    }
}
