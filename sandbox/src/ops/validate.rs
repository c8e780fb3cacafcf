//! The checks an apiserver makes before storing: names, labels, the
//! apiVersion/kind of the body, and custom resources against their schema.

use serde_json::Value;

use crate::resources::ResourceType;
use crate::status::{ApiStatus, FieldError};

const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

pub fn is_dns1123_label(s: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    !s.is_empty()
        && s.len() <= 63
        && s.chars().all(|c| alnum(c) || c == '-')
        && s.starts_with(alnum)
        && s.ends_with(alnum)
}

pub fn is_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns1123_label)
}

/// Label values (and the name part of keys): at most 63 characters,
/// alphanumerics with `-`, `_`, `.` inside.
fn is_label_value(s: &str) -> bool {
    let alnum = |c: char| c.is_ascii_alphanumeric();
    s.is_empty()
        || (s.len() <= 63
            && s.chars().all(|c| alnum(c) || matches!(c, '-' | '_' | '.'))
            && s.starts_with(alnum)
            && s.ends_with(alnum))
}

fn is_qualified_name(s: &str) -> bool {
    match s.split_once('/') {
        Some((prefix, name)) => {
            is_dns1123_subdomain(prefix) && !name.is_empty() && is_label_value(name)
        }
        None => !s.is_empty() && is_label_value(s),
    }
}

/// Kinds whose names must be DNS labels rather than subdomains.
fn needs_label_name(kind: &str) -> bool {
    matches!(kind, "Namespace" | "Service")
}

/// Checks metadata of an object about to be stored.
fn is_rbac(rt: &ResourceType) -> bool {
    rt.group == "rbac.authorization.k8s.io"
}

pub fn check_metadata(rt: &ResourceType, object: &Value) -> Result<(), ApiStatus> {
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let mut causes = Vec::new();
    if name.is_empty() {
        causes.push(FieldError::required(
            "metadata.name",
            "name or generateName is required",
        ));
    } else if needs_label_name(&rt.kind) && !is_dns1123_label(name) {
        causes.push(FieldError::invalid(
            "metadata.name",
            name,
            DNS1123_LABEL_MSG,
        ));
    } else if is_rbac(rt) {
        // RBAC names are path segments (`system:auth-delegator`).
        if matches!(name, "." | "..") || name.contains(['/', '%']) {
            causes.push(FieldError::invalid(
                "metadata.name",
                name,
                "may not be '.' or '..', and may not contain '/' or '%'",
            ));
        }
    } else if !is_dns1123_subdomain(name) && rt.kind != "Event" {
        causes.push(FieldError::invalid(
            "metadata.name",
            name,
            DNS1123_SUBDOMAIN_MSG,
        ));
    }
    for field in ["labels", "annotations"] {
        let Some(map) = object["metadata"][field].as_object() else {
            if !object["metadata"][field].is_null() {
                return Err(ApiStatus::bad_request(format!(
                    "metadata.{field} must be a map of strings"
                )));
            }
            continue;
        };
        for (k, v) in map {
            if !is_qualified_name(k) {
                causes.push(FieldError::invalid(
                    &format!("metadata.{field}"),
                    k,
                    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                ));
            }
            let Some(v) = v.as_str() else {
                return Err(ApiStatus::bad_request(format!(
                    "metadata.{field}.{k}: the value must be a string"
                )));
            };
            if field == "labels" && !is_label_value(v) {
                causes.push(FieldError::invalid(
                    "metadata.labels",
                    v,
                    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                ));
            }
        }
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiStatus::invalid(&rt.kind, &rt.group, name, causes))
    }
}

