//! The documents checked the way kubectl reads them.

use serde_json::{Value, json};

use super::{document, hash, index};
use crate::resources::Registry;

fn mcs_crd() -> Value {
    json!({"spec": {"group": "networking.gke.io", "scope": "Namespaced",
        "names": {"plural": "multiclusterservices", "kind": "MultiClusterService"},
        "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                "spec": {"type": "object", "properties": {"clusters": {"type": "array", "items": {"type": "object"}}}}}}}}]}})
}

/// kubectl's query-param verifier: the PATCH operation for the kind, and
/// whether it lists the query parameter.
fn patch_op<'a>(doc: &'a Value, group: &str, version: &str, kind: &str) -> Option<&'a Value> {
    let want = json!({"group": group, "version": version, "kind": kind});
    doc["paths"]
        .as_object()?
        .values()
        .filter_map(|p| p.get("patch"))
        .find(|op| op["x-kubernetes-group-version-kind"] == want)
}

fn has_query_param(op: &Value, name: &str) -> bool {
    op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|p| p["name"] == name && p["in"] == "query")
}

/// What kubectl's `PatchMetaFromOpenAPIV3` does: `allOf[0]`, then `$ref`.
fn resolve<'a>(doc: &'a Value, mut schema: &'a Value) -> &'a Value {
    if let Some(first) = schema["allOf"].get(0) {
        schema = first;
    }
    match schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        Some(name) => &doc["components"]["schemas"][name],
        None => schema,
    }
}

#[test]
fn index_links_every_group_version_with_a_content_hash() {
    let reg = Registry::builtin();
    let idx = index(&reg);
    let core = idx["paths"]["api/v1"]["serverRelativeURL"]
        .as_str()
        .unwrap();
    let doc = document(&reg, "api/v1").unwrap();
    assert_eq!(core, format!("/openapi/v3/api/v1?hash={}", hash(&doc)));
    assert_eq!(hash(&doc).len(), 128);
    for (group, version) in reg.group_versions() {
        let path = if group.is_empty() {
            format!("api/{version}")
        } else {
            format!("apis/{group}/{version}")
        };
        assert!(idx["paths"][&path].is_object(), "{path} missing");
    }
    assert!(document(&reg, "apis/batch/v1").is_none());
    assert!(document(&reg, "nonsense").is_none());
}

#[test]
fn every_kind_has_a_patch_operation_with_field_validation() {
    let reg = Registry::builtin();
    for rt in reg.all() {
        let path = if rt.group.is_empty() {
            format!("api/{}", rt.version)
        } else {
            format!("apis/{}/{}", rt.group, rt.version)
        };
        let doc = document(&reg, &path).unwrap();
        let op = patch_op(&doc, &rt.group, &rt.version, &rt.kind)
            .unwrap_or_else(|| panic!("no PATCH for {}", rt.kind));
        assert!(has_query_param(op, "fieldValidation"), "{}", rt.kind);
        assert!(has_query_param(op, "force"), "{}", rt.kind);
        assert!(op["requestBody"]["content"]["application/strategic-merge-patch+json"].is_object());
        let name = super::schema_name(rt);
        let gvk = &doc["components"]["schemas"][&name]["x-kubernetes-group-version-kind"];
        assert_eq!(
            gvk,
            &json!([{"group": rt.group, "version": rt.version, "kind": rt.kind}]),
            "{name}"
        );
    }
}

#[test]
fn pod_templates_carry_strategic_merge_metadata_and_every_ref_resolves() {
    let reg = Registry::builtin();
    let doc = document(&reg, "apis/apps/v1").unwrap();
    let schemas = &doc["components"]["schemas"];
    let deployment = &schemas["io.k8s.api.apps.v1.Deployment"];
    assert!(
        resolve(&doc, &deployment["properties"]["metadata"])["properties"]["labels"].is_object()
    );
    let spec = resolve(&doc, &deployment["properties"]["spec"]);
    assert_eq!(
        spec["properties"]["strategy"]["x-kubernetes-patch-strategy"],
        "retainKeys"
    );
    let pod = resolve(
        &doc,
        &resolve(&doc, &spec["properties"]["template"])["properties"]["spec"],
    );
    let containers = &pod["properties"]["containers"];
    assert_eq!(containers["x-kubernetes-patch-merge-key"], "name");
    assert_eq!(containers["x-kubernetes-patch-strategy"], "merge");
    assert_eq!(containers["x-kubernetes-list-map-keys"], json!(["name"]));
    assert_eq!(
        pod["properties"]["volumes"]["x-kubernetes-patch-strategy"],
        "merge,retainKeys"
    );
    assert_eq!(
        pod["properties"]["imagePullSecrets"]["x-kubernetes-patch-merge-key"],
        "name"
    );
    let container = resolve(&doc, &containers["items"]);
    for (field, key) in [
        ("env", "name"),
        ("volumeMounts", "mountPath"),
        ("ports", "containerPort"),
    ] {
        assert_eq!(
            container["properties"][field]["x-kubernetes-patch-merge-key"], key,
            "{field}"
        );
    }
    assert_eq!(
        container["properties"]["ports"]["x-kubernetes-list-map-keys"],
        json!(["containerPort", "protocol"])
    );

    let text = doc.to_string();
    for piece in text.split("\"#/components/schemas/").skip(1) {
        let name = piece.split('"').next().unwrap();
        assert!(schemas[name].is_object(), "dangling $ref {name}");
    }
}

#[test]
fn custom_resources_get_their_crd_schema_and_change_the_hash() {
    let mut reg = Registry::builtin();
    let before = index(&reg);
    assert!(before["paths"]["apis/networking.gke.io/v1"].is_null());
    reg.set_custom(&[mcs_crd()]);
    let after = index(&reg);
    assert!(
        after["paths"]["apis/networking.gke.io/v1"]["serverRelativeURL"]
            .as_str()
            .unwrap()
            .contains("?hash=")
    );
    let doc = document(&reg, "apis/networking.gke.io/v1").unwrap();
    let mcs = &doc["components"]["schemas"]["io.gke.networking.v1.MultiClusterService"];
    assert_eq!(
        mcs["x-kubernetes-group-version-kind"],
        json!([{"group": "networking.gke.io", "version": "v1", "kind": "MultiClusterService"}])
    );
    assert!(mcs["properties"]["spec"]["properties"]["clusters"].is_object());
    assert!(resolve(&doc, &mcs["properties"]["metadata"])["properties"]["name"].is_object());
    let op = patch_op(&doc, "networking.gke.io", "v1", "MultiClusterService").unwrap();
    assert!(has_query_param(op, "fieldValidation"));
    let content = &op["requestBody"]["content"];
    assert!(content["application/merge-patch+json"].is_object());
    assert!(content["application/strategic-merge-patch+json"].is_null());
    assert!(doc["paths"]["/apis/networking.gke.io/v1/namespaces/{namespace}/multiclusterservices/{name}/status"].is_object());
    assert!(doc["paths"]["/apis/networking.gke.io/v1/multiclusterservices"]["get"].is_object());
}
