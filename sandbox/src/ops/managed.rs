//! Field ownership for server-side apply: which manager set which field
//! (`metadata.managedFields`, FieldsV1), conflicts between managers, and
//! removal of fields an applier stopped declaring.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::clock;

/// One step of a field path: `f:spec` or `k:{"name":"app"}`.
pub type Path = Vec<String>;

/// Top-level fields the apiserver owns itself.
const SERVER_FIELDS: &[&str] = &["apiVersion", "kind", "status"];
const SERVER_METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "managedFields",
    "creationTimestamp",
    "generation",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
    "generateName",
];

/// The leaf field paths an object (or applied configuration) sets.
pub fn fields_of(object: &Value) -> BTreeSet<Path> {
    let mut out = BTreeSet::new();
    let Some(map) = object.as_object() else {
        return out;
    };
    for (k, v) in map {
        if SERVER_FIELDS.contains(&k.as_str()) {
            continue;
        }
        if k == "metadata" {
            for (mk, mv) in v.as_object().into_iter().flatten() {
                if SERVER_METADATA.contains(&mk.as_str()) {
                    continue;
                }
                collect(mk, mv, vec!["f:metadata".into()], &mut out);
            }
            continue;
        }
        collect(k, v, Vec::new(), &mut out);
    }
    out
}

fn collect(key: &str, value: &Value, mut prefix: Path, out: &mut BTreeSet<Path>) {
    prefix.push(format!("f:{key}"));
    match value {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                collect(k, v, prefix.clone(), out);
            }
        }
        Value::Array(items) if !items.is_empty() => match list_key(key, items) {
            Some(mk) => {
                for item in items {
                    let id = item.get(mk).cloned().unwrap_or(Value::Null);
                    let mut item_path = prefix.clone();
                    item_path.push(format!("k:{}", json!({ mk: id })));
                    let mut inner = BTreeSet::new();
                    for (k, v) in item.as_object().into_iter().flatten() {
                        if k != mk {
                            collect(k, v, item_path.clone(), &mut inner);
                        }
                    }
                    if inner.is_empty() {
                        out.insert(item_path);
                    } else {
                        out.extend(inner);
                    }
                }
            }
            None => {
                out.insert(prefix);
            }
        },
        _ => {
            out.insert(prefix);
        }
    }
}

fn list_key(field: &str, items: &[Value]) -> Option<&'static str> {
    match field {
        "containers" | "initContainers" | "env" | "volumes" | "imagePullSecrets" => Some("name"),
        "volumeMounts" => Some("mountPath"),
        "ports" if items.iter().any(|i| i.get("containerPort").is_some()) => Some("containerPort"),
        "ports" => Some("port"),
        _ => None,
    }
}

/// The value at `path`, if present.
pub fn value_at<'a>(object: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = object;
    for step in path {
        cur = step_into(cur, step)?;
    }
    Some(cur)
}

fn step_into<'a>(cur: &'a Value, step: &str) -> Option<&'a Value> {
    if let Some(field) = step.strip_prefix("f:") {
        return cur.get(field);
    }
    let key: Map<String, Value> = serde_json::from_str(step.strip_prefix("k:")?).ok()?;
    cur.as_array()?
        .iter()
        .find(|item| key.iter().all(|(k, v)| item.get(k) == Some(v)))
}

/// Removes the field at `path` (and the list item when the path ends at one).
pub fn remove_at(object: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = object;
    for step in parents {
        let next = if let Some(field) = step.strip_prefix("f:") {
            cur.get_mut(field)
        } else {
            let Some(key) = step
                .strip_prefix("k:")
                .and_then(|k| serde_json::from_str::<Map<String, Value>>(k).ok())
            else {
                return;
            };
            cur.as_array_mut().and_then(|a| {
                a.iter_mut()
                    .find(|item| key.iter().all(|(k, v)| item.get(k) == Some(v)))
            })
        };
        let Some(next) = next else { return };
        cur = next;
    }
    if let Some(field) = last.strip_prefix("f:") {
        if let Some(m) = cur.as_object_mut() {
            m.remove(field);
        }
    } else if let Some(key) = last
        .strip_prefix("k:")
        .and_then(|k| serde_json::from_str::<Map<String, Value>>(k).ok())
        && let Some(a) = cur.as_array_mut()
    {
        a.retain(|item| !key.iter().all(|(k, v)| item.get(k) == Some(v)));
    }
}

