//! Kubernetes protobuf request bodies (placeholder until the decoder lands).

use serde_json::Value;

use crate::status::ApiStatus;

pub fn decode(_body: &[u8]) -> Result<Value, ApiStatus> {
    Err(ApiStatus::unsupported_media_type(super::body::PROTOBUF))
}
