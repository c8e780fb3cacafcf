//! The install plan: from a cluster and its settings, the ordered
//! Kubernetes objects a revisioned control plane needs (SPEC §2.1, §2.3).
//! The backend diffs each against the live cluster (server-side apply dry
//! run) and applies them in this order under one field manager; every
//! step is an apply, so re-running a half-applied plan finishes it.
//!
//! Order matters: `istio-system` first; `cacerts` before istiod starts;
//! RBAC and config before the Deployment that reads them; the injection
//! webhook (failure policy Fail) only after istiod exists, so that pods of
//! labelled namespaces are not refused by a webhook with no server.

mod istiod;
mod operator;
mod webhooks;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::settings::{InstallSettings, SettingsProblem, trust_domain};
use super::{ISTIO_SYSTEM, NETWORK_LABEL};
use crate::fleet::{Cluster, Fleet};

/// The field manager of every apply the console makes.
pub const FIELD_MANAGER: &str = "meshdeck";

/// The keys of the `cacerts` secret, exactly (SPEC §2.2).
pub const CACERTS_KEYS: [&str; 4] = [
    "ca-cert.pem",
    "ca-key.pem",
    "root-cert.pem",
    "cert-chain.pem",
];

/// What is applied for one object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    /// The whole manifest, applied as it is.
    Manifest { body: Value },
    /// Secret `cacerts`: the backend issues this cluster's intermediate
    /// from the mesh root and writes exactly these keys. Key material never
    /// appears in a plan.
    IssuedCaCerts { keys: Vec<String> },
}

/// One object of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PlannedObject {
    pub api_version: String,
    pub kind: String,
    /// Absent for cluster-scoped objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub content: Content,
}

impl PlannedObject {
    /// A full manifest; its apiVersion, kind, name and namespace are read
    /// from `body`, which the builders always set.
    fn manifest(body: Value) -> Self {
        let text = |p: &str| body.pointer(p).and_then(Value::as_str).map(str::to_owned);
        Self {
            api_version: text("/apiVersion").unwrap_or_default(),
            kind: text("/kind").unwrap_or_default(),
            namespace: text("/metadata/namespace"),
            name: text("/metadata/name").unwrap_or_default(),
            content: Content::Manifest { body },
        }
    }

    /// The manifest, if this object has one in the plan.
    pub fn body(&self) -> Option<&Value> {
        match &self.content {
            Content::Manifest { body } => Some(body),
            Content::IssuedCaCerts { .. } => None,
        }
    }

    /// `Kind namespace/name` as people read it in a diff.
    pub fn title(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

/// A revisioned install for one cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Plan {
    pub cluster: crate::ClusterName,
    pub settings: InstallSettings,
    /// The trust domain of the mesh's workload identities.
    pub trust_domain: String,
    pub objects: Vec<PlannedObject>,
}

impl Plan {
    /// Builds the plan. Settings with problems
    /// ([`InstallSettings::problems`]) give no plan.
    pub fn build(
        fleet: &Fleet,
        cluster: &Cluster,
        settings: &InstallSettings,
    ) -> Result<Self, Vec<SettingsProblem>> {
        let problems = settings.problems(fleet, cluster);
        if !problems.is_empty() {
            return Err(problems);
        }
        let trust_domain = trust_domain(fleet, settings.ca).map_err(|p| vec![p])?;
        let ctx = istiod::Ctx {
            s: settings,
            location: cluster.member.location.as_str(),
            trust_domain: trust_domain.as_str(),
        };
        let mut objects = vec![PlannedObject::manifest(namespace(settings))];
        if settings.ca == super::CaMode::IstioCaPluginCerts {
            objects.push(PlannedObject {
                api_version: "v1".into(),
                kind: "Secret".into(),
                namespace: Some(ISTIO_SYSTEM.into()),
                name: "cacerts".into(),
                content: Content::IssuedCaCerts {
                    keys: CACERTS_KEYS.iter().map(|k| (*k).to_owned()).collect(),
                },
            });
        }
        objects.extend(
            istiod::objects(&ctx)
                .into_iter()
                .map(PlannedObject::manifest),
        );
        objects.extend(
            webhooks::objects(settings)
                .into_iter()
                .map(PlannedObject::manifest),
        );
        objects.extend(
            webhooks::canonical_service_controller(settings)
                .into_iter()
                .map(PlannedObject::manifest),
        );
        Ok(Self {
            cluster: cluster.name().clone(),
            settings: settings.clone(),
            trust_domain: trust_domain.as_str().to_owned(),
            objects,
        })
    }
}

impl Plan {
    /// HSM mode: tells istiod which mesh root to accept a signed chain to
    /// (`sha256_hex` of the root's DER), which only the console knows.
    /// Does nothing in other modes.
    pub fn pin_mesh_root(&mut self, sha256_hex: &str) {
        if self.settings.ca != super::CaMode::Hsm {
            return;
        }
        let name = self.settings.revision.istiod();
        for object in &mut self.objects {
            let Content::Manifest { body } = &mut object.content else {
                continue;
            };
            if object.kind != "Deployment" || object.name != name {
                continue;
            }
            let Some(containers) = body
                .pointer_mut("/spec/template/spec/containers")
                .and_then(Value::as_array_mut)
            else {
                continue;
            };
            for container in containers.iter_mut().filter(|c| c["name"] == "discovery") {
                if let Some(env) = container["env"].as_array_mut() {
                    env.retain(|e| e["name"] != istiod::ROOT_CERT_SHA256_ENV);
                    env.push(json!({"name": istiod::ROOT_CERT_SHA256_ENV, "value": sha256_hex}));
                }
            }
        }
    }
}

/// `istio-system`, with the default network label.
fn namespace(s: &InstallSettings) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": ISTIO_SYSTEM,
            "labels": {NETWORK_LABEL: s.network.as_str()},
        },
    })
}

#[cfg(test)]
mod tests;
