//! What MultiClusterService and MultiClusterIngress share: the API group,
//! object metadata, `IntOrString` ports and the `{serviceName, servicePort}`
//! backend reference.
//!
//! The types deserialize from any serde format (the backend reads YAML or
//! JSON text, the editor its own YAML view). Values a user can get wrong are
//! kept loose here (strings, `i64`, `Option`) so that [`super::validate`] can
//! answer with an error on the field instead of a parse failure; field names
//! a user can misspell are refused (`deny_unknown_fields`) below `spec`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::quota::IngressKind;

/// `apiVersion` of both resources.
pub const API_VERSION: &str = "networking.gke.io/v1";

/// The namespace of an object whose `metadata.namespace` is not given.
pub const DEFAULT_NAMESPACE: &str = "default";

/// The parts of `metadata` the console reads and writes. Fields the API
/// server fills in (`uid`, `resourceVersion`, …) are accepted and dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl ObjectMeta {
    /// The metadata of `namespace/name`, nothing else set.
    pub fn named(namespace: &str, name: &str) -> Self {
        Self {
            name: name.to_owned(),
            namespace: Some(namespace.to_owned()),
            ..Self::default()
        }
    }

    /// `metadata.namespace`, or [`DEFAULT_NAMESPACE`] when not given.
    pub fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE)
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key).map(String::as_str)
    }
}

/// `spec.template` of either resource: the `spec` of what the controller
/// derives (Services for an MCS, a load balancer for an MCI).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "openapi",
    schemars(bound = "S: schemars::JsonSchema + Default")
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Template<S> {
    #[serde(default)]
    pub spec: S,
}

/// A `networking.gke.io/v1` object of either kind: its type fields and
/// metadata, the kind's `spec` (which says the kind, [`KindSpec`]) and the
/// status the controller writes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "openapi",
    schemars(bound = "S: schemars::JsonSchema + Default, T: schemars::JsonSchema + Status")
)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    bound(serialize = "S: Serialize, T: Serialize + Status")
)]
pub struct GkeObject<S, T> {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: S,
    #[serde(default, skip_serializing_if = "Status::hidden")]
    pub status: Option<T>,
}

/// The `spec` of one kind of [`GkeObject`].
pub trait KindSpec: Default {
    const KIND: IngressKind;
}

/// The `status` of one kind of [`GkeObject`].
pub trait Status: Sized {
    /// Whether `status` is left out when the object is written out.
    fn hidden(status: &Option<Self>) -> bool;
}

impl<S: KindSpec, T: Default> GkeObject<S, T> {
    /// An object of `namespace/name` with `apiVersion` and `kind` filled in.
    pub fn new(namespace: &str, name: &str) -> Self {
        Self {
            api_version: API_VERSION.to_owned(),
            kind: S::KIND.to_string(),
            metadata: ObjectMeta::named(namespace, name),
            ..Self::default()
        }
    }

    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    pub fn namespace(&self) -> &str {
        self.metadata.namespace()
    }
}

impl<S, T> IngressResource for GkeObject<S, T>
where
    S: KindSpec + Clone + Serialize,
    T: Status + Clone + Serialize,
{
    const KIND: IngressKind = S::KIND;
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
    fn clear_status(&mut self) {
        self.status = None;
    }
}

/// What MultiClusterService and MultiClusterIngress share as objects:
/// their kind, their metadata, and a status only the controller writes.
pub trait IngressResource: Clone + Serialize {
    const KIND: IngressKind;
    fn metadata(&self) -> &ObjectMeta;
    fn metadata_mut(&mut self) -> &mut ObjectMeta;
    /// Forgets the status, which the controller owns.
    fn clear_status(&mut self);

    /// The object as the console writes and compares it: without status.
    fn without_status(&self) -> Self {
        let mut plain = self.clone();
        plain.clear_status();
        plain
    }

    /// Its namespace (defaulted) and name.
    fn key(&self) -> (&str, &str) {
        let meta = self.metadata();
        (meta.namespace(), &meta.name)
    }
}

/// A port given by number or by name (`targetPort`, `servicePort`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum IntOrString {
    Int(i64),
    String(String),
}

impl fmt::Display for IntOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrString::Int(n) => write!(f, "{n}"),
            IntOrString::String(s) => f.write_str(s),
        }
    }
}

impl From<i64> for IntOrString {
    fn from(n: i64) -> Self {
        IntOrString::Int(n)
    }
}

impl From<&str> for IntOrString {
    fn from(s: &str) -> Self {
        IntOrString::String(s.to_owned())
    }
}

/// A MultiClusterIngress backend: a MultiClusterService of the same
/// namespace and one of its ports (number or name).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackendRef {
    #[serde(default)]
    pub service_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_port: Option<IntOrString>,
}

impl BackendRef {
    pub fn new(service_name: &str, service_port: impl Into<IntOrString>) -> Self {
        Self {
            service_name: service_name.to_owned(),
            service_port: Some(service_port.into()),
        }
    }
}

/// Stands for a field that is accepted and ignored (a MultiClusterService's
/// `status`, written by the controller).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ignored;

impl<'de> Deserialize<'de> for Ignored {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| Ignored)
    }
}

/// Never written out ([`Status::hidden`]); serializes as nothing.
impl Serialize for Ignored {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

/// Anything is accepted (and dropped).
#[cfg(feature = "openapi")]
impl schemars::JsonSchema for Ignored {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Ignored".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!(true)
    }
}

impl Status for Ignored {
    fn hidden(_: &Option<Self>) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_read_as_numbers_or_names() {
        let b: BackendRef =
            serde_json::from_str(r#"{"serviceName":"foo","servicePort":80}"#).unwrap();
        assert_eq!(b, BackendRef::new("foo", 80));
        let b: BackendRef =
            serde_json::from_str(r#"{"serviceName":"foo","servicePort":"web"}"#).unwrap();
        assert_eq!(b.service_port, Some(IntOrString::from("web")));
        assert_eq!(IntOrString::from("web").to_string(), "web");
    }

    #[test]
    fn misspelt_backend_fields_are_refused() {
        let err = serde_json::from_str::<BackendRef>(r#"{"service":"foo"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `service`"), "{err}");
    }

    #[test]
    fn namespace_defaults() {
        assert_eq!(ObjectMeta::default().namespace(), "default");
    }
}