/// The body's apiVersion/kind must name the resource of the URL.
pub fn check_type(rt: &ResourceType, object: &Value) -> Result<(), ApiStatus> {
    if !object.is_object() {
        return Err(ApiStatus::bad_request(
            "the body must be a JSON or YAML object",
        ));
    }
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let kind = object["kind"].as_str().unwrap_or_default();
    if !api_version.is_empty() && api_version != rt.api_version() {
        return Err(ApiStatus::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({})",
            rt.api_version()
        )));
    }
    if !kind.is_empty() && kind != rt.kind {
        return Err(ApiStatus::bad_request(format!(
            "the kind in the data ({kind}) does not match the expected kind ({})",
            rt.kind
        )));
    }
    Ok(())
}

/// Validates a custom resource against its CRD schema. With `strict`,
/// unknown fields are an error (fieldValidation=Strict); otherwise they are
/// pruned as the apiserver prunes them.
pub fn check_schema(rt: &ResourceType, object: &mut Value, strict: bool) -> Result<(), ApiStatus> {
    let Some(schema) = rt.schema.as_ref().filter(|s| s.is_object()) else {
        return Ok(());
    };
    let mut causes = Vec::new();
    let mut unknown = Vec::new();
    if let Value::Object(map) = object {
        for (k, v) in map.iter_mut() {
            if matches!(k.as_str(), "apiVersion" | "kind" | "metadata") {
                continue;
            }
            match schema["properties"].get(k) {
                Some(sub) => walk(sub, v, k, &mut causes, &mut unknown),
                None if schema["x-kubernetes-preserve-unknown-fields"].as_bool() == Some(true) => {}
                None => unknown.push(k.clone()),
            }
        }
        if !strict {
            for path in &unknown {
                if !path.contains('.') {
                    map.remove(path);
                }
            }
        }
        for req in schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !map.contains_key(req) {
                causes.push(FieldError::required(req, ""));
            }
        }
    }
    if strict && !unknown.is_empty() {
        let fields: Vec<String> = unknown
            .iter()
            .map(|u| format!("unknown field \"{u}\""))
            .collect();
        return Err(ApiStatus::bad_request(format!(
            "{kind} in version {:?} cannot be handled as a {kind}: strict decoding error: {}",
            rt.version,
            fields.join(", "),
            kind = rt.kind,
        )));
    }
    if !strict {
        prune(schema, object);
    }
    if causes.is_empty() {
        Ok(())
    } else {
        let name = object["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        Err(ApiStatus::invalid(&rt.kind, &rt.group, &name, causes))
    }
}

fn walk(
    schema: &Value,
    value: &mut Value,
    path: &str,
    causes: &mut Vec<FieldError>,
    unknown: &mut Vec<String>,
) {
    if value.is_null() && schema["nullable"].as_bool() == Some(true) {
        return;
    }
    let ty = schema["type"].as_str().unwrap_or_default();
    let ok = match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => {
            value.is_string() || schema["x-kubernetes-int-or-string"].as_bool() == Some(true)
        }
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        _ => true,
    };
    if !ok {
        causes.push(FieldError {
            field: path.into(),
            reason: "FieldValueTypeInvalid",
            message: format!(
                "Invalid value: {}: {path} in body must be of type {ty}: {:?}",
                value,
                json_type(value)
            ),
            display: format!(
                "{path}: Invalid value: \"{}\": {path} in body must be of type {ty}: \"{}\"",
                json_type(value),
                json_type(value)
            ),
        });
        return;
    }
    if let Some(options) = schema["enum"].as_array()
        && !options.contains(value)
    {
        let allowed: Vec<String> = options.iter().map(|o| o.to_string()).collect();
        causes.push(FieldError {
            field: path.into(),
            reason: "FieldValueNotSupported",
            message: format!(
                "Unsupported value: {value}: supported values: {}",
                allowed.join(", ")
            ),
            display: format!(
                "{path}: Unsupported value: {value}: supported values: {}",
                allowed.join(", ")
            ),
        });
    }
    match value {
        Value::Object(map) => {
            let preserve = schema["x-kubernetes-preserve-unknown-fields"].as_bool() == Some(true);
            let additional = &schema["additionalProperties"];
            for (k, v) in map.iter_mut() {
                let child = format!("{path}.{k}");
                match schema["properties"].get(k) {
                    Some(sub) => walk(sub, v, &child, causes, unknown),
                    None if additional.is_object() => walk(additional, v, &child, causes, unknown),
                    None if preserve
                        || additional.as_bool() == Some(true)
                        || schema["properties"].is_null() => {}
                    None => unknown.push(child),
                }
            }
            for req in schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !map.contains_key(req) {
                    causes.push(FieldError::required(&format!("{path}.{req}"), ""));
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                walk(
                    &schema["items"],
                    item,
                    &format!("{path}[{i}]"),
                    causes,
                    unknown,
                );
            }
        }
        _ => {}
    }
}

