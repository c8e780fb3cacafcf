//! OpenAPI v3 as kube-apiserver serves it: the `/openapi/v3` index and one
//! document per group-version.
//!
//! kubectl reads two things from them (k8s.io/cli-runtime
//! `query_param_verifier_v3.go`, k8s.io/kubectl `apply/patcher.go`): a PATCH
//! operation whose `x-kubernetes-group-version-kind` names the object's kind
//! and lists a `fieldValidation` query parameter makes it send
//! `fieldValidation=Strict` instead of validating client-side; and when that
//! operation accepts `application/strategic-merge-patch+json`, client-side
//! apply computes its patch from the component schema whose
//! `x-kubernetes-group-version-kind` array names the kind, following
//! `allOf`/`$ref` and reading the `x-kubernetes-patch-*` extensions.

mod schemas;
mod types;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha512};

use crate::resources::{Registry, ResourceType};

pub use schemas::schema_name;

/// `/openapi/v3`: each group-version's document URL, with a hash of its
/// content so clients refetch when it changes (a CRD added or edited).
pub fn index(reg: &Registry) -> Value {
    let mut paths = Map::new();
    for (group, version) in reg.group_versions() {
        let gv_path = gv_path(&group, &version);
        if let Some(doc) = document(reg, &gv_path) {
            let url = format!("/openapi/v3/{gv_path}?hash={}", hash(&doc));
            paths.insert(gv_path, json!({"serverRelativeURL": url}));
        }
    }
    json!({"paths": paths})
}

/// The hash kube-apiserver puts in `serverRelativeURL`: SHA-512 of the
/// document, uppercase hex.
pub fn hash(document: &Value) -> String {
    let digest = Sha512::digest(document.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02X}")).collect()
}

/// `api/v1` or `apis/<group>/<version>`.
fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// The document of one group-version (`api/v1`, `apis/apps/v1`), or `None`
/// when the registry serves no such group-version.
pub fn document(reg: &Registry, gv_path: &str) -> Option<Value> {
    let gv_path = gv_path.trim_matches('/');
    let (group, version) = match gv_path.split('/').collect::<Vec<_>>().as_slice() {
        ["api", version] => ("", *version),
        ["apis", group, version] => (*group, *version),
        _ => return None,
    };
    let kinds: Vec<&ResourceType> = reg
        .all()
        .iter()
        .filter(|t| t.group == group && t.version == version)
        .collect();
    if kinds.is_empty() {
        return None;
    }
    let mut paths = Map::new();
    for rt in &kinds {
        resource_paths(rt, &mut paths);
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": format!("v{}.{}.0", super::discovery::MAJOR, super::discovery::MINOR)},
        "paths": paths,
        "components": {
            "schemas": schemas::components(&kinds),
            "securitySchemes": {"BearerToken": {"type": "apiKey", "description": "Bearer Token authentication", "name": "authorization", "in": "header"}},
        },
        "security": [{"BearerToken": []}],
    }))
}

/// The operationId word for a group: `CoreV1`, `AppsV1`, `RbacAuthorizationV1`.
fn op_word(rt: &ResourceType) -> String {
    let group = if rt.group.is_empty() {
        "core".to_owned()
    } else {
        rt.group.trim_end_matches(".k8s.io").to_owned()
    };
    let mut word: String = group.split(['.', '-']).map(capitalize).collect();
    word.push_str(&capitalize(&rt.version));
    word
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn query(name: &str, ty: &str, description: &str) -> Value {
    json!({"name": name, "in": "query", "description": description, "schema": {"type": ty, "uniqueItems": true}})
}

fn path_param(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "path", "description": description, "required": true,
        "schema": {"type": "string", "uniqueItems": true}})
}

const DRY_RUN: &str = "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed";
const FIELD_MANAGER: &str =
    "fieldManager is a name associated with the actor or entity that is making these changes.";
const FIELD_VALIDATION: &str = "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict";

fn write_params(force: bool) -> Vec<Value> {
    let mut params = vec![
        query("dryRun", "string", DRY_RUN),
        query("fieldManager", "string", FIELD_MANAGER),
        query("fieldValidation", "string", FIELD_VALIDATION),
    ];
    if force {
        params.push(query("force", "boolean", "Force is going to \"force\" Apply requests. It must be unset for non-apply patch requests."));
    }
    params
}

fn list_params() -> Vec<Value> {
    [
        ("allowWatchBookmarks", "boolean"),
        ("continue", "string"),
        ("fieldSelector", "string"),
        ("labelSelector", "string"),
        ("limit", "integer"),
        ("resourceVersion", "string"),
        ("resourceVersionMatch", "string"),
        ("sendInitialEvents", "boolean"),
        ("timeoutSeconds", "integer"),
        ("watch", "boolean"),
    ]
    .iter()
    .map(|(name, ty)| query(name, ty, ""))
    .collect()
}

fn delete_params() -> Vec<Value> {
    vec![
        query("dryRun", "string", DRY_RUN),
        query("gracePeriodSeconds", "integer", ""),
        query("orphanDependents", "boolean", ""),
        query("propagationPolicy", "string", ""),
    ]
}

fn content(schema: &Value) -> Value {
    let media = json!({"schema": schema});
    json!({"application/json": media, "application/yaml": media, "application/vnd.kubernetes.protobuf": media})
}

