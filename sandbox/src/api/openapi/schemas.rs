//! `components.schemas` of a group-version document: built-in kinds from the
//! tables in `types`, custom kinds from their CRD's `openAPIV3Schema`.

use serde_json::{Map, Value, json};

use super::types::TYPES;
use crate::resources::ResourceType;

const META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1";
const QUANTITY: &str = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const INT_OR_STRING: &str = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

/// Expands a table alias (`core.Pod`) to the schema name the apiserver uses.
pub(super) fn expand(short: &str) -> String {
    let (alias, kind) = short.split_once('.').unwrap_or(("", short));
    let prefix = match alias {
        "meta" => META,
        "core" => "io.k8s.api.core.v1",
        "apps" => "io.k8s.api.apps.v1",
        "asv1" => "io.k8s.api.autoscaling.v1",
        "asv2" => "io.k8s.api.autoscaling.v2",
        "policy" => "io.k8s.api.policy.v1",
        "rbac" => "io.k8s.api.rbac.v1",
        "adm" => "io.k8s.api.admissionregistration.v1",
        "cert" => "io.k8s.api.certificates.v1",
        "ext" => "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1",
        _ => return short.to_owned(),
    };
    format!("{prefix}.{kind}")
}

/// The schema name of a kind: `io.k8s.api.apps.v1.Deployment` for built-ins,
/// the reversed group for custom resources (`io.gke.networking.v1.MultiClusterService`).
pub fn schema_name(rt: &ResourceType) -> String {
    kind_name(rt, &rt.kind)
}

fn kind_name(rt: &ResourceType, kind: &str) -> String {
    let (group, version) = (rt.group.as_str(), rt.version.as_str());
    if rt.schema.is_some() {
        let reversed: Vec<&str> = group.split('.').rev().collect();
        return format!("{}.{version}.{kind}", reversed.join("."));
    }
    match group {
        "" => format!("io.k8s.api.core.{version}.{kind}"),
        "apiextensions.k8s.io" => {
            format!("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.{version}.{kind}")
        }
        _ => {
            let short = group.split('.').next().unwrap_or(group);
            format!("io.k8s.api.{short}.{version}.{kind}")
        }
    }
}

pub(super) fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// The apiserver wraps references in `allOf` so siblings such as patch
/// metadata stay meaningful; kubectl's patch-meta lookup follows `allOf[0]`.
fn wrapped(name: &str) -> Value {
    json!({"allOf": [reference(name)]})
}

fn type_of(spec: &str) -> Value {
    if let Some(inner) = spec.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        return json!({"type": "array", "items": type_of(inner)});
    }
    if let Some(inner) = spec.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        return json!({"type": "object", "additionalProperties": type_of(inner)});
    }
    match spec {
        "" | "s" => json!({"type": "string"}),
        "i" => json!({"type": "integer", "format": "int32"}),
        "l" => json!({"type": "integer", "format": "int64"}),
        "b" => json!({"type": "boolean"}),
        "n" => json!({"type": "number", "format": "double"}),
        "bytes" => json!({"type": "string", "format": "byte"}),
        "obj" => json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}),
        "time" => wrapped(&format!("{META}.Time")),
        "mtime" => wrapped(&format!("{META}.MicroTime")),
        "qty" => wrapped(QUANTITY),
        "ios" => wrapped(INT_OR_STRING),
        other => {
            let mut v = wrapped(&expand(other));
            v["default"] = json!({});
            v
        }
    }
}

fn field(spec: &str) -> (String, Value) {
    let mut parts = spec.split('/');
    let head = parts.next().unwrap_or_default();
    let (name, ty) = head.split_once(':').unwrap_or((head, ""));
    let mut schema = type_of(ty);
    for attr in parts {
        let (key, value) = attr.split_once('=').unwrap_or((attr, ""));
        match key {
            "m" => {
                schema["x-kubernetes-patch-merge-key"] = json!(value);
                schema["x-kubernetes-patch-strategy"] = json!("merge");
                schema["x-kubernetes-list-type"] = json!("map");
                schema["x-kubernetes-list-map-keys"] = json!([value]);
            }
            "k" => {
                schema["x-kubernetes-list-map-keys"] = json!(value.split(',').collect::<Vec<_>>())
            }
            "ps" => schema["x-kubernetes-patch-strategy"] = json!(value),
            "set" => {
                schema["x-kubernetes-patch-strategy"] = json!("merge");
                schema["x-kubernetes-list-type"] = json!("set");
            }
            "atomic" | "map" => schema["x-kubernetes-list-type"] = json!(key),
            _ => {}
        }
    }
    (name.to_owned(), schema)
}