/// `.spec.template.spec.containers[name="app"].image`
pub fn display(path: &[String]) -> String {
    let mut out = String::new();
    for step in path {
        if let Some(f) = step.strip_prefix("f:") {
            out.push('.');
            out.push_str(f);
        } else if let Some(k) = step
            .strip_prefix("k:")
            .and_then(|k| serde_json::from_str::<Map<String, Value>>(k).ok())
        {
            let inner: Vec<String> = k.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push_str(&format!("[{}]", inner.join(",")));
        }
    }
    out
}

/// One manager's entry of `metadata.managedFields`.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub manager: String,
    /// `Apply` or `Update`.
    pub operation: String,
    pub api_version: String,
    pub subresource: Option<String>,
    pub fields: BTreeSet<Path>,
}

pub fn read_entries(object: &Value) -> Vec<Entry> {
    object["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| Entry {
            manager: e["manager"].as_str().unwrap_or_default().into(),
            operation: e["operation"].as_str().unwrap_or("Update").into(),
            api_version: e["apiVersion"].as_str().unwrap_or_default().into(),
            subresource: e["subresource"].as_str().map(Into::into),
            fields: decode(&e["fieldsV1"]),
        })
        .collect()
}

pub fn write_entries(object: &mut Value, entries: &[Entry]) {
    let now = clock::now_rfc3339();
    let list: Vec<Value> = entries
        .iter()
        .filter(|e| !e.fields.is_empty())
        .map(|e| {
            let mut v = json!({
                "manager": e.manager,
                "operation": e.operation,
                "apiVersion": e.api_version,
                "time": now,
                "fieldsType": "FieldsV1",
                "fieldsV1": encode(&e.fields),
            });
            if let Some(s) = &e.subresource {
                v["subresource"] = json!(s);
            }
            v
        })
        .collect();
    object["metadata"]["managedFields"] = Value::Array(list);
}

fn encode(fields: &BTreeSet<Path>) -> Value {
    let mut root = Map::new();
    for path in fields {
        let mut cur = &mut root;
        for step in path {
            let next = cur.entry(step.clone()).or_insert_with(|| json!({}));
            let Value::Object(m) = next else { break };
            cur = m;
        }
    }
    Value::Object(root)
}

fn decode(v: &Value) -> BTreeSet<Path> {
    let mut out = BTreeSet::new();
    fn walk(v: &Value, prefix: &mut Path, out: &mut BTreeSet<Path>) {
        let Some(m) = v.as_object() else { return };
        let children: Vec<_> = m.iter().filter(|(k, _)| k.as_str() != ".").collect();
        if children.is_empty() && !prefix.is_empty() {
            out.insert(prefix.clone());
            return;
        }
        for (k, child) in children {
            prefix.push(k.clone());
            walk(child, prefix, out);
            prefix.pop();
        }
    }
    walk(v, &mut Vec::new(), &mut out);
    out
}

/// Conflicts of an apply by `manager` of `applied` against `current`: other
/// managers owning a field the apply sets to a different value.
pub fn conflicts(current: &Value, applied: &Value, manager: &str) -> BTreeMap<String, Vec<Path>> {
    let applied_fields = fields_of(applied);
    let mut out: BTreeMap<String, Vec<Path>> = BTreeMap::new();
    for entry in read_entries(current) {
        if entry.manager == manager && entry.operation == "Apply" {
            continue;
        }
        for path in entry.fields.intersection(&applied_fields) {
            if value_at(current, path) != value_at(applied, path) {
                out.entry(entry.manager.clone())
                    .or_default()
                    .push(path.clone());
            }
        }
    }
    out
}

/// Records an Update by `manager`: it now owns every field whose value
/// changed between `old` and `new`, and others lose those.
pub fn record_update(
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    api_version: &str,
    subresource: Option<&str>,
) {
    let mut entries = old.map(read_entries).unwrap_or_default();
    let new_fields = fields_of(new);
    let changed: BTreeSet<Path> = match old {
        None => new_fields,
        Some(old) => {
            let old_fields = fields_of(old);
            new_fields
                .union(&old_fields)
                .filter(|p| value_at(old, p) != value_at(new, p))
                .cloned()
                .collect()
        }
    };
    if changed.is_empty() && old.is_some() {
        write_entries(new, &entries);
        return;
    }
    for e in &mut entries {
        e.fields.retain(|p| !changed.contains(p));
    }
    let live: BTreeSet<Path> = changed
        .into_iter()
        .filter(|p| value_at(new, p).is_some())
        .collect();
    match entries.iter_mut().find(|e| {
        e.manager == manager && e.operation == "Update" && e.subresource.as_deref() == subresource
    }) {
        Some(e) => e.fields.extend(live),
        None => entries.push(Entry {
            manager: manager.into(),
            operation: "Update".into(),
            api_version: api_version.into(),
            subresource: subresource.map(Into::into),
            fields: live,
        }),
    }
    write_entries(new, &entries);
}

