//! Protobuf request bodies (`application/vnd.kubernetes.protobuf`), which
//! kubectl's typed clients send: the `k8s\0` envelope around a
//! `runtime.Unknown`, decoded into the JSON object the apiserver would have
//! received. A small wire reader walks the field tables in `messages`
//! (generated from the k8s-pb and k8s-openapi sources), so no protobuf crate
//! is compiled into the sandbox.

mod messages;
mod wire;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Number, Value, json};

use crate::clock;
use crate::status::ApiStatus;
use messages::MESSAGES;
use wire::{Reader, Wire};

/// The media type of protobuf bodies.
pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

const MAGIC: &[u8] = b"k8s\0";

/// Pointer fields whose zero value means something (`replicas: 0`,
/// `automountServiceAccountToken: false`). Go writes every non-pointer field
/// too, zero or not, and its JSON would omit those zeros.
const KEEP_ZERO: &[&str] = &[
    "replicas",
    "minReplicas",
    "automountServiceAccountToken",
    "immutable",
    "optional",
    "runAsUser",
    "runAsGroup",
    "runAsNonRoot",
    "fsGroup",
    "privileged",
    "allowPrivilegeEscalation",
    "readOnlyRootFilesystem",
    "terminationGracePeriodSeconds",
    "revisionHistoryLimit",
    "progressDeadlineSeconds",
    "enableServiceLinks",
    "hostUsers",
    "defaultMode",
    "mode",
    "deletionGracePeriodSeconds",
    "controller",
    "blockOwnerDeletion",
    "shareProcessNamespace",
    "setHostnameAsFQDN",
    "priority",
    "tolerationSeconds",
    "partition",
    "allocateLoadBalancerNodePorts",
    "expirationSeconds",
    "activeDeadlineSeconds",
    "stabilizationWindowSeconds",
    "seconds",
];

/// Decodes a protobuf body into the JSON object it carries.
pub fn decode(body: &[u8]) -> Result<Value, ApiStatus> {
    let raw = body
        .strip_prefix(MAGIC)
        .ok_or_else(|| malformed("the body does not start with the protobuf envelope prefix"))?;
    let (mut api_version, mut kind, mut object, mut encoding, mut content_type) = (
        String::new(),
        String::new(),
        &[][..],
        String::new(),
        String::new(),
    );
    let mut reader = Reader::new(raw);
    while let Some((tag, value)) = reader.next().map_err(malformed)? {
        match (tag, value) {
            (1, Wire::Bytes(type_meta)) => {
                let mut meta = Reader::new(type_meta);
                while let Some((tag, value)) = meta.next().map_err(malformed)? {
                    match (tag, value) {
                        (1, Wire::Bytes(b)) => api_version = text(b)?,
                        (2, Wire::Bytes(b)) => kind = text(b)?,
                        _ => {}
                    }
                }
            }
            (2, Wire::Bytes(b)) => object = b,
            (3, Wire::Bytes(b)) => encoding = text(b)?,
            (4, Wire::Bytes(b)) => content_type = text(b)?,
            _ => {}
        }
    }
    if !encoding.is_empty() || !(content_type.is_empty() || content_type == CONTENT_TYPE) {
        return Err(unsupported(format!(
            "protobuf bodies with contentEncoding {encoding:?} and contentType {content_type:?} are not supported"
        )));
    }
    if kind.is_empty() {
        return Err(malformed("the envelope names no kind"));
    }
    let key = message_key(&api_version, &kind);
    if fields_of(&key).is_none() {
        return Err(unsupported(format!(
            "{kind} in {api_version} cannot be sent as protobuf to this server; send it as application/json"
        )));
    }
    let mut out = Map::new();
    out.insert("apiVersion".into(), json!(api_version));
    out.insert("kind".into(), json!(kind));
    if let Value::Object(fields) = message(&key, object)? {
        out.extend(fields);
    }
    Ok(Value::Object(out))
}

fn malformed(why: impl std::fmt::Display) -> ApiStatus {
    ApiStatus::bad_request(format!("failed to decode the protobuf body: {why}"))
}

fn unsupported(message: String) -> ApiStatus {
    let mut status = ApiStatus::unsupported_media_type(CONTENT_TYPE);
    status.message = message;
    status
}