fn prune(schema: &Value, value: &mut Value) {
    match value {
        Value::Object(map) => {
            let props = schema["properties"].as_object();
            let preserve = schema["x-kubernetes-preserve-unknown-fields"].as_bool() == Some(true)
                || schema["additionalProperties"].is_object()
                || schema["additionalProperties"].as_bool() == Some(true);
            if let Some(props) = props {
                if !preserve {
                    map.retain(|k, _| {
                        props.contains_key(k)
                            || matches!(k.as_str(), "apiVersion" | "kind" | "metadata")
                    });
                }
                for (k, v) in map.iter_mut() {
                    if let Some(sub) = props.get(k) {
                        prune(sub, v);
                    }
                }
            } else if schema["additionalProperties"].is_object() {
                for v in map.values_mut() {
                    prune(&schema["additionalProperties"], v);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                prune(&schema["items"], item);
            }
        }
        _ => {}
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::Registry;
    use serde_json::json;

    #[test]
    fn names_and_labels() {
        assert!(is_dns1123_label("gke-eu"));
        assert!(!is_dns1123_label("GKE"));
        assert!(is_dns1123_subdomain("istiod-asm-1106-2.v1"));
        let reg = Registry::builtin();
        let pods = reg.find("", "v1", "pods").unwrap();
        let bad = json!({"metadata": {"name": "Bad_Name", "labels": {"app": "ok"}}});
        let err = check_metadata(pods, &bad).unwrap_err();
        assert_eq!(err.code, 422);
        assert!(
            err.message.starts_with(
                "Pod \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\""
            ),
            "{}",
            err.message
        );
        let bad_label = json!({"metadata": {"name": "ok", "labels": {"app": "-no-"}}});
        assert_eq!(
            check_metadata(pods, &bad_label).unwrap_err().reason,
            "Invalid"
        );
        assert!(
            check_metadata(
                pods,
                &json!({"metadata": {"name": "ok", "labels": {"istio.io/rev": "asm-1106-2"}}})
            )
            .is_ok()
        );
    }

    #[test]
    fn custom_resources_against_schema() {
        let mut rt = Registry::builtin().find("", "v1", "pods").unwrap().clone();
        rt.schema = Some(json!({"type": "object", "properties": {
            "spec": {"type": "object", "required": ["template"], "properties": {
                "template": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                "replicas": {"type": "integer"}}}}}));
        let mut good =
            json!({"metadata": {"name": "a"}, "spec": {"template": {"anything": 1}, "extra": 2}});
        check_schema(&rt, &mut good, false).unwrap();
        assert!(
            good["spec"].get("extra").is_none(),
            "unknown fields are pruned"
        );
        let mut strict = json!({"metadata": {"name": "a"}, "spec": {"template": {}, "extra": 2}});
        let err = check_schema(&rt, &mut strict, true).unwrap_err();
        assert!(
            err.message
                .contains("Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field \"spec.extra\""),
            "{}",
            err.message
        );
        let mut wrong = json!({"metadata": {"name": "a"}, "spec": {"replicas": "three"}});
        let err = check_schema(&rt, &mut wrong, false).unwrap_err();
        assert_eq!(err.code, 422);
        assert!(
            err.message.contains("spec.template: Required value"),
            "{}",
            err.message
        );
    }
}