/// Records an Apply by `manager` of `applied` onto `merged` (the result of
/// merging it into the previous object): fields the manager declared before
/// and no longer declares, and nobody else owns, are removed from `merged`.
pub fn record_apply(
    previous: Option<&Value>,
    merged: &mut Value,
    applied: &Value,
    manager: &str,
    api_version: &str,
    force: bool,
) {
    let mut entries = previous.map(read_entries).unwrap_or_default();
    let applied_fields = fields_of(applied);
    let before: BTreeSet<Path> = entries
        .iter()
        .find(|e| e.manager == manager && e.operation == "Apply")
        .map(|e| e.fields.clone())
        .unwrap_or_default();
    for e in &mut entries {
        if e.manager == manager && e.operation == "Apply" {
            continue;
        }
        if force && let Some(prev) = previous {
            e.fields.retain(|p| {
                !applied_fields.contains(p) || value_at(prev, p) == value_at(applied, p)
            });
        }
    }
    let others: BTreeSet<Path> = entries
        .iter()
        .filter(|e| !(e.manager == manager && e.operation == "Apply"))
        .flat_map(|e| e.fields.iter().cloned())
        .collect();
    for dropped in before.difference(&applied_fields) {
        if !others.contains(dropped) {
            remove_at(merged, dropped);
        }
    }
    entries.retain(|e| !(e.manager == manager && e.operation == "Apply"));
    entries.insert(
        0,
        Entry {
            manager: manager.into(),
            operation: "Apply".into(),
            api_version: api_version.into(),
            subresource: None,
            fields: applied_fields,
        },
    );
    write_entries(merged, &entries);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_through_fieldsv1() {
        let obj = json!({"metadata": {"name": "x", "labels": {"app": "foo"}},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "app", "image": "a:1"}]}}}});
        let fields = fields_of(&obj);
        assert!(fields.contains(&vec!["f:spec".to_string(), "f:replicas".to_string()]));
        assert_eq!(decode(&encode(&fields)), fields);
        let image = fields
            .iter()
            .find(|p| p.last().map(String::as_str) == Some("f:image"))
            .unwrap();
        assert_eq!(
            display(image),
            ".spec.template.spec.containers[name=\"app\"].image"
        );
        assert_eq!(value_at(&obj, image), Some(&json!("a:1")));
    }

    #[test]
    fn apply_conflicts_with_another_owner_then_force_takes_over() {
        let mut obj = json!({"spec": {"replicas": 2}});
        record_update(None, &mut obj, "kubectl-scale", "apps/v1", None);
        let applied = json!({"spec": {"replicas": 5}});
        let c = conflicts(&obj, &applied, "meshdeck");
        assert_eq!(c["kubectl-scale"].len(), 1);
        let same = json!({"spec": {"replicas": 2}});
        assert!(conflicts(&obj, &same, "meshdeck").is_empty());
        let previous = obj.clone();
        let mut merged = json!({"spec": {"replicas": 5}, "metadata": previous["metadata"].clone()});
        record_apply(
            Some(&previous),
            &mut merged,
            &applied,
            "meshdeck",
            "apps/v1",
            true,
        );
        let entries = read_entries(&merged);
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert_eq!(entries[0].manager, "meshdeck");
    }

    #[test]
    fn apply_removes_fields_it_stopped_declaring() {
        let first = json!({"metadata": {"labels": {"a": "1", "b": "2"}}});
        let mut obj = first.clone();
        record_apply(None, &mut obj, &first, "m", "v1", false);
        let second = json!({"metadata": {"labels": {"a": "1"}}});
        let prev = obj.clone();
        let mut merged = obj.clone();
        record_apply(Some(&prev), &mut merged, &second, "m", "v1", false);
        assert_eq!(merged["metadata"]["labels"], json!({"a": "1"}));
    }
}
