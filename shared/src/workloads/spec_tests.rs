use super::*;

/// Seed 002's `deployment_spec.yaml`, as Migrate for Anthos generates it.
pub const QUICKSTART: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  creationTimestamp: null
  labels:
    app: quickstart-instance
  name: quickstart-instance
spec:
  replicas: 1
  selector:
    matchLabels:
      app: quickstart-instance
  strategy: {}
  template:
    metadata:
      creationTimestamp: null
      labels:
        app: quickstart-instance
    spec:
      containers:
      - image: gcr.io/project-a/quickstart-instance:v1.0.0
        name: quickstart-instance
        resources: {}
status: {}
---
apiVersion: v1
kind: Service
metadata:
  name: quickstart-instance
spec:
  selector:
    app: quickstart-instance
  ports:
  - port: 80
    targetPort: 8080
";

fn issues(text: &str) -> Vec<SpecIssue> {
    DeploymentSpec::parse(text).expect_err("refused")
}

#[test]
fn the_seed_spec_parses_into_its_objects() {
    let spec = DeploymentSpec::parse(QUICKSTART).unwrap();
    let titles: Vec<String> = spec.objects.iter().map(SpecObject::title).collect();
    assert_eq!(
        titles,
        [
            "Deployment/quickstart-instance",
            "Service/quickstart-instance"
        ]
    );
    assert_eq!(spec.objects[1].line, 26);
    assert_eq!(spec.workloads().count(), 1);
    // Generated leftovers are not applied.
    let deployment = &spec.objects[0].body;
    assert!(deployment.get("status").is_none());
    assert!(deployment["metadata"].get("creationTimestamp").is_none());
    let manifests = spec.manifests("apps");
    assert_eq!(manifests[1]["metadata"]["namespace"], "apps");
    assert_eq!(spec.named_namespace(), None);
}

#[test]
fn bad_yaml_names_its_line() {
    let text = format!("{QUICKSTART}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x\n");
    let found = issues(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].line, Some(39), "{found:?}");
    assert!(found[0].message.starts_with("not valid YAML"), "{found:?}");
    assert!(found[0].to_string().starts_with("line "), "{}", found[0]);
    let tab = issues("apiVersion: v1\nkind: Service\n\tmetadata: x\n");
    assert_eq!(tab[0].line, Some(3), "{tab:?}");
}

#[test]
fn unknown_kinds_and_versions_are_refused_where_they_are() {
    let text = "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {name: b}\n";
    let found = issues(text);
    assert_eq!(found[0].line, Some(6));
    assert!(
        found[0].message.contains("kind CronJob is not deployed"),
        "{found:?}"
    );
    let old = issues(
        "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: gcr.io/p/a}]\n",
    );
    assert!(
        old[0].message.contains("must use apiVersion apps/v1"),
        "{old:?}"
    );
    assert_eq!(old[0].line, Some(1));
    let scalar = issues("just text\n");
    assert!(scalar[0].message.contains("must be a Kubernetes object"));
    assert_eq!(issues("")[0].message, "the spec has no Kubernetes objects");
    let untyped = issues("metadata: {name: a}\n");
    assert!(untyped[0].message.contains("apiVersion and kind"));
}

#[test]
fn workloads_need_containers_with_full_images() {
    let none = issues(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers: []\n",
    );
    assert_eq!(none.len(), 1);
    assert!(
        none[0].message.contains("Deployment/a has no containers"),
        "{none:?}"
    );
    assert_eq!(none[0].line, Some(7));
    let text = QUICKSTART.replace(
        "gcr.io/project-a/quickstart-instance",
        "quickstart-instance",
    );
    let short = issues(&text);
    assert_eq!(short[0].line, Some(21), "{short:?}");
    assert!(
        short[0].message.contains("does not name its registry host"),
        "{short:?}"
    );
    let missing = issues(&QUICKSTART.replace(
        "      - image: gcr.io/project-a/quickstart-instance:v1.0.0\n        name",
        "      - name",
    ));
    assert_eq!(missing[0].line, Some(21), "{missing:?}");
    assert!(missing[0].message.contains("has no image"), "{missing:?}");
}

#[test]
fn every_problem_is_reported_in_line_order() {
    let text = format!(
        "{}---\n{}",
        QUICKSTART.replace("gcr.io/project-a/", ""),
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: quickstart-instance\n"
    );
    let found = issues(&text);
    let lines: Vec<Option<usize>> = found.iter().map(|i| i.line).collect();
    assert_eq!(lines, [Some(21), Some(37)], "{found:?}");
    assert!(found[1].message.contains("also defined at line 26"));
    assert!(describe(&found).contains("; line 37:"));
}

#[test]
fn oversized_specs_are_refused_before_parsing() {
    let big = "#".repeat(MAX_SPEC_BYTES + 1);
    assert!(issues(&big)[0].message.contains("at most"));
}
