//! Pod templates as the deployment controller sees them: normalised (the
//! apiserver's defaults applied, so a template read back from a ReplicaSet
//! compares equal to the one it came from) and hashed into the
//! `pod-template-hash` label.

use serde_json::{Value, json};

use crate::ops::defaults;

pub const HASH_LABEL: &str = "pod-template-hash";

/// `template` with server defaults applied and `pod-template-hash` removed.
pub fn normalize(template: &Value) -> Value {
    let mut holder = json!({"metadata": {}, "spec": {"template": template}});
    // Defaulting a ReplicaSet defaults its template; errors only come
    // from Secret data, which a template never is.
    let _ = defaults::on_create("ReplicaSet", &mut holder, String::new);
    let mut out = holder["spec"]["template"].take();
    strip_nulls(&mut out);
    if let Some(labels) = out["metadata"]["labels"].as_object_mut() {
        labels.remove(HASH_LABEL);
    }
    if out["metadata"]["labels"]
        .as_object()
        .is_some_and(serde_json::Map::is_empty)
        && let Some(m) = out["metadata"].as_object_mut()
    {
        m.remove("labels");
    }
    if out["metadata"]
        .as_object()
        .is_some_and(serde_json::Map::is_empty)
        && let Some(m) = out.as_object_mut()
    {
        m.remove("metadata");
    }
    out
}

/// Removes null members (`creationTimestamp: null` from Go clients),
/// which mean the same as absent ones.
fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// Whether two templates are the same apart from the hash label.
pub fn equal_ignoring_hash(a: &Value, b: &Value) -> bool {
    normalize(a) == normalize(b)
}

/// The `pod-template-hash` of a template: FNV-32a of its canonical JSON
/// (plus the collision count), spelled as Kubernetes spells it — each
/// decimal digit mapped onto the consonant-and-digit alphabet.
pub fn hash(template: &Value, collision_count: u32) -> String {
    let mut text = String::new();
    canonical(&normalize(template), &mut text);
    if collision_count > 0 {
        text.push_str(&collision_count.to_string());
    }
    let mut h: u32 = 0x811c_9dc5;
    for b in text.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    h.to_string()
        .bytes()
        .map(|d| ALPHABET[usize::from(d) % ALPHABET.len()] as char)
        .collect()
}

/// JSON with object keys sorted, whatever map order serde_json was built
/// with, so hashes are stable across builds.
fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                canonical(&map[k.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_ignores_defaults_and_the_hash_label_but_not_the_image() {
        let bare = json!({"metadata": {"labels": {"app": "foo"}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}});
        let mut read_back = normalize(&bare);
        read_back["metadata"]["labels"][HASH_LABEL] = json!("abc");
        assert!(equal_ignoring_hash(&bare, &read_back));
        assert_eq!(hash(&bare, 0), hash(&read_back, 0));
        let h = hash(&bare, 0);
        assert!(h.len() >= 8 && h.len() <= 10, "{h}");
        assert!(
            h.bytes()
                .all(|b| b"bcdfghjklmnpqrstvwxz2456789".contains(&b))
        );

        let mut other = bare.clone();
        other["spec"]["containers"][0]["image"] = json!("nginx:1.28");
        assert_ne!(hash(&bare, 0), hash(&other, 0));
        assert_ne!(hash(&bare, 0), hash(&bare, 1));
    }
}
