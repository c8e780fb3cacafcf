//! The four patch types: JSON merge patch (RFC 7386), strategic merge patch
//! (lists merged by their Kubernetes merge keys), JSON patch (RFC 6902), and
//! the merge used by server-side apply.

use serde_json::{Map, Value};

use crate::status::ApiStatus;

/// RFC 7386: objects merge recursively, `null` deletes, anything else
/// replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(target) = target else {
        return;
    };
    for (k, v) in patch {
        if v.is_null() {
            target.remove(k);
        } else {
            merge_patch(target.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

/// The key that identifies items of list `field`, as the Kubernetes types
/// declare with `patchMergeKey`; `None` means the list is replaced whole.
fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "secrets" => Some("name"),
        "volumeMounts" | "volumeDevices" => Some("mountPath"),
        "conditions" => Some("type"),
        "ownerReferences" => Some("uid"),
        "hostAliases" => Some("ip"),
        "ports" => {
            // Container ports merge on containerPort, service ports on port.
            if items.iter().any(|i| i.get("containerPort").is_some()) {
                Some("containerPort")
            } else {
                Some("port")
            }
        }
        _ => None,
    }
}

/// Lists of scalars merged as sets (`patchStrategy: merge`).
fn is_scalar_set(field: &str) -> bool {
    field == "finalizers"
}

/// Strategic merge patch, with the directives kubectl sends (`$patch`,
/// `$setElementOrder/…`, `$retainKeys`, `$deleteFromPrimitiveList/…`).
pub fn strategic_merge_patch(target: &mut Value, patch: &Value) -> Result<(), ApiStatus> {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return Ok(());
    };
    if patch.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut replaced = patch.clone();
        replaced.remove("$patch");
        *target = Value::Object(replaced);
        return Ok(());
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(obj) = target else {
        return Ok(());
    };
    if let Some(keep) = patch.get("$retainKeys").and_then(Value::as_array) {
        let keep: Vec<&str> = keep.iter().filter_map(Value::as_str).collect();
        obj.retain(|k, _| keep.contains(&k.as_str()));
    }
    for (k, v) in patch {
        if k.starts_with("$setElementOrder/") || k == "$retainKeys" || k == "$patch" {
            continue;
        }
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(list)), Some(remove)) = (obj.get_mut(field), v.as_array()) {
                list.retain(|item| !remove.contains(item));
            }
            continue;
        }
        match v {
            Value::Null => {
                obj.remove(k);
            }
            Value::Array(items) => {
                let existing = obj.entry(k.clone()).or_insert(Value::Array(Vec::new()));
                merge_list(k, existing, items)?;
            }
            Value::Object(_) => {
                strategic_merge_patch(obj.entry(k.clone()).or_insert(Value::Null), v)?;
            }
            _ => {
                obj.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(())
}

fn merge_list(field: &str, existing: &mut Value, items: &[Value]) -> Result<(), ApiStatus> {
    if is_scalar_set(field) {
        let list = ensure_array(existing);
        for item in items {
            if !list.contains(item) {
                list.push(item.clone());
            }
        }
        return Ok(());
    }
    let Some(key) = merge_key(field, items) else {
        *existing = Value::Array(items.iter().map(strip_directives).collect());
        return Ok(());
    };
    if items
        .iter()
        .any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        let kept = items
            .iter()
            .filter(|i| i.get("$patch").is_none())
            .map(strip_directives)
            .collect();
        *existing = Value::Array(kept);
        return Ok(());
    }
    let list = ensure_array(existing);
    for item in items {
        let Some(id) = item.get(key) else {
            return Err(ApiStatus::bad_request(format!(
                "map: {item} does not contain declared merge key: {key}"
            )));
        };
        let position = list.iter().position(|e| e.get(key) == Some(id));
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (position, delete) {
            (Some(i), true) => {
                list.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => strategic_merge_patch(&mut list[i], item)?,
            (None, false) => list.push(strip_directives(item)),
        }
    }
    Ok(())
}

fn ensure_array(v: &mut Value) -> &mut Vec<Value> {
    if !v.is_array() {
        *v = Value::Array(Vec::new());
    }
    match v {
        Value::Array(a) => a,
        _ => unreachable!("just made an array"),
    }
}

fn strip_directives(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), strip_directives(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_directives).collect()),
        other => other.clone(),
    }
}

/// RFC 6902 JSON patch.
pub fn json_patch(target: &mut Value, ops: &Value) -> Result<(), ApiStatus> {
    let ops = ops
        .as_array()
        .ok_or_else(|| ApiStatus::bad_request("json patch must be an array of operations"))?;
    for op in ops {
        let name = op["op"].as_str().unwrap_or_default();
        let path = op["path"].as_str().ok_or_else(|| {
            ApiStatus::bad_request(format!("json patch operation {op} has no path"))
        })?;
        match name {
            "add" => add(target, path, op["value"].clone())?,
            "remove" => {
                remove(target, path)?;
            }
            "replace" => {
                remove(target, path)?;
                add(target, path, op["value"].clone())?;
            }
            "move" | "copy" => {
                let from = op["from"].as_str().unwrap_or_default();
                let value = if name == "move" {
                    remove(target, from)?
                } else {
                    target.pointer(from).cloned().ok_or_else(|| missing(from))?
                };
                add(target, path, value)?;
            }
            "test" => {
                if target.pointer(path) != Some(&op["value"]) {
                    return Err(ApiStatus::bad_request(format!(
                        "the server rejected our request due to an error in our request: testing value {path} failed"
                    )));
                }
            }
            other => {
                return Err(ApiStatus::bad_request(format!(
                    "unknown json patch operation {other:?}"
                )));
            }
        }
    }
    Ok(())
}

