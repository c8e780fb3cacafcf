//! Request bodies in the media types clients send: JSON (also when no
//! Content-Type is given, as the Python client does), YAML and Kubernetes
//! protobuf; and which patch type a PATCH's Content-Type names.

use serde_json::Value;

use crate::ops::PatchType;
use crate::status::ApiStatus;

/// The largest request body accepted, as kube-apiserver's default limit.
pub const MAX_BODY: usize = 3 * 1024 * 1024;

pub const PROTOBUF: &str = "application/vnd.kubernetes.protobuf";

/// The media type without parameters, lowercased.
fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Decodes an object sent with `content_type`.
pub fn decode(content_type: &str, body: &[u8]) -> Result<Value, ApiStatus> {
    match media_type(content_type).as_str() {
        "" | "application/json" | "*/*" => json(body),
        "application/yaml" | "application/x-yaml" | "text/yaml" => yaml(body),
        PROTOBUF => super::protobuf::decode(body),
        other => Err(ApiStatus::unsupported_media_type(other)),
    }
}

/// The patch type a PATCH's Content-Type names, and its decoded body.
pub fn decode_patch(content_type: &str, body: &[u8]) -> Result<(PatchType, Value), ApiStatus> {
    match media_type(content_type).as_str() {
        "application/json-patch+json" => Ok((PatchType::Json, json(body)?)),
        "application/merge-patch+json" => Ok((PatchType::Merge, json(body)?)),
        "application/strategic-merge-patch+json" => Ok((PatchType::Strategic, json(body)?)),
        "application/apply-patch+yaml" | "application/apply-patch+cbor" => {
            Ok((PatchType::Apply, yaml(body)?))
        }
        other => Err(ApiStatus::unsupported_media_type(other)),
    }
}

fn json(body: &[u8]) -> Result<Value, ApiStatus> {
    serde_json::from_slice(body).map_err(|e| {
        ApiStatus::bad_request(format!(
            "the body of the request could not be decoded as JSON: {e}"
        ))
    })
}

fn yaml(body: &[u8]) -> Result<Value, ApiStatus> {
    let value: Value = serde_yaml::from_slice(body)
        .map_err(|e| ApiStatus::bad_request(format!("error converting YAML to JSON: yaml: {e}")))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_the_default_and_yaml_is_accepted() {
        assert_eq!(decode("", b"{\"a\":1}").unwrap()["a"], 1);
        assert_eq!(
            decode("application/json; charset=utf-8", b"{\"a\":1}").unwrap()["a"],
            1
        );
        assert_eq!(
            decode("application/yaml", b"a: 1\nb: [x]\n").unwrap()["b"][0],
            "x"
        );
    }

    #[test]
    fn malformed_bodies_are_bad_requests_and_unknown_types_unsupported() {
        assert_eq!(decode("application/json", b"{").unwrap_err().code, 400);
        assert_eq!(decode("text/plain", b"x").unwrap_err().code, 415);
        assert_eq!(
            decode_patch("application/json", b"{}").unwrap_err().code,
            415
        );
        let (kind, _) = decode_patch("application/apply-patch+yaml", b"kind: Pod\n").unwrap();
        assert_eq!(kind, PatchType::Apply);
    }
}