fn object(fields: &str) -> Value {
    let properties: Map<String, Value> = fields.split_whitespace().map(field).collect();
    json!({"type": "object", "properties": properties})
}

fn gvk(group: &str, version: &str, kind: &str) -> Value {
    json!([{"group": group, "version": version, "kind": kind}])
}

/// Adds apiVersion, kind and metadata (ObjectMeta, or ListMeta for lists).
fn top_level(mut schema: Value, meta: &str, gvk: Value) -> Value {
    let props = &mut schema["properties"];
    props["apiVersion"] = json!({"type": "string"});
    props["kind"] = json!({"type": "string"});
    let mut metadata = wrapped(&format!("{META}.{meta}"));
    metadata["default"] = json!({});
    props["metadata"] = metadata;
    schema["x-kubernetes-group-version-kind"] = gvk;
    schema
}

fn list_schema(rt: &ResourceType, item: &str) -> Value {
    let list = json!({"type": "object", "required": ["items"], "properties": {
        "items": {"type": "array", "items": reference(item)}}});
    top_level(
        list,
        "ListMeta",
        gvk(&rt.group, &rt.version, &format!("{}List", rt.kind)),
    )
}

/// The kind's own schema: the table entry for built-ins, the CRD schema (with
/// metadata replaced by ObjectMeta, as the apiserver publishes it) otherwise.
fn kind_schema(rt: &ResourceType, name: &str) -> Value {
    let gvk = gvk(&rt.group, &rt.version, &rt.kind);
    match &rt.schema {
        Some(schema) => {
            let mut schema = if schema.is_object() {
                schema.clone()
            } else {
                json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
            };
            if !schema["properties"].is_object() {
                schema["properties"] = json!({});
            }
            schema["type"] = json!("object");
            top_level(schema, "ObjectMeta", gvk)
        }
        None => {
            let fields = TYPES
                .iter()
                .find(|(n, _)| expand(n) == name)
                .map_or("", |(_, f)| *f);
            top_level(object(fields), "ObjectMeta", gvk)
        }
    }
}

/// Every schema a group-version's kinds refer to, keyed by schema name.
pub(super) fn components(kinds: &[&ResourceType]) -> Map<String, Value> {
    let mut out = Map::new();
    for rt in kinds {
        let name = schema_name(rt);
        out.insert(name.clone(), kind_schema(rt, &name));
        out.insert(
            kind_name(rt, &format!("{}List", rt.kind)),
            list_schema(rt, &name),
        );
    }
    if kinds.iter().any(|rt| rt.has_subresource("scale")) {
        let scale = top_level(
            object(table("asv1.Scale")),
            "ObjectMeta",
            gvk("autoscaling", "v1", "Scale"),
        );
        out.insert(expand("asv1.Scale"), scale);
    }
    for fixed in ["meta.Status", "meta.DeleteOptions"] {
        out.insert(expand(fixed), object(table(fixed)));
    }
    out.insert(format!("{META}.Patch"), json!({"type": "object"}));
    out.insert(
        format!("{META}.Time"),
        json!({"type": "string", "format": "date-time"}),
    );
    out.insert(
        format!("{META}.MicroTime"),
        json!({"type": "string", "format": "date-time"}),
    );
    out.insert(
        QUANTITY.to_owned(),
        json!({"oneOf": [{"type": "string"}, {"type": "number"}]}),
    );
    out.insert(
        INT_OR_STRING.to_owned(),
        json!({"format": "int-or-string", "oneOf": [{"type": "integer"}, {"type": "string"}]}),
    );
    close_over_references(&mut out);
    out
}

fn table(short: &str) -> &'static str {
    TYPES
        .iter()
        .find(|(n, _)| *n == short)
        .map_or("", |(_, f)| *f)
}

/// Adds the table schema of every referenced name not yet present.
fn close_over_references(out: &mut Map<String, Value>) {
    loop {
        let mut missing = Vec::new();
        for schema in out.values() {
            collect_refs(schema, &mut missing);
        }
        missing.retain(|name| !out.contains_key(name));
        if missing.is_empty() {
            return;
        }
        for name in missing {
            let fields = TYPES
                .iter()
                .find(|(n, _)| expand(n) == name)
                .map_or("", |(_, f)| *f);
            out.insert(name, object(fields));
        }
    }
}

fn collect_refs(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(Value::as_str)
                && let Some(name) = r.strip_prefix("#/components/schemas/")
                && !into.iter().any(|n| n == name)
            {
                into.push(name.to_owned());
            }
            map.values().for_each(|v| collect_refs(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, into)),
        _ => {}
    }
}
