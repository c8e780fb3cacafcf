//! The image-pull doctor: from a stuck pod's container statuses, its events,
//! the pull secrets of its namespace and the fleet description, why the
//! image cannot be pulled and what fixes it — the command to run, and the
//! fix the console can make itself (a pull secret) when there is one.

use serde::{Deserialize, Serialize};

use super::access::{CredentialKind, compute_service_account, ecr_guidance, grant_command};
use super::images::{ImageRef, Registry, RegistryKind};
use crate::fleet::{Member, Platform};

/// Waiting reasons of a container whose image cannot be pulled.
pub const PULL_FAILURES: [&str; 3] = ["ErrImagePull", "ImagePullBackOff", "InvalidImageName"];

/// One container as the pod's status reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ContainerFacts {
    pub name: String,
    pub image: String,
    /// `state.waiting.reason`, if waiting.
    pub waiting: Option<String>,
}

/// What the doctor reads of a pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PodFacts {
    pub name: String,
    pub containers: Vec<ContainerFacts>,
    /// `spec.imagePullSecrets` names.
    pub pull_secrets: Vec<String>,
}

/// An event of the pod (reason and message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct EventFacts {
    pub reason: String,
    pub message: String,
}

/// A pull secret present in the namespace and the hosts it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SecretFacts {
    pub name: String,
    pub servers: Vec<String>,
}

/// Why a pull fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum Cause {
    /// `gcr.io/<owner>/…` pulled by a cluster of project `reader`.
    CrossProject {
        owner: String,
        reader: String,
        service_account: String,
    },
    /// No pull secret for the registry (or the one named does not exist).
    MissingPullSecret { named: Option<String> },
    /// The pod's pull secrets are for other registries.
    NonMatchingSecret { secrets: Vec<SecretFacts> },
    /// A pull secret for the registry exists but was refused.
    RejectedCredentials { secret: String },
    /// ECR pulls go through the node's instance profile.
    NodeInstanceProfile,
    /// The image or tag does not exist.
    ImageNotFound,
    /// The events do not say enough.
    Unknown,
}

/// A fix the console can make: a pull secret from the operator's key or
/// password, wired to the workload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OfferedFix {
    pub secret_name: String,
    pub registry: String,
    pub credential: CredentialKind,
}

/// The diagnosis of one stuck container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Diagnosis {
    pub pod: String,
    pub container: String,
    pub image: String,
    pub cause: Cause,
    /// What went wrong, in a sentence or two.
    pub explanation: String,
    /// The command that fixes it, to run outside the console.
    pub command: Option<String>,
    pub fix: Option<OfferedFix>,
    /// The event the diagnosis rests on.
    pub evidence: Option<String>,
}

/// Everything the doctor knows about where the pod runs.
pub struct Context<'a> {
    pub member: &'a Member,
    /// The namespace's pull secrets.
    pub secrets: &'a [SecretFacts],
    /// The name a new secret for a Google registry gets.
    pub json_key_secret: &'a str,
}

/// A diagnosis for every container of `pod` waiting on a failed pull.
pub fn diagnose(pod: &PodFacts, events: &[EventFacts], cx: &Context<'_>) -> Vec<Diagnosis> {
    pod.containers
        .iter()
        .filter(|c| {
            c.waiting
                .as_deref()
                .is_some_and(|w| PULL_FAILURES.contains(&w))
        })
        .map(|c| diagnose_container(pod, c, events, cx))
        .collect()
}

