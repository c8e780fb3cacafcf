//! What a migrated workload may reach (separation of duties): deploying a
//! workload must not hand the operator the mesh's identity or its CA
//! material. A deploy is refused when it targets a namespace holding a mesh
//! control plane or CA material, runs pods as a mesh component, mounts
//! secrets or service account tokens the migration does not create, or
//! reaches into the node (hostPath, privileged, host namespaces).
//!
//! Pure: the console runs it while the operator types, the backend before
//! every preview and deploy, with what the live namespace holds.

use serde_json::Value;

use super::spec::WORKLOAD_KINDS;
use crate::FieldError;

/// Namespaces holding a mesh control plane or cluster identity.
pub const CONTROL_PLANE_NAMESPACES: [&str; 3] = ["istio-system", "kube-system", "gke-system"];

/// Secrets and ConfigMaps that hold a mesh CA: a namespace holding one is
/// out of reach, and no migration creates one.
pub const CA_MATERIAL: [&str; 3] = ["cacerts", "istio-ca-cert", "istio-ca-cert-csr"];

/// Whether pods running as `account` would carry a mesh component's
/// identity (`istiod`, `istiod-asm-1106-2`, `istio-ingressgateway`, …).
pub fn is_mesh_identity(account: &str) -> bool {
    account.starts_with("istiod") || account.starts_with("istio-")
}

/// Refusals for the target `namespace`; `held` names the CA material found
/// there on the cluster (`Secret cacerts`), empty when not known.
pub fn namespace_violations(namespace: &str, held: &[String]) -> Vec<FieldError> {
    let mut out = Vec::new();
    if CONTROL_PLANE_NAMESPACES.contains(&namespace) {
        out.push(FieldError::new(
            "namespace",
            format!(
                "namespace {namespace} holds a mesh control plane or cluster identity: workloads are not deployed there"
            ),
        ));
    } else if !held.is_empty() {
        out.push(FieldError::new(
            "namespace",
            format!(
                "namespace {namespace} holds mesh CA material ({}): workloads are not deployed there",
                held.join(", ")
            ),
        ));
    }
    out
}

/// Refusals for the name of the pull secret a migration creates: never
/// one of the CA material names.
pub fn pull_secret_violations(name: &str) -> Vec<FieldError> {
    if CA_MATERIAL.contains(&name) {
        vec![FieldError::new(
            "pull_secret.name",
            format!("{name} is the name of mesh CA material"),
        )]
    } else {
        Vec::new()
    }
}

/// Refusals for the objects about to be applied (`manifests`, as the plan
/// builds them); `created_secrets` are the secrets the migration itself
/// creates (its pull secret), which its pods may reference.
pub fn spec_violations(manifests: &[Value], created_secrets: &[&str]) -> Vec<FieldError> {
    let mut out = Vec::new();
    for body in manifests {
        let kind = body["kind"].as_str().unwrap_or_default();
        let name = body["metadata"]["name"].as_str().unwrap_or_default();
        let at = |path: &str| format!("{kind}/{name}.{path}");
        if kind == "ServiceAccount" && is_mesh_identity(name) {
            out.push(FieldError::new(
                at("metadata.name"),
                format!("service account {name} is named like a mesh component"),
            ));
        }
        if WORKLOAD_KINDS.iter().any(|(_, k)| *k == kind) {
            let pod = Pod {
                spec: &body["spec"]["template"]["spec"],
                at: at("spec.template.spec"),
                created_secrets,
            };
            pod.check(&mut out);
        }
    }
    out
}

/// One pod template and where it is in the spec.
struct Pod<'a> {
    spec: &'a Value,
    at: String,
    created_secrets: &'a [&'a str],
}