fn text(bytes: &[u8]) -> Result<String, ApiStatus> {
    String::from_utf8(bytes.to_vec()).map_err(|_| malformed("a string field is not UTF-8"))
}

/// `apps/v1` + `Deployment` → `apps.v1.Deployment` (the table's key).
fn message_key(api_version: &str, kind: &str) -> String {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let package = if group.is_empty() {
        "core"
    } else {
        group.split('.').next().unwrap_or(group)
    };
    format!("{package}.{version}.{kind}")
}

fn fields_of(key: &str) -> Option<&'static str> {
    MESSAGES
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, fields)| *fields)
}

/// One field of a table entry: `7:env:*mcore.v1.EnvVar`.
struct Field<'a> {
    name: &'a str,
    repeated: bool,
    ty: &'a str,
}

fn lookup(fields: &str, tag: u64) -> Option<Field<'_>> {
    fields.split(' ').find_map(|f| {
        let mut parts = f.splitn(3, ':');
        let (t, name, ty) = (parts.next()?, parts.next()?, parts.next()?);
        (t.parse() == Ok(tag)).then(|| match ty.strip_prefix('*') {
            Some(ty) => Field {
                name,
                repeated: true,
                ty,
            },
            None => Field {
                name,
                repeated: false,
                ty,
            },
        })
    })
}

/// Decodes one message. Returns `Null` for messages that are absent in JSON
/// (the zero `Time`).
fn message(key: &str, bytes: &[u8]) -> Result<Value, ApiStatus> {
    if let Some(value) = special(key, bytes)? {
        return Ok(value);
    }
    let fields = fields_of(key).ok_or_else(|| malformed(format!("no table for {key}")))?;
    let mut out = Map::new();
    // Messages are written only when set, so even a zero IntOrString stays.
    let mut set_messages = Vec::new();
    let mut reader = Reader::new(bytes);
    while let Some((tag, wire)) = reader.next().map_err(malformed)? {
        let Some(field) = lookup(fields, tag) else {
            continue;
        };
        if field.ty.starts_with('m') {
            set_messages.push(field.name);
        }
        if let Some(map_ty) = field.ty.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            let Wire::Bytes(entry) = wire else {
                return Err(malformed(format!("{key}.{}: not a map entry", field.name)));
            };
            let (k, v) = map_entry(map_ty, entry)?;
            let map = out.entry(field.name).or_insert_with(|| json!({}));
            if let Some(map) = map.as_object_mut() {
                map.insert(k, v);
            }
            continue;
        }
        let values = scalar_or_message(field.ty, wire, field.repeated)
            .map_err(|why| malformed(format!("{key}.{}: {why}", field.name)))?;
        for value in values {
            if field.name == "-" {
                if let Value::Object(inline) = value? {
                    out.extend(inline);
                }
            } else if field.repeated {
                let list = out.entry(field.name).or_insert_with(|| json!([]));
                if let Some(list) = list.as_array_mut() {
                    list.push(value?);
                }
            } else {
                out.insert(field.name.to_owned(), value?);
            }
        }
    }
    out.retain(|name, value| {
        set_messages.contains(&name.as_str()) && !value.is_null() || keep(name, value)
    });
    Ok(Value::Object(out))
}

/// Whether a decoded field appears in the JSON Go would write.
fn keep(name: &str, value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Bool(b) => *b || KEEP_ZERO.contains(&name),
        Value::Number(n) => n.as_f64() != Some(0.0) || KEEP_ZERO.contains(&name),
        Value::Object(_) => true,
    }
}

fn map_entry(ty: &str, entry: &[u8]) -> Result<(String, Value), ApiStatus> {
    let (mut key, mut value) = (String::new(), None);
    let mut reader = Reader::new(entry);
    while let Some((tag, wire)) = reader.next().map_err(malformed)? {
        match (tag, wire) {
            (1, Wire::Bytes(b)) => key = text(b)?,
            (2, wire) => value = scalar_or_message(ty, wire, false).map_err(malformed)?.pop(),
            _ => {}
        }
    }
    let value = match value {
        Some(v) => v?,
        // An absent value is the type's zero value.
        None => match ty {
            "s" | "y" => json!(""),
            _ => json!({}),
        },
    };
    Ok((key, value))
}

