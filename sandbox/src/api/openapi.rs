//! OpenAPI v3 (placeholder until the generator lands).

use serde_json::{Value, json};

use crate::resources::Registry;

pub fn index(_reg: &Registry) -> Value {
    json!({"paths": {}})
}

pub fn document(_reg: &Registry, _gv_path: &str) -> Option<Value> {
    None
}