impl Pod<'_> {
    fn field(&self, path: &str) -> String {
        format!("{}.{path}", self.at)
    }

    fn created(&self, secret: &str) -> bool {
        self.created_secrets.contains(&secret)
    }

    fn check(&self, out: &mut Vec<FieldError>) {
        for field in ["serviceAccountName", "serviceAccount"] {
            if let Some(account) = self.spec[field].as_str().filter(|a| is_mesh_identity(a)) {
                out.push(FieldError::new(
                    self.field(field),
                    format!("pods may not run as {account}: it is a mesh component's identity"),
                ));
            }
        }
        for field in ["hostNetwork", "hostPID", "hostIPC"] {
            if self.spec[field] == Value::Bool(true) {
                out.push(FieldError::new(
                    self.field(field),
                    format!("{field} shares the node's namespaces with the pod: not allowed"),
                ));
            }
        }
        for (i, volume) in list(&self.spec["volumes"]).enumerate() {
            self.check_volume(i, volume, out);
        }
        for group in ["initContainers", "containers", "ephemeralContainers"] {
            for (i, container) in list(&self.spec[group]).enumerate() {
                self.check_container(&format!("{group}[{i}]"), container, out);
            }
        }
    }

    fn check_volume(&self, i: usize, volume: &Value, out: &mut Vec<FieldError>) {
        let at = |path: &str| self.field(&format!("volumes[{i}].{path}"));
        let volume_name = volume["name"].as_str().unwrap_or_default();
        if !volume["hostPath"].is_null() {
            out.push(FieldError::new(
                at("hostPath"),
                format!("volume {volume_name:?} mounts a path of the node: not allowed"),
            ));
        }
        if let Some(secret) = volume["secret"]["secretName"].as_str()
            && !self.created(secret)
        {
            out.push(self.foreign_secret(at("secret.secretName"), secret));
        }
        for (j, source) in list(&volume["projected"]["sources"]).enumerate() {
            if let Some(secret) = source["secret"]["name"].as_str()
                && !self.created(secret)
            {
                let field = at(&format!("projected.sources[{j}].secret.name"));
                out.push(self.foreign_secret(field, secret));
            }
            if !source["serviceAccountToken"].is_null() {
                out.push(FieldError::new(
                    at(&format!("projected.sources[{j}].serviceAccountToken")),
                    format!(
                        "volume {volume_name:?} projects a service account token the migration does not create: not allowed"
                    ),
                ));
            }
        }
    }

    fn check_container(&self, at: &str, container: &Value, out: &mut Vec<FieldError>) {
        let at = |path: &str| self.field(&format!("{at}.{path}"));
        let name = container["name"].as_str().unwrap_or_default();
        let context = &container["securityContext"];
        if context["privileged"] == Value::Bool(true) {
            out.push(FieldError::new(
                at("securityContext.privileged"),
                format!("container {name:?} would run privileged: not allowed"),
            ));
        }
        for (k, capability) in list(&context["capabilities"]["add"]).enumerate() {
            if matches!(capability.as_str(), Some("ALL" | "SYS_ADMIN")) {
                out.push(FieldError::new(
                    at(&format!("securityContext.capabilities.add[{k}]")),
                    format!(
                        "container {name:?} would gain {}: not allowed",
                        capability.as_str().unwrap_or_default()
                    ),
                ));
            }
        }
        for (k, env) in list(&container["env"]).enumerate() {
            if let Some(secret) = env["valueFrom"]["secretKeyRef"]["name"].as_str()
                && !self.created(secret)
            {
                let field = at(&format!("env[{k}].valueFrom.secretKeyRef.name"));
                out.push(self.foreign_secret(field, secret));
            }
        }
        for (k, from) in list(&container["envFrom"]).enumerate() {
            if let Some(secret) = from["secretRef"]["name"].as_str()
                && !self.created(secret)
            {
                let field = at(&format!("envFrom[{k}].secretRef.name"));
                out.push(self.foreign_secret(field, secret));
            }
        }
    }

    fn foreign_secret(&self, field: String, secret: &str) -> FieldError {
        FieldError::new(
            field,
            format!(
                "secret {secret} is not created by this migration: pods may read only the secrets it creates"
            ),
        )
    }
}

fn list(value: &Value) -> impl Iterator<Item = &Value> {
    value.as_array().into_iter().flatten()
}

#[cfg(test)]
#[path = "reach_tests.rs"]
mod tests;
