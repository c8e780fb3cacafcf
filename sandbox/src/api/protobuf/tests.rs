//! Bodies built with k8s-pb's prost types, wrapped as kubectl wraps them.

use std::collections::BTreeMap;

use k8s_pb::api::apps::v1 as apps;
use k8s_pb::api::certificates::v1 as cert;
use k8s_pb::api::core::v1 as core;
use k8s_pb::api::rbac::v1 as rbac;
use k8s_pb::apimachinery::pkg::api::resource::Quantity;
use k8s_pb::apimachinery::pkg::apis::meta::v1 as meta;
use k8s_pb::apimachinery::pkg::runtime::{TypeMeta, Unknown};
use k8s_pb::apimachinery::pkg::util::intstr::IntOrString;
use prost::Message;
use serde_json::json;

use super::decode;

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

/// The envelope Go's protobuf serializer writes (empty encoding and type).
fn envelope(api_version: &str, kind: &str, object: &impl Message) -> Vec<u8> {
    let unknown = Unknown {
        type_meta: Some(TypeMeta {
            api_version: s(api_version),
            kind: s(kind),
        }),
        raw: Some(object.encode_to_vec()),
        content_encoding: s(""),
        content_type: s(""),
    };
    let mut body = b"k8s\0".to_vec();
    body.extend(unknown.encode_to_vec());
    body
}

/// ObjectMeta as Go writes it: every non-pointer field, zero or not.
fn meta(name: &str, namespace: &str) -> meta::ObjectMeta {
    meta::ObjectMeta {
        name: s(name),
        generate_name: s(""),
        namespace: s(namespace),
        self_link: s(""),
        uid: s(""),
        resource_version: s(""),
        generation: Some(0),
        creation_timestamp: Some(meta::Time::default()),
        ..Default::default()
    }
}

#[test]
fn secret_data_is_base64_and_go_zero_values_are_dropped() {
    let mut labels = meta("creds", "shop");
    labels.labels = BTreeMap::from([("app".to_owned(), "web".to_owned())]);
    let secret = core::Secret {
        metadata: Some(labels),
        data: BTreeMap::from([
            ("password".to_owned(), b"s3cr\xffet".to_vec()),
            ("empty".to_owned(), vec![]),
        ]),
        r#type: s("Opaque"),
        ..Default::default()
    };
    let got = decode(&envelope("v1", "Secret", &secret)).unwrap();
    assert_eq!(
        got,
        json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "creds", "namespace": "shop", "labels": {"app": "web"}},
            "data": {"password": "czNjcv9ldA==", "empty": ""}})
    );
}

#[test]
fn csr_approval_carries_request_bytes_conditions_and_extra() {
    let csr = cert::CertificateSigningRequest {
        metadata: Some(meta("node-csr", "")),
        spec: Some(cert::CertificateSigningRequestSpec {
            request: Some(b"-----BEGIN CERTIFICATE REQUEST-----".to_vec()),
            signer_name: s("kubernetes.io/kube-apiserver-client"),
            expiration_seconds: Some(3600),
            usages: vec!["client auth".to_owned()],
            username: s("alice"),
            groups: vec!["system:authenticated".to_owned()],
            extra: BTreeMap::from([(
                "scopes".to_owned(),
                cert::ExtraValue {
                    items: vec!["a".to_owned(), "b".to_owned()],
                },
            )]),
            uid: s(""),
        }),
        status: Some(cert::CertificateSigningRequestStatus {
            conditions: vec![cert::CertificateSigningRequestCondition {
                r#type: s("Approved"),
                status: s("True"),
                reason: s("KubectlApprove"),
                message: s("This CSR was approved by kubectl certificate approve."),
                last_update_time: Some(meta::Time {
                    seconds: Some(1_763_892_828),
                    nanos: Some(0),
                }),
                last_transition_time: Some(meta::Time::default()),
            }],
            certificate: None,
        }),
    };
    let got = decode(&envelope(
        "certificates.k8s.io/v1",
        "CertificateSigningRequest",
        &csr,
    ))
    .unwrap();
    assert_eq!(got["apiVersion"], "certificates.k8s.io/v1");
    assert_eq!(got["metadata"], json!({"name": "node-csr"}));
    assert_eq!(
        got["spec"],
        json!({"request": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0=",
            "signerName": "kubernetes.io/kube-apiserver-client", "expirationSeconds": 3600,
            "usages": ["client auth"], "username": "alice", "groups": ["system:authenticated"],
            "extra": {"scopes": ["a", "b"]}})
    );
    assert_eq!(
        got["status"]["conditions"],
        json!([{"type": "Approved", "status": "True", "reason": "KubectlApprove",
            "message": "This CSR was approved by kubectl certificate approve.",
            "lastUpdateTime": "2025-11-23T10:13:48Z"}])
    );
}