fn diagnose_container(
    pod: &PodFacts,
    container: &ContainerFacts,
    events: &[EventFacts],
    cx: &Context<'_>,
) -> Diagnosis {
    let evidence = events
        .iter()
        .rev()
        .find(|e| {
            e.message.contains("Failed to pull image") && e.message.contains(&container.image)
        })
        .map(|e| e.message.clone());
    let text = evidence.as_deref().unwrap_or_default();
    let registry = ImageRef::parse(&container.image)
        .map(|i| i.registry())
        .unwrap_or_else(|_| Registry::of("docker.io", &container.image));
    let diagnosis = |cause, explanation: String, command, fix| Diagnosis {
        pod: pod.name.clone(),
        container: container.name.clone(),
        image: container.image.clone(),
        cause,
        explanation,
        command,
        fix,
        evidence: evidence.clone(),
    };
    let credential = if registry.is_google() {
        CredentialKind::JsonKey
    } else {
        CredentialKind::BasicAuth
    };
    let offer = |name: &str| {
        Some(OfferedFix {
            secret_name: name.to_owned(),
            registry: registry.host.clone(),
            credential,
        })
    };
    let new_name = if registry.is_google() {
        cx.json_key_secret.to_owned()
    } else {
        format!("{}-pull", registry.host.replace([':', '.'], "-"))
    };
    let lowered = text.to_lowercase();
    if lowered.contains("not found") || lowered.contains("manifest unknown") {
        return diagnosis(
            Cause::ImageNotFound,
            format!(
                "{} does not exist in {}: check the name and tag.",
                container.image, registry.host
            ),
            None,
            None,
        );
    }
    let present: Vec<&SecretFacts> = cx
        .secrets
        .iter()
        .filter(|s| pod.pull_secrets.contains(&s.name))
        .collect();
    if let Some(secret) = present.iter().find(|s| s.servers.contains(&registry.host)) {
        return diagnosis(
            Cause::RejectedCredentials {
                secret: secret.name.clone(),
            },
            format!(
                "The pod uses the pull secret {} for {}, but the registry refused it: the key or password is wrong, revoked, or lacks read access.",
                secret.name, registry.host
            ),
            None,
            offer(&secret.name),
        );
    }
    if let Some(named) = pod
        .pull_secrets
        .iter()
        .find(|n| !present.iter().any(|s| &s.name == *n))
    {
        return diagnosis(
            Cause::MissingPullSecret {
                named: Some(named.clone()),
            },
            format!(
                "The pod names the pull secret {named}, which does not exist in its namespace, so the pull to {} carried no credentials.",
                registry.host
            ),
            None,
            offer(named),
        );
    }
    if !present.is_empty() {
        let names: Vec<&str> = present.iter().map(|s| s.name.as_str()).collect();
        return diagnosis(
            Cause::NonMatchingSecret {
                secrets: present.iter().map(|s| (*s).clone()).collect(),
            },
            format!(
                "The pod's pull secrets ({}) hold credentials for other registries, not {}.",
                names.join(", "),
                registry.host
            ),
            None,
            offer(&new_name),
        );
    }
    let member = cx.member;
    match (&registry.kind, registry.project(), &member.project) {
        (RegistryKind::Ecr { .. }, _, _) => diagnosis(
            Cause::NodeInstanceProfile,
            ecr_guidance(&registry),
            None,
            None,
        ),
        (_, Some(owner), Some(reader))
            if owner != reader.id && member.platform == Platform::Gke =>
        {
            let account = compute_service_account(&reader.number);
            diagnosis(
                Cause::CrossProject {
                    owner: owner.to_owned(),
                    reader: reader.id.clone(),
                    service_account: account.clone(),
                },
                format!(
                    "{} is in project {owner}'s registry, but {} runs in project {}: its nodes pull as {account}, \
                     which has no read access there. Grant it object viewer on {owner}'s registry bucket, \
                     or give the workload a pull secret with a JSON key that can read it.",
                    container.image, member.name, reader.id
                ),
                grant_command(&registry, reader),
                offer(&new_name),
            )
        }
        (_, Some(_), _) => diagnosis(
            Cause::MissingPullSecret { named: None },
            format!(
                "{}'s nodes have no read access to {}: give the workload a pull secret with a JSON key.",
                member.name,
                registry.title()
            ),
            None,
            offer(&new_name),
        ),
        _ if lowered.contains("authorization")
            || lowered.contains("unauthorized")
            || lowered.contains("denied") =>
        {
            diagnosis(
                Cause::MissingPullSecret { named: None },
                format!(
                    "{} asks for credentials and the pod has no pull secret for it.",
                    registry.host
                ),
                None,
                offer(&new_name),
            )
        }
        _ => diagnosis(
            Cause::Unknown,
            format!(
                "The pull of {} failed; the pod's events say why.",
                container.image
            ),
            None,
            None,
        ),
    }
}

#[cfg(test)]
#[path = "doctor_tests.rs"]
mod tests;
