//! A deploy request turned into what will be applied: the spec's objects
//! placed in the target namespace with the operator's workload identity and
//! pull secret wiring, the pull secret itself, and the service account
//! change. Everything is checked here, before the cluster is asked.

use serde_json::Value;

use super::api::{DeployRequest, PullSecretInput};
use super::images::{ImageRef, Registry, registries_of};
use super::pull_secret::{Credential, GCR_SECRET_NAME, GcrKey, SecretMode};
use super::reach;
use super::spec::{DeploymentSpec, SpecIssue, describe};
use super::wiring;
use crate::FieldError;
use crate::error::join_problems;
use crate::ids::check_dns1123_label;

/// Why a request cannot be planned; the message is for the operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("the deployment spec is not valid: {}", describe(.0))]
    Spec(Vec<SpecIssue>),
    #[error("{0}")]
    Invalid(String),
    /// The deploy would reach mesh identity or CA material
    /// ([`reach`]): each refusal on its field.
    #[error("the workload may not reach mesh identity or CA material: {}", join_problems(.0))]
    Reach(Vec<FieldError>),
}

/// A pull secret to create: its name, manifest and the hosts it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedSecret {
    pub name: String,
    pub mode: SecretMode,
    /// `json_key` or `basic_auth`, for the audit log.
    pub credential: &'static str,
    pub servers: Vec<String>,
    pub manifest: Value,
}

/// What deploying a request applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub name: String,
    pub namespace: String,
    pub images: Vec<ImageRef>,
    pub registries: Vec<Registry>,
    /// The spec's objects, in its order, ready to apply.
    pub manifests: Vec<Value>,
    pub secret: Option<PlannedSecret>,
}

impl Plan {
    pub fn of(request: &DeployRequest) -> Result<Self, PlanError> {
        check_dns1123_label("namespace", &request.namespace)
            .map_err(|e| PlanError::Invalid(e.to_string()))?;
        let mut spec = DeploymentSpec::parse(&request.spec).map_err(PlanError::Spec)?;
        if let Some(named) = spec.named_namespace()
            && named != request.namespace
        {
            return Err(PlanError::Invalid(format!(
                "the spec places its objects in namespace {named}, but the target namespace is {}",
                request.namespace
            )));
        }
        let name = match &request.name {
            Some(name) => name.clone(),
            None => spec
                .workloads()
                .next()
                .map(|w| w.name().to_owned())
                .ok_or_else(|| PlanError::Invalid("the spec has no workload to deploy".into()))?,
        };
        check_dns1123_label("migration name", &name)
            .map_err(|e| PlanError::Invalid(e.to_string()))?;
        if let Some(identity) = &request.aws_identity {
            identity
                .apply_to(&mut spec)
                .map_err(|e| PlanError::Invalid(e.to_string()))?;
        }
        let images: Vec<ImageRef> = spec
            .workloads()
            .flat_map(|w| w.containers())
            .filter_map(|c| c["image"].as_str())
            .filter_map(|i| ImageRef::parse(i).ok())
            .collect();
        let registries = registries_of(&images);
        let secret = match &request.pull_secret {
            Some(input) => Some(planned_secret(input, &registries, &request.namespace)?),
            None => None,
        };
        if let Some(secret) = &secret
            && secret.mode == SecretMode::PodTemplate
        {
            wiring::add_to_templates(&mut spec, &secret.name);
        }
        if secret
            .as_ref()
            .is_some_and(|s| s.mode == SecretMode::ServiceAccount)
            && !wiring::uses_default_service_account(&spec)
        {
            return Err(PlanError::Invalid(
                "the spec's pods use their own service account, so patching the namespace's default service account would not reach them: add the pull secret to the pod templates instead".into(),
            ));
        }
        let manifests = spec.manifests(&request.namespace);
        let refused = reach_violations(&request.namespace, &manifests, secret.as_ref());
        if !refused.is_empty() {
            return Err(PlanError::Reach(refused));
        }
        Ok(Self {
            name,
            namespace: request.namespace.clone(),
            images,
            registries,
            manifests,
            secret,
        })
    }
}

/// What [`reach`] refuses of a plan, before the cluster is asked (the
/// namespace's live CA material is the backend's to add).
fn reach_violations(
    namespace: &str,
    manifests: &[Value],
    secret: Option<&PlannedSecret>,
) -> Vec<FieldError> {
    let mut refused = reach::namespace_violations(namespace, &[]);
    if let Some(secret) = secret {
        refused.extend(reach::pull_secret_violations(&secret.name));
    }
    let created: Vec<&str> = secret.iter().map(|s| s.name.as_str()).collect();
    refused.extend(reach::spec_violations(manifests, &created));
    refused
}

/// The pull secret of `input` for a spec pulling from `registries`.
pub fn planned_secret(
    input: &PullSecretInput,
    registries: &[Registry],
    namespace: &str,
) -> Result<PlannedSecret, PlanError> {
    let invalid = |e: super::pull_secret::CredentialError| PlanError::Invalid(e.to_string());
    let (credential, kind, default_name) = match (&input.json_key, &input.basic) {
        (Some(key), None) => {
            let key = GcrKey::parse(key).map_err(invalid)?;
            let google: Vec<String> = registries
                .iter()
                .filter(|r| r.is_google())
                .map(|r| r.host.clone())
                .collect();
            (
                Credential::json_key(key, &google),
                "json_key",
                GCR_SECRET_NAME.to_owned(),
            )
        }
        (None, Some(basic)) => {
            let credential = Credential::basic(&basic.server, &basic.username, &basic.password)
                .map_err(invalid)?;
            let name = format!("{}-pull", basic.server.replace([':', '.'], "-"));
            (credential, "basic_auth", name)
        }
        _ => {
            return Err(PlanError::Invalid(
                "a pull secret needs either a JSON key or a user and password".into(),
            ));
        }
    };
    let name = input.name.clone().unwrap_or(default_name);
    check_dns1123_label("secret name", &name).map_err(|e| PlanError::Invalid(e.to_string()))?;
    Ok(PlannedSecret {
        manifest: credential.secret(&name, namespace),
        servers: credential.servers(),
        name,
        mode: input.mode,
        credential: kind,
    })
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