fn responses(codes: &[u16], schema: &Value) -> Value {
    let mut out = Map::new();
    for code in codes {
        out.insert(
            code.to_string(),
            json!({"description": "OK", "content": content(schema)}),
        );
    }
    out.insert("401".into(), json!({"description": "Unauthorized"}));
    Value::Object(out)
}

/// One operation; `gvk` is what kubectl matches on.
fn operation(
    id: String,
    action: &str,
    gvk: &Value,
    params: Vec<Value>,
    body: Option<Value>,
    resp: Value,
) -> Value {
    let mut op = json!({
        "operationId": id,
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk,
        "responses": resp,
    });
    if !params.is_empty() {
        op["parameters"] = json!(params);
    }
    if let Some(body) = body {
        op["requestBody"] = json!({"content": body, "required": true});
    }
    op
}

/// Built-in kinds accept strategic merge patch; custom resources do not, and
/// kubectl falls back to a JSON merge patch for them.
fn patch_body(rt: &ResourceType) -> Value {
    let patch = schemas::reference("io.k8s.apimachinery.pkg.apis.meta.v1.Patch");
    let mut types = vec![
        "application/apply-patch+yaml",
        "application/json-patch+json",
        "application/merge-patch+json",
    ];
    if rt.schema.is_none() {
        types.push("application/strategic-merge-patch+json");
    }
    types
        .into_iter()
        .map(|t| (t.to_owned(), json!({"schema": patch})))
        .collect::<Map<_, _>>()
        .into()
}

fn resource_paths(rt: &ResourceType, paths: &mut Map<String, Value>) {
    let root = if rt.group.is_empty() {
        format!("/api/{}", rt.version)
    } else {
        format!("/apis/{}/{}", rt.group, rt.version)
    };
    let (scope, ns_word) = if rt.namespaced {
        (format!("{root}/namespaces/{{namespace}}"), "Namespaced")
    } else {
        (root.clone(), "")
    };
    let word = op_word(rt);
    let kind = &rt.kind;
    let object = schemas::reference(&schema_name(rt));
    let list = schemas::reference(&format!("{}List", schema_name(rt)));
    let status = schemas::reference("io.k8s.apimachinery.pkg.apis.meta.v1.Status");
    let gvk = json!({"group": rt.group, "version": rt.version, "kind": kind});
    let mut scope_params = vec![query(
        "pretty",
        "string",
        "If 'true', then the output is pretty printed.",
    )];
    if rt.namespaced {
        scope_params.insert(
            0,
            path_param(
                "namespace",
                "object name and auth scope, such as for teams and projects",
            ),
        );
    }
    let mut item_params = vec![path_param("name", &format!("name of the {kind}"))];
    item_params.extend(scope_params.iter().cloned());
    let delete_body = json!({"*/*": {"schema": schemas::reference("io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions")}});
    let mut delete_collection = list_params();
    delete_collection.extend(delete_params());

    let collection = json!({
        "get": operation(format!("list{word}{ns_word}{kind}"), "list", &gvk, list_params(), None, responses(&[200], &list)),
        "post": operation(format!("create{word}{ns_word}{kind}"), "post", &gvk, write_params(false),
            Some(json!({"*/*": {"schema": object}})), responses(&[200, 201, 202], &object)),
        "delete": operation(format!("deletecollection{word}{ns_word}{kind}"), "deletecollection", &gvk,
            delete_collection, Some(delete_body.clone()), responses(&[200], &status)),
        "parameters": scope_params,
    });
    paths.insert(format!("{scope}/{}", rt.plural), collection);
    let item = |gvk: &Value, object: &Value, suffix: &str, sub: &str| {
        let mut path = json!({
            "get": operation(format!("read{word}{ns_word}{kind}{suffix}"), "get", gvk, vec![], None, responses(&[200], object)),
            "put": operation(format!("replace{word}{ns_word}{kind}{suffix}"), "put", gvk, write_params(false),
                Some(json!({"*/*": {"schema": object}})), responses(&[200, 201], object)),
            "patch": operation(format!("patch{word}{ns_word}{kind}{suffix}"), "patch", gvk, write_params(true),
                Some(patch_body(rt)), responses(&[200, 201], object)),
            "parameters": item_params,
        });
        if sub.is_empty() {
            path["delete"] = operation(
                format!("delete{word}{ns_word}{kind}"),
                "delete",
                gvk,
                delete_params(),
                Some(delete_body.clone()),
                responses(&[200, 202], object),
            );
        }
        path
    };
    let item_path = format!("{scope}/{}/{{name}}", rt.plural);
    paths.insert(item_path.clone(), item(&gvk, &object, "", ""));
    for sub in &rt.subresources {
        let (sub_gvk, sub_object) = match sub.as_str() {
            "status" | "approval" => (gvk.clone(), object.clone()),
            "scale" => (
                json!({"group": "autoscaling", "version": "v1", "kind": "Scale"}),
                schemas::reference("io.k8s.api.autoscaling.v1.Scale"),
            ),
            // log and finalize are not object endpoints kubectl looks up.
            _ => continue,
        };
        paths.insert(
            format!("{item_path}/{sub}"),
            item(&sub_gvk, &sub_object, &capitalize(sub), sub),
        );
    }
    if rt.namespaced {
        paths.insert(
            format!("{root}/{}", rt.plural),
            json!({"get": operation(format!("list{word}{kind}ForAllNamespaces"), "list", &gvk, list_params(), None,
                responses(&[200], &list))}),
        );
    }
}

#[cfg(test)]
mod tests;