fn missing(path: &str) -> ApiStatus {
    ApiStatus::bad_request(format!(
        "the server rejected our request due to an error in our request: jsonpatch path {path} does not exist"
    ))
}

fn split(path: &str) -> Result<(String, String), ApiStatus> {
    let (parent, last) = path.rsplit_once('/').ok_or_else(|| missing(path))?;
    let last = last.replace("~1", "/").replace("~0", "~");
    Ok((parent.to_owned(), last))
}

fn add(target: &mut Value, path: &str, value: Value) -> Result<(), ApiStatus> {
    if path.is_empty() {
        *target = value;
        return Ok(());
    }
    let (parent, last) = split(path)?;
    match target.pointer_mut(&parent).ok_or_else(|| missing(path))? {
        Value::Object(m) => {
            m.insert(last, value);
        }
        Value::Array(a) => {
            let index = if last == "-" {
                a.len()
            } else {
                last.parse::<usize>().map_err(|_| missing(path))?
            };
            if index > a.len() {
                return Err(missing(path));
            }
            a.insert(index, value);
        }
        _ => return Err(missing(path)),
    }
    Ok(())
}

fn remove(target: &mut Value, path: &str) -> Result<Value, ApiStatus> {
    let (parent, last) = split(path)?;
    match target.pointer_mut(&parent).ok_or_else(|| missing(path))? {
        Value::Object(m) => m.remove(&last).ok_or_else(|| missing(path)),
        Value::Array(a) => {
            let index = last.parse::<usize>().map_err(|_| missing(path))?;
            if index >= a.len() {
                return Err(missing(path));
            }
            Ok(a.remove(index))
        }
        _ => Err(missing(path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_deletes_with_null() {
        let mut obj = json!({"metadata": {"labels": {"a": "1", "b": "2"}}});
        merge_patch(
            &mut obj,
            &json!({"metadata": {"labels": {"a": null, "c": "3"}}}),
        );
        assert_eq!(obj, json!({"metadata": {"labels": {"b": "2", "c": "3"}}}));
    }

    #[test]
    fn strategic_merge_merges_containers_by_name() {
        let mut obj = json!({"spec": {"containers": [
            {"name": "app", "image": "a:1", "env": [{"name": "X", "value": "1"}]},
            {"name": "side", "image": "s:1"}
        ]}});
        let patch = json!({"spec": {
        "$setElementOrder/containers": [{"name": "app"}, {"name": "side"}],
        "containers": [
            {"name": "app", "image": "a:2", "env": [{"name": "Y", "value": "2"}]},
            {"name": "side", "$patch": "delete"}
        ]}});
        strategic_merge_patch(&mut obj, &patch).unwrap();
        assert_eq!(
            obj,
            json!({"spec": {"containers": [
                {"name": "app", "image": "a:2", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]}
            ]}})
        );
    }

    #[test]
    fn strategic_merge_replaces_unkeyed_lists_and_merges_finalizers() {
        let mut obj = json!({"spec": {"args": ["a", "b"]}, "metadata": {"finalizers": ["x"]}});
        strategic_merge_patch(
            &mut obj,
            &json!({"spec": {"args": ["c"]}, "metadata": {"finalizers": ["y"]}}),
        )
        .unwrap();
        assert_eq!(
            obj,
            json!({"spec": {"args": ["c"]}, "metadata": {"finalizers": ["x", "y"]}})
        );
    }

    #[test]
    fn json_patch_operations() {
        let mut obj = json!({"metadata": {"labels": {"a": "1"}}, "spec": {"list": [1, 2]}});
        json_patch(
            &mut obj,
            &json!([
                {"op": "add", "path": "/metadata/labels/b", "value": "2"},
                {"op": "remove", "path": "/metadata/labels/a"},
                {"op": "replace", "path": "/spec/list/0", "value": 9},
                {"op": "add", "path": "/spec/list/-", "value": 3},
                {"op": "test", "path": "/metadata/labels/b", "value": "2"}
            ]),
        )
        .unwrap();
        assert_eq!(
            obj,
            json!({"metadata": {"labels": {"b": "2"}}, "spec": {"list": [9, 2, 3]}})
        );
        assert!(json_patch(&mut obj, &json!([{"op": "remove", "path": "/nope"}])).is_err());
        assert!(
            json_patch(
                &mut obj,
                &json!([{"op": "test", "path": "/spec/list/0", "value": 1}])
            )
            .is_err()
        );
    }
}