#[test]
fn deployment_keeps_pointer_zeros_quantities_int_or_string_and_inline_volume_sources() {
    let container = core::Container {
        name: s("web"),
        image: s("nginx:1.27"),
        ports: vec![core::ContainerPort {
            container_port: Some(8080),
            host_port: Some(0),
            protocol: s("TCP"),
            name: s(""),
            host_ip: s(""),
        }],
        env: vec![core::EnvVar {
            name: s("MODE"),
            value: s("prod"),
            value_from: None,
        }],
        resources: Some(core::ResourceRequirements {
            limits: BTreeMap::from([("cpu".to_owned(), Quantity { string: s("500m") })]),
            ..Default::default()
        }),
        stdin: Some(false),
        ..Default::default()
    };
    let volume = core::Volume {
        name: s("scratch"),
        volume_source: Some(core::VolumeSource {
            empty_dir: Some(core::EmptyDirVolumeSource::default()),
            ..Default::default()
        }),
    };
    let deployment = apps::Deployment {
        metadata: Some(meta("web", "shop")),
        spec: Some(apps::DeploymentSpec {
            replicas: Some(0),
            selector: Some(meta::LabelSelector {
                match_labels: BTreeMap::from([("app".to_owned(), "web".to_owned())]),
                match_expressions: vec![],
            }),
            template: Some(core::PodTemplateSpec {
                metadata: Some(meta("", "")),
                spec: Some(core::PodSpec {
                    containers: vec![container],
                    volumes: vec![volume],
                    ..Default::default()
                }),
            }),
            strategy: Some(apps::DeploymentStrategy {
                r#type: s("RollingUpdate"),
                rolling_update: Some(apps::RollingUpdateDeployment {
                    max_unavailable: Some(IntOrString {
                        r#type: Some(0),
                        int_val: Some(0),
                        str_val: s(""),
                    }),
                    max_surge: Some(IntOrString {
                        r#type: Some(1),
                        int_val: Some(0),
                        str_val: s("25%"),
                    }),
                }),
            }),
            min_ready_seconds: Some(0),
            ..Default::default()
        }),
        status: Some(apps::DeploymentStatus::default()),
    };
    let got = decode(&envelope("apps/v1", "Deployment", &deployment)).unwrap();
    assert_eq!(got["spec"]["replicas"], 0);
    assert!(got["spec"].get("minReadySeconds").is_none());
    assert_eq!(
        got["spec"]["strategy"]["rollingUpdate"],
        json!({"maxUnavailable": 0, "maxSurge": "25%"})
    );
    assert_eq!(got["status"], json!({}));
    let pod = &got["spec"]["template"]["spec"];
    assert_eq!(
        pod["containers"],
        json!([{"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 8080, "protocol": "TCP"}],
            "env": [{"name": "MODE", "value": "prod"}], "resources": {"limits": {"cpu": "500m"}}}])
    );
    assert_eq!(pod["volumes"], json!([{"name": "scratch", "emptyDir": {}}]));
}

#[test]
fn cluster_role_binding_and_namespace() {
    let binding = rbac::ClusterRoleBinding {
        metadata: Some(meta("admins", "")),
        subjects: vec![rbac::Subject {
            kind: s("User"),
            api_group: s("rbac.authorization.k8s.io"),
            name: s("alice"),
            namespace: s(""),
        }],
        role_ref: Some(rbac::RoleRef {
            api_group: s("rbac.authorization.k8s.io"),
            kind: s("ClusterRole"),
            name: s("admin"),
        }),
    };
    let got = decode(&envelope(
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        &binding,
    ))
    .unwrap();
    assert_eq!(
        got["subjects"],
        json!([{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"}])
    );
    assert_eq!(got["roleRef"]["kind"], "ClusterRole");

    let ns = core::Namespace {
        metadata: Some(meta("shop", "")),
        spec: Some(core::NamespaceSpec::default()),
        status: None,
    };
    let got = decode(&envelope("v1", "Namespace", &ns)).unwrap();
    assert_eq!(
        got,
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}, "spec": {}})
    );
}

#[test]
fn malformed_bodies_are_bad_requests() {
    let no_envelope = decode(b"{\"kind\": \"Secret\"}").unwrap_err();
    assert_eq!((no_envelope.code, no_envelope.reason), (400, "BadRequest"));
    let mut truncated = envelope(
        "v1",
        "Secret",
        &core::Secret {
            r#type: s("Opaque"),
            ..Default::default()
        },
    );
    truncated.truncate(truncated.len() - 3);
    let err = decode(&truncated).unwrap_err();
    assert_eq!(err.code, 400, "{}", err.message);
    let mut bad_field = envelope("v1", "Secret", &core::Secret::default());
    bad_field.extend([0x0f]); // field 1 with the unsupported wire type 7
    assert_eq!(decode(&bad_field).unwrap_err().code, 400);
}

#[test]
fn kinds_without_a_table_are_unsupported_media() {
    let err = decode(&envelope("batch/v1", "Job", &core::Secret::default())).unwrap_err();
    assert_eq!((err.code, err.reason), (415, "UnsupportedMediaType"));
    assert!(err.message.contains("Job in batch/v1"), "{}", err.message);
}
