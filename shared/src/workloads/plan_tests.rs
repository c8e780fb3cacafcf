use base64::Engine;

use super::*;
use crate::workloads::api::BasicAuth;
use crate::workloads::identity::{AwsIdentity, DEFAULT_TOKEN_FILE};

const SPEC: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: quickstart-instance}
spec:
  selector: {matchLabels: {app: q}}
  template:
    metadata: {labels: {app: q}}
    spec:
      containers:
      - {name: q, image: gcr.io/project-a/quickstart-instance:v1.0.0}
      - {name: side, image: eu.gcr.io/project-a/side:1}
---
apiVersion: v1
kind: Service
metadata: {name: quickstart-instance}
spec: {selector: {app: q}, ports: [{port: 80}]}
";

const KEY: &str = r#"{"type": "service_account", "client_email": "m4a@project-a.iam.gserviceaccount.com",
 "private_key": "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"}"#;

fn request() -> DeployRequest {
    DeployRequest {
        name: None,
        cluster: "gke-asia-2".into(),
        namespace: "apps".into(),
        spec: SPEC.into(),
        pull_secret: None,
        aws_identity: None,
    }
}

fn json_key(mode: SecretMode) -> PullSecretInput {
    PullSecretInput {
        mode,
        json_key: Some(KEY.into()),
        basic: None,
        name: None,
    }
}

#[test]
fn a_plain_request_places_the_spec_in_the_namespace() {
    let plan = Plan::of(&request()).unwrap();
    assert_eq!(plan.name, "quickstart-instance");
    assert_eq!(plan.manifests.len(), 2);
    assert!(
        plan.manifests
            .iter()
            .all(|m| m["metadata"]["namespace"] == "apps")
    );
    let titles: Vec<String> = plan.registries.iter().map(Registry::title).collect();
    assert_eq!(titles, ["eu.gcr.io/project-a", "gcr.io/project-a"]);
    assert_eq!(plan.secret, None);
}

#[test]
fn template_mode_names_the_secret_in_every_pod_template() {
    let mut r = request();
    r.pull_secret = Some(json_key(SecretMode::PodTemplate));
    let plan = Plan::of(&r).unwrap();
    let secret = plan.secret.as_ref().unwrap();
    assert_eq!(secret.name, "gcr-json-key");
    assert_eq!(secret.servers, ["eu.gcr.io", "gcr.io"]);
    assert_eq!(secret.manifest["metadata"]["namespace"], "apps");
    assert_eq!(
        plan.manifests[0]["spec"]["template"]["spec"]["imagePullSecrets"],
        serde_json::json!([{"name": "gcr-json-key"}])
    );
    r.pull_secret = Some(json_key(SecretMode::ServiceAccount));
    let sa = Plan::of(&r).unwrap();
    assert!(sa.manifests[0]["spec"]["template"]["spec"]["imagePullSecrets"].is_null());
    let own_sa = SPEC.replace(
        "      containers:",
        "      serviceAccountName: app\n      containers:",
    );
    r.spec = own_sa;
    assert!(
        matches!(Plan::of(&r), Err(PlanError::Invalid(m)) if m.contains("own service account"))
    );
}

#[test]
fn basic_auth_secrets_are_named_after_their_registry() {
    let mut r = request();
    r.pull_secret = Some(PullSecretInput {
        mode: SecretMode::PodTemplate,
        json_key: None,
        basic: Some(BasicAuth {
            server: "registry.example.com".into(),
            username: "u".into(),
            password: "p".into(),
        }),
        name: None,
    });
    let plan = Plan::of(&r).unwrap();
    let secret = plan.secret.unwrap();
    assert_eq!(secret.name, "registry-example-com-pull");
    assert_eq!(secret.credential, "basic_auth");
    let data = secret.manifest["data"][".dockerconfigjson"]
        .as_str()
        .unwrap();
    let text = base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap();
    assert!(
        String::from_utf8(text)
            .unwrap()
            .contains("registry.example.com")
    );
}