/// The values one wire field carries (several for a packed list).
fn scalar_or_message(
    ty: &str,
    wire: Wire<'_>,
    repeated: bool,
) -> Result<Vec<Result<Value, ApiStatus>>, String> {
    let one = |v: Value| Ok(vec![Ok(v)]);
    match (ty, wire) {
        ("s", Wire::Bytes(b)) => one(json!(
            String::from_utf8(b.to_vec()).map_err(|_| "not UTF-8")?
        )),
        ("y", Wire::Bytes(b)) => one(json!(STANDARD.encode(b))),
        (t, Wire::Bytes(b)) if t.starts_with('m') => Ok(vec![message(&t[1..], b)]),
        ("i" | "l" | "b", Wire::Varint(v)) => one(varint_value(ty, v)),
        ("i" | "l" | "b", Wire::Bytes(b)) if repeated => {
            let mut packed = Reader::new(b);
            let mut out = Vec::new();
            while !packed.is_empty() {
                out.push(Ok(varint_value(ty, packed.varint()?)));
            }
            Ok(out)
        }
        ("d", Wire::Fixed64(bits)) => one(Number::from_f64(f64::from_bits(bits))
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        _ => Err(format!("unexpected wire type for a field of type {ty}")),
    }
}

fn varint_value(ty: &str, v: u64) -> Value {
    match ty {
        // int32 is sign-extended to 64 bits on the wire.
        "i" => json!(v as i64 as i32),
        "b" => json!(v != 0),
        _ => json!(v as i64),
    }
}

/// Types whose JSON form is not their protobuf structure.
fn special(key: &str, bytes: &[u8]) -> Result<Option<Value>, ApiStatus> {
    let fields = || -> Result<Vec<(u64, Wire<'_>)>, ApiStatus> {
        let mut reader = Reader::new(bytes);
        let mut out = Vec::new();
        while let Some(field) = reader.next().map_err(malformed)? {
            out.push(field);
        }
        Ok(out)
    };
    let value = match key {
        "meta.v1.Time" | "meta.v1.MicroTime" => {
            let (mut seconds, mut nanos) = (0i64, 0i64);
            for (tag, wire) in fields()? {
                match (tag, wire) {
                    (1, Wire::Varint(v)) => seconds = v as i64,
                    (2, Wire::Varint(v)) => nanos = v as i64,
                    _ => {}
                }
            }
            // Go writes the zero time as an empty message; JSON has null.
            if seconds <= 0 && nanos == 0 {
                return Ok(Some(Value::Null));
            }
            let stamp = clock::rfc3339(seconds.max(0) as u64);
            if key == "meta.v1.MicroTime" {
                json!(format!(
                    "{}.{:06}Z",
                    stamp.trim_end_matches('Z'),
                    nanos / 1000
                ))
            } else {
                json!(stamp)
            }
        }
        "resource.Quantity" => {
            let found = fields()?
                .into_iter()
                .find_map(|(tag, wire)| match (tag, wire) {
                    (1, Wire::Bytes(b)) => Some(b),
                    _ => None,
                });
            json!(text(found.unwrap_or_default())?)
        }
        "intstr.IntOrString" => {
            let (mut is_string, mut int, mut string) = (false, 0i32, String::new());
            for (tag, wire) in fields()? {
                match (tag, wire) {
                    (1, Wire::Varint(v)) => is_string = v == 1,
                    (2, Wire::Varint(v)) => int = v as i64 as i32,
                    (3, Wire::Bytes(b)) => string = text(b)?,
                    _ => {}
                }
            }
            if is_string { json!(string) } else { json!(int) }
        }
        "runtime.RawExtension" | "meta.v1.FieldsV1" => {
            let raw = fields()?
                .into_iter()
                .find_map(|(tag, wire)| match (tag, wire) {
                    (1, Wire::Bytes(b)) => Some(b),
                    _ => None,
                });
            match raw {
                None | Some([]) => json!({}),
                Some(raw) => serde_json::from_slice(raw)
                    .map_err(|e| malformed(format!("{key} is not JSON: {e}")))?,
            }
        }
        k if k.ends_with(".ExtraValue") => {
            let mut items = Vec::new();
            for (tag, wire) in fields()? {
                if let (1, Wire::Bytes(b)) = (tag, wire) {
                    items.push(json!(text(b)?));
                }
            }
            json!(items)
        }
        _ => return Ok(None),
    };
    Ok(Some(value))
}

#[cfg(test)]
mod tests;
