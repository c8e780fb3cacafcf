//! Image pulls through kubectl: a registry refusing a cluster's project
//! or a pod without credentials leaves it in ErrImagePull/ImagePullBackOff
//! with the registry's error, until a grant or pull secret exists.

use super::harness::{Kubectl, row};
use super::world::{live, name, ready, waiting};

const APP: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: NAME, namespace: migrated}
spec:
  replicas: 1
  selector: {matchLabels: {app: NAME}}
  template:
    metadata: {labels: {app: NAME}}
    spec:
      SECRETS
      containers: [{name: app, image: "IMAGE", resources: {requests: {cpu: 50m, memory: 32Mi}}}]
"#;

fn app(name: &str, image: &str, secret: Option<&str>) -> String {
    let secrets = secret.map_or_else(String::new, |s| {
        format!("imagePullSecrets: [{{name: {s}}}]")
    });
    APP.replace("NAME", name)
        .replace("IMAGE", image)
        .replace("SECRETS", &secrets)
}

#[tokio::test]
async fn refused_pulls_back_off_with_the_registry_error_until_access_exists() {
    // gke-asia-2 lives in project-b; the image is in project-a's registry.
    let k = Kubectl::world("pulls", &["gke-asia-2"]).await;
    let asia = k.on("gke-asia-2");
    asia.ok(&["create", "namespace", "migrated"]).await;
    let image = "gcr.io/project-a/app:1";
    asia.create("app.yaml", &app("app", image, None)).await;
    let pods = ["get", "pods", "-n", "migrated", "-l", "app=app"];
    let pod = asia
        .until("the pull refused", &pods, |list| {
            live(list)
                .first()
                .filter(|p| matches!(waiting(p), "ErrImagePull" | "ImagePullBackOff"))
                .map(|p| name(p))
        })
        .await;
    asia.until("ImagePullBackOff", &pods, |list| {
        live(list)
            .first()
            .filter(|p| waiting(p) == "ImagePullBackOff")
            .map(|_| ())
    })
    .await;
    let table = asia.ok(&pods).await;
    let status = row(&table, &pod);
    assert!(
        status
            .iter()
            .any(|w| matches!(*w, "ErrImagePull" | "ImagePullBackOff")),
        "{table}"
    );
    let described = asia.ok(&["describe", "pod", "-n", "migrated", &pod]).await;
    let error = format!(
        "Failed to pull image \"{image}\": rpc error: code = Unknown desc = failed to pull and unpack image \
         \"{image}\": failed to resolve reference \"{image}\": pulling from host gcr.io failed with status \
         code [manifests 1]: 403 Forbidden"
    );
    // describe wraps long messages; compare without line breaks.
    let flat = described.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(&error), "{described}");
    assert!(
        flat.contains(&format!("Back-off pulling image \"{image}\"")),
        "{described}"
    );
    let events = asia.json(&["get", "events", "-n", "migrated"]).await;
    let reasons: Vec<(&str, &str)> = events["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["reason"].as_str().unwrap_or_default(),
                e["type"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    for expected in [
        ("Failed", "Warning"),
        ("BackOff", "Normal"),
        ("Pulling", "Normal"),
    ] {
        assert!(
            reasons.contains(&expected),
            "{expected:?} not in {reasons:?}"
        );
    }

    // Project-a grants project-b's clusters read access: the same pod
    // starts on a later retry.
    k.cluster("gke-asia-2")
        .profile()
        .registries
        .grant("project-a", "project-b");
    asia.until(
        "the pod Ready after the grant",
        &["get", "pod", "-n", "migrated", &pod],
        |p| ready(p).then_some(()),
    )
    .await;
    asia.ok(&[
        "rollout",
        "status",
        "deploy/app",
        "-n",
        "migrated",
        "--timeout=60s",
    ])
    .await;

    // A private registry: the pod names a pull secret that does not exist
    // yet; once it does, the pod starts.
    asia.create(
        "private.yaml",
        &app(
            "private",
            "registry.example.com/team/app:2",
            Some("regcred"),
        ),
    )
    .await;
    let private = ["get", "pods", "-n", "migrated", "-l", "app=private"];
    let message = asia
        .until("the private pull refused", &private, |list| {
            let pod = live(list).into_iter().next()?;
            matches!(waiting(pod), "ErrImagePull" | "ImagePullBackOff").then(|| {
                pod["status"]["containerStatuses"][0]["state"]["waiting"]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
        })
        .await;
    assert!(
        message
            .contains("pull access denied, repository does not exist or may require authorization"),
        "{message}"
    );
    asia.ok(&[
        "create",
        "secret",
        "docker-registry",
        "regcred",
        "-n",
        "migrated",
        "--docker-server=https://registry.example.com",
        "--docker-username=deploy",
        "--docker-password=secret",
    ])
    .await;
    asia.ok(&[
        "rollout",
        "status",
        "deploy/private",
        "-n",
        "migrated",
        "--timeout=60s",
    ])
    .await;

    // The namespace's default service account lends its pull secrets to
    // pods created without any.
    asia.ok(&[
        "patch",
        "serviceaccount",
        "default",
        "-n",
        "migrated",
        "-p",
        r#"{"imagePullSecrets":[{"name":"regcred"}]}"#,
    ])
    .await;
    asia.create(
        "via-sa.yaml",
        &app("via-sa", "registry.example.com/team/other:1", None),
    )
    .await;
    asia.ok(&[
        "rollout",
        "status",
        "deploy/via-sa",
        "-n",
        "migrated",
        "--timeout=60s",
    ])
    .await;
    let pod = asia
        .json(&["get", "pods", "-n", "migrated", "-l", "app=via-sa"])
        .await;
    assert_eq!(
        pod["items"][0]["spec"]["imagePullSecrets"],
        serde_json::json!([{"name": "regcred"}])
    );
}