#[test]
fn bad_inputs_are_refused_with_their_reason() {
    let mut r = request();
    r.namespace = "Apps".into();
    assert!(matches!(Plan::of(&r), Err(PlanError::Invalid(m)) if m.contains("namespace \"Apps\"")));
    let mut r = request();
    r.spec = SPEC.replace(
        "metadata: {name: quickstart-instance}\nspec:\n  selector",
        "metadata: {name: quickstart-instance, namespace: prod}\nspec:\n  selector",
    );
    assert!(matches!(Plan::of(&r), Err(PlanError::Invalid(m)) if m.contains("namespace prod")));
    let mut r = request();
    r.spec = "kind: [".into();
    let err = Plan::of(&r).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the deployment spec is not valid: line 1"),
        "{err}"
    );
    let mut r = request();
    r.pull_secret = Some(PullSecretInput {
        json_key: Some("{\"type\": \"service_account\"}".into()),
        ..json_key(SecretMode::PodTemplate)
    });
    assert!(matches!(Plan::of(&r), Err(PlanError::Invalid(m)) if m.contains("client_email")));
    let mut r = request();
    r.pull_secret = Some(PullSecretInput {
        json_key: None,
        ..json_key(SecretMode::PodTemplate)
    });
    assert!(Plan::of(&r).is_err());
    let mut r = request();
    r.aws_identity = Some(AwsIdentity {
        role_arn: "arn:aws:iam::1:role/x".into(),
        token_file: DEFAULT_TOKEN_FILE.into(),
        fs_group: 1,
    });
    assert!(matches!(Plan::of(&r), Err(PlanError::Invalid(m)) if m.contains("AWS_ROLE_ARN")));
}

#[test]
fn workload_identity_reaches_the_manifests() {
    let mut r = request();
    r.aws_identity = Some(AwsIdentity {
        role_arn: "arn:aws:iam::123456789012:role/app".into(),
        token_file: DEFAULT_TOKEN_FILE.into(),
        fs_group: 1234,
    });
    let plan = Plan::of(&r).unwrap();
    let pod = &plan.manifests[0]["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["fsGroup"], 1234);
    assert_eq!(pod["containers"][1]["env"][0]["name"], "AWS_ROLE_ARN");
}

#[test]
fn a_plan_that_reaches_mesh_identity_is_refused_on_its_fields() {
    let mut into_mesh = request();
    into_mesh.namespace = "istio-system".into();
    let Err(PlanError::Reach(found)) = Plan::of(&into_mesh) else {
        panic!("istio-system is refused");
    };
    assert_eq!(found[0].field, "namespace");
    let mut as_istiod = request();
    as_istiod.spec = SPEC.replace(
        "    spec:\n      containers:",
        "    spec:\n      serviceAccountName: istiod\n      containers:",
    );
    let err = Plan::of(&as_istiod).unwrap_err();
    assert!(
        err.to_string().contains(
            "Deployment/quickstart-instance.spec.template.spec.serviceAccountName: pods may not run as istiod"
        ),
        "{err}"
    );
    let mut named_cacerts = request();
    let mut secret = json_key(SecretMode::PodTemplate);
    secret.name = Some("cacerts".into());
    named_cacerts.pull_secret = Some(secret);
    let Err(PlanError::Reach(found)) = Plan::of(&named_cacerts) else {
        panic!("a pull secret named cacerts is refused");
    };
    assert_eq!(found[0].field, "pull_secret.name");
    // The migration's own pull secret may be mounted.
    let mut mounted = request();
    mounted.pull_secret = Some(json_key(SecretMode::PodTemplate));
    mounted.spec = SPEC.replace(
        "    spec:\n      containers:",
        "    spec:\n      volumes: [{name: pull, secret: {secretName: gcr-json-key}}]\n      containers:",
    );
    assert!(Plan::of(&mounted).is_ok());
}
