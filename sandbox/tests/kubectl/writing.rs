//! Imperative writes: labels, secrets (protobuf bodies), the patch types, scale, rollout restart and CSR approval.

use base64::Engine;
use serde_json::{Value, json};

use super::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn label_overwrite_with_a_removal() {
    let k = Kubectl::start("label").await;
    k.namespace("blue").await;
    k.pod("blue", "p1", "{app: foo, tier: web}").await;
    let before = k.json(&["-n", "blue", "get", "pod", "p1"]).await;

    let refused = k
        .fails(&["-n", "blue", "label", "pod", "p1", "app=bar"])
        .await;
    assert!(refused.contains("--overwrite is false"), "{refused}");
    let unchanged = k.json(&["-n", "blue", "get", "pod", "p1"]).await;
    assert_eq!(labels(&unchanged), labels(&before));

    let out = k
        .ok(&[
            "-n",
            "blue",
            "label",
            "pod",
            "p1",
            "app=bar",
            "tier-",
            "stage=canary",
            "--overwrite",
        ])
        .await;
    // kubectl's own wording for a change that adds and removes.
    assert_eq!(out.trim(), "pod/p1 modified");
    let after = k.json(&["-n", "blue", "get", "pod", "p1"]).await;
    assert_eq!(labels(&after), json!({"app": "bar", "stage": "canary"}));
    assert_eq!(after["metadata"]["uid"], before["metadata"]["uid"]);
    assert_ne!(
        after["metadata"]["resourceVersion"],
        before["metadata"]["resourceVersion"]
    );
    assert_eq!(
        k.names(&["-n", "blue", "get", "pods", "-l", "stage=canary"])
            .await,
        ["p1"]
    );

    // Labelling several objects at once, by selector.
    k.pod("blue", "p2", "{app: bar}").await;
    k.ok(&["-n", "blue", "label", "pods", "-l", "app=bar", "team=mesh"])
        .await;
    assert_eq!(
        k.names(&["-n", "blue", "get", "pods", "-l", "team=mesh"])
            .await,
        ["p1", "p2"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_secret_generic_from_file() {
    let k = Kubectl::start("secret-generic").await;
    k.namespace("blue").await;
    let token = k.manifest("token", "s3cr3t-token\n");
    let ca = k.manifest("ca.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n");

    // kubectl sends this body as protobuf.
    let out = k
        .ok(&[
            "-n",
            "blue",
            "create",
            "secret",
            "generic",
            "creds",
            &format!("--from-file=token={token}"),
            &format!("--from-file={ca}"),
            "--from-literal=user=admin",
        ])
        .await;
    assert_eq!(out.trim(), "secret/creds created");

    let secret = k.json(&["-n", "blue", "get", "secret", "creds"]).await;
    assert_eq!(secret["type"], "Opaque");
    assert_eq!(secret["metadata"]["namespace"], "blue");
    assert!(secret["metadata"]["uid"].is_string(), "{secret}");
    let data = &secret["data"];
    assert_eq!(decode_b64(&data["token"]), "s3cr3t-token\n");
    assert_eq!(
        decode_b64(&data["ca.crt"]),
        "-----BEGIN CERTIFICATE-----\nMIIB\n"
    );
    assert_eq!(decode_b64(&data["user"]), "admin");
    assert_eq!(data.as_object().map(|d| d.len()), Some(3), "{secret}");

    let table = k.ok(&["-n", "blue", "get", "secrets"]).await;
    assert_eq!(header(&table), ["NAME", "TYPE", "DATA", "AGE"]);
    assert_eq!(row(&table, "creds")[1..3], ["Opaque", "3"]);

    let again = k
        .fails(&[
            "-n",
            "blue",
            "create",
            "secret",
            "generic",
            "creds",
            "--from-literal=a=b",
        ])
        .await;
    assert!(
        again.contains(r#"secrets "creds" already exists"#),
        "{again}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_secret_docker_registry() {
    let k = Kubectl::start("secret-docker").await;
    k.namespace("blue").await;
    k.ok(&[
        "-n",
        "blue",
        "create",
        "secret",
        "docker-registry",
        "regcred",
        "--docker-server=europe-docker.pkg.dev",
        "--docker-username=_json_key",
        "--docker-password=hunter2",
        "--docker-email=ops@example.com",
    ])
    .await;

    let secret = k.json(&["-n", "blue", "get", "secret", "regcred"]).await;
    assert_eq!(secret["type"], "kubernetes.io/dockerconfigjson");
    let config: Value =
        serde_json::from_str(&decode_b64(&secret["data"][".dockerconfigjson"])).expect("json");
    let auth = &config["auths"]["europe-docker.pkg.dev"];
    assert_eq!(auth["username"], "_json_key", "{config}");
    assert_eq!(auth["password"], "hunter2");
    assert_eq!(auth["email"], "ops@example.com");
    assert_eq!(decode_b64(&auth["auth"]), "_json_key:hunter2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_strategic_merge_and_json() {
    let k = Kubectl::start("patch").await;
    k.namespace("blue").await;
    k.create("deploy.yaml", DEPLOYMENT).await;

    // Strategic (kubectl's default): containers and env merge by name.
    let strategic = r#"{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.28","env":[{"name":"B","value":"2"}]}]}}}}"#;
    let out = k
        .ok(&["-n", "blue", "patch", "deployment", "web", "-p", strategic])
        .await;
    assert_eq!(out.trim(), "deployment.apps/web patched");
    let d = k.json(&["-n", "blue", "get", "deploy", "web"]).await;
    let containers = &d["spec"]["template"]["spec"]["containers"];
    assert_eq!(containers.as_array().map(Vec::len), Some(1), "{containers}");
    assert_eq!(containers[0]["image"], "nginx:1.28");
    assert_eq!(
        containers[0]["env"],
        json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])
    );
    assert_eq!(
        containers[0]["ports"],
        json!([{"containerPort": 80, "protocol": "TCP"}])
    );
    assert_eq!(d["metadata"]["generation"], 2);

    // Strategic delete directive.
    let delete = r#"{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"A","$patch":"delete"}]}]}}}}"#;
    k.ok(&["-n", "blue", "patch", "deploy", "web", "-p", delete])
        .await;
    let d = k.json(&["-n", "blue", "get", "deploy", "web"]).await;
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["env"],
        json!([{"name": "B", "value": "2"}])
    );

    // Merge: lists are replaced whole, null removes.
    let merge = r#"{"metadata":{"labels":{"app":null,"team":"mesh"}},"spec":{"template":{"spec":{"containers":[{"name":"proxy","image":"envoy:1.31"}]}}}}"#;
    k.ok(&[
        "-n", "blue", "patch", "deploy", "web", "--type", "merge", "-p", merge,
    ])
    .await;
    let d = k.json(&["-n", "blue", "get", "deploy", "web"]).await;
    assert_eq!(labels(&d), json!({"team": "mesh"}));
    let containers = &d["spec"]["template"]["spec"]["containers"];
    assert_eq!(containers.as_array().map(Vec::len), Some(1), "{containers}");
    assert_eq!(containers[0]["name"], "proxy");

    // JSON patch, and a failing one that changes nothing.
    k.ok(&[
        "-n",
        "blue",
        "patch",
        "deploy",
        "web",
        "--type",
        "json",
        "-p",
        r#"[{"op":"replace","path":"/spec/replicas","value":4}]"#,
    ])
    .await;
    let d = k.json(&["-n", "blue", "get", "deploy", "web"]).await;
    assert_eq!(d["spec"]["replicas"], 4);
    let err = k
        .fails(&[
            "-n",
            "blue",
            "patch",
            "deploy",
            "web",
            "--type",
            "json",
            "-p",
            r#"[{"op":"replace","path":"/spec/replicas","value":5},{"op":"remove","path":"/spec/nothing"}]"#,
        ])
        .await;
    assert!(err.contains("/spec/nothing"), "{err}");
    // (Compared by spec and generation: controllers may write the status.)
    let after = k.json(&["-n", "blue", "get", "deploy", "web"]).await;
    assert_eq!(after["spec"], d["spec"]);
    assert_eq!(after["metadata"]["generation"], d["metadata"]["generation"]);

    // A patch that changes nothing writes nothing (a ConfigMap: no
    // controller touches it, so its resourceVersion must stay).
    k.create(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c1, namespace: blue}\ndata: {a: \"1\"}\n",
    )
    .await;
    let cm = k.json(&["-n", "blue", "get", "cm", "c1"]).await;
    let out = k
        .ok(&[
            "-n",
            "blue",
            "patch",
            "cm",
            "c1",
            "-p",
            r#"{"data":{"a":"1"}}"#,
        ])
        .await;
    assert_eq!(out.trim(), "configmap/c1 patched (no change)");
    let same = k.json(&["-n", "blue", "get", "cm", "c1"]).await;
    assert_eq!(
        same["metadata"]["resourceVersion"],
        cm["metadata"]["resourceVersion"]
    );

    // Patching what is not there.
    let missing = k
        .fails(&["-n", "blue", "patch", "deploy", "nope", "-p", "{}"])
        .await;
    assert!(
        missing.contains(r#"deployments.apps "nope" not found"#),
        "{missing}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_and_rollout_restart() {
    let k = Kubectl::start("scale").await;
    k.namespace("blue").await;
    k.create("deploy.yaml", DEPLOYMENT).await;

    let out = k
        .ok(&["-n", "blue", "scale", "deployment", "web", "--replicas=5"])
        .await;
    assert_eq!(out.trim(), "deployment.apps/web scaled");
    let d = k.json(&["-n", "blue", "get", "deploy", "web"]).await;
    assert_eq!(d["spec"]["replicas"], 5);
    let scale = k
        .json(&["-n", "blue", "get", "deploy", "web", "--subresource=scale"])
        .await;
    assert_eq!(scale["kind"], "Scale");
    assert_eq!(scale["spec"]["replicas"], 5);
    assert_eq!(scale["status"]["selector"], "app=web");

    // A precondition that does not hold changes nothing.
    let err = k
        .fails(&[
            "-n",
            "blue",
            "scale",
            "deploy",
            "web",
            "--current-replicas=2",
            "--replicas=1",
        ])
        .await;
    assert!(err.contains("Expected replicas to be 2, was 5"), "{err}");

    let generation = d["metadata"]["generation"].as_i64().expect("generation");
    let out = k
        .ok(&["-n", "blue", "rollout", "restart", "deployment/web"])
        .await;
    assert_eq!(out.trim(), "deployment.apps/web restarted");
    let d = k.json(&["-n", "blue", "get", "deploy", "web"]).await;
    let restarted =
        d["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
            .as_str()
            .expect("restartedAt annotation");
    assert!(restarted.ends_with('Z'), "{restarted}");
    assert_eq!(d["metadata"]["generation"], generation + 1);
    assert_eq!(
        d["spec"]["template"]["metadata"]["labels"],
        json!({"app": "web"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_approve_and_deny() {
    let k = Kubectl::start("csr").await;
    for name in ["istiod-eu", "rogue"] {
        let key = rcgen::KeyPair::generate().expect("key");
        let request = rcgen::CertificateParams::new(vec![format!("{name}.istio-system.svc")])
            .expect("params")
            .serialize_request(&key)
            .expect("csr")
            .pem()
            .expect("pem");
        let encoded = base64::engine::general_purpose::STANDARD.encode(request);
        k.create(
            &format!("{name}.yaml"),
            &format!(
                "apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata: {{name: {name}}}\n\
                 spec:\n  request: {encoded}\n  signerName: meshdeck.io/istio-ca\n  usages: [digital signature, key encipherment, server auth]\n"
            ),
        )
        .await;
    }
    let table = k.ok(&["get", "csr"]).await;
    assert_eq!(row(&table, "istiod-eu").last(), Some(&"Pending"), "{table}");

    // Both send a protobuf body to the approval subresource.
    let out = k.ok(&["certificate", "approve", "istiod-eu"]).await;
    assert_eq!(
        out.trim(),
        "certificatesigningrequest.certificates.k8s.io/istiod-eu approved"
    );
    let out = k.ok(&["certificate", "deny", "rogue"]).await;
    assert_eq!(
        out.trim(),
        "certificatesigningrequest.certificates.k8s.io/rogue denied"
    );

    let approved = k.json(&["get", "csr", "istiod-eu"]).await;
    let condition = &approved["status"]["conditions"][0];
    assert_eq!(condition["type"], "Approved", "{approved}");
    assert_eq!(condition["status"], "True");
    assert_eq!(condition["reason"], "KubectlApprove");
    assert_eq!(approved["spec"]["signerName"], "meshdeck.io/istio-ca");
    let denied = k.json(&["get", "csr", "rogue"]).await;
    let condition = &denied["status"]["conditions"][0];
    assert_eq!(condition["type"], "Denied", "{denied}");
    assert_eq!(condition["reason"], "KubectlDeny");
    assert_eq!(
        denied["status"]["conditions"].as_array().map(Vec::len),
        Some(1)
    );

    let table = k.ok(&["get", "csr"]).await;
    assert!(
        row(&table, "istiod-eu")
            .last()
            .is_some_and(|c| c.starts_with("Approved")),
        "{table}"
    );
    assert_eq!(row(&table, "rogue").last(), Some(&"Denied"), "{table}");
}
