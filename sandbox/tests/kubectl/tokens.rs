//! Service account tokens through kubectl: `kubectl create token` (the
//! `serviceaccounts/token` subresource), and `TokenReview`s created with
//! `kubectl create -f`, which say whom a token speaks for only while its
//! service account, and the pod it is bound to, still exist.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::harness::Kubectl;

const NS: &str = "vault-demo";

/// A `TokenReview` of `token` for `audience`, as a manifest file.
fn review(k: &Kubectl, file: &str, token: &str, audience: &str) -> String {
    let review = json!({
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenReview",
        "spec": {"token": token, "audiences": [audience]},
    });
    k.manifest(file, &review.to_string())
}

/// What the cluster answers a review of `token` for `audience`.
async fn reviewed(k: &Kubectl, token: &str, audience: &str) -> Value {
    let path = review(k, "review.json", token, audience);
    k.json(&["create", "-f", &path]).await["status"].clone()
}

/// The claims of a JWT (not checked: the cluster does that).
fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT has three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

async fn service_account(k: &Kubectl, name: &str) {
    k.create(
        &format!("sa-{name}.yaml"),
        &format!(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: {name}, namespace: {NS}}}\n"
        ),
    )
    .await;
}

#[tokio::test]
async fn a_token_is_good_for_its_audience_until_its_service_account_is_recreated() {
    let k = Kubectl::start("tokens").await;
    k.namespace(NS).await;
    service_account(&k, "app").await;
    let args = [
        "create",
        "token",
        "app",
        "-n",
        NS,
        "--audience",
        "vault",
        "--duration",
        "20m",
    ];
    let token = k.ok(&args).await.trim().to_owned();
    let c = claims(&token);
    assert_eq!(c["sub"], "system:serviceaccount:vault-demo:app");
    assert_eq!(c["aud"], json!(["vault"]));
    assert_eq!(
        c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(),
        1200
    );

    let status = reviewed(&k, &token, "vault").await;
    assert_eq!(status["authenticated"], true, "{status}");
    assert_eq!(
        status["user"]["username"],
        "system:serviceaccount:vault-demo:app"
    );
    assert_eq!(status["audiences"], json!(["vault"]));
    let uid = k.json(&["get", "sa", "app", "-n", NS]).await["metadata"]["uid"].clone();
    assert_eq!(status["user"]["uid"], uid);

    let other = reviewed(&k, &token, "another-audience").await;
    assert_ne!(other["authenticated"], true, "{other}");
    assert!(
        other["error"].as_str().unwrap().contains("audiences"),
        "{other}"
    );

    // A review is answered, not kept.
    let err = k.fails(&["get", "tokenreviews"]).await;
    assert!(
        err.contains("the server does not allow this method on the requested resource"),
        "{err}"
    );

    k.ok(&["delete", "sa", "app", "-n", NS]).await;
    let gone = reviewed(&k, &token, "vault").await;
    assert_eq!(
        gone["error"],
        "service account vault-demo/app has been deleted"
    );
    service_account(&k, "app").await;
    let recreated = reviewed(&k, &token, "vault").await;
    assert_eq!(
        recreated["error"],
        "service account vault-demo/app has been recreated since the token was issued"
    );
}

#[tokio::test]
async fn token_requests_the_api_server_would_refuse_are_refused() {
    let k = Kubectl::start("token-refusals").await;
    k.namespace(NS).await;
    service_account(&k, "app").await;
    let short = k
        .fails(&["create", "token", "app", "-n", NS, "--duration", "5m"])
        .await;
    assert!(
        short.contains("may not specify a duration less than 10 minutes"),
        "{short}"
    );
    let nobody = k.fails(&["create", "token", "nobody", "-n", NS]).await;
    assert!(
        nobody.contains(r#"serviceaccounts "nobody" not found"#),
        "{nobody}"
    );
    let no_pod = k
        .fails(&[
            "create",
            "token",
            "app",
            "-n",
            NS,
            "--bound-object-kind",
            "Pod",
            "--bound-object-name",
            "web",
        ])
        .await;
    assert!(no_pod.contains(r#"pods "web" not found"#), "{no_pod}");
}

#[tokio::test]
async fn a_token_bound_to_a_pod_ends_with_the_pod() {
    let k = Kubectl::start("token-bound").await;
    k.namespace(NS).await;
    service_account(&k, "app").await;
    k.pod(NS, "web", "{app: web}").await;
    let token = k
        .ok(&[
            "create",
            "token",
            "app",
            "-n",
            NS,
            "--bound-object-kind",
            "Pod",
            "--bound-object-name",
            "web",
        ])
        .await
        .trim()
        .to_owned();
    let pod_uid = k.json(&["get", "pod", "web", "-n", NS]).await["metadata"]["uid"].clone();
    assert_eq!(claims(&token)["kubernetes.io"]["pod"]["uid"], pod_uid);
    let status = reviewed(&k, &token, "https://kubernetes.default.svc.cluster.local").await;
    assert_eq!(status["authenticated"], true, "{status}");

    k.ok(&[
        "delete",
        "pod",
        "web",
        "-n",
        NS,
        "--grace-period=0",
        "--force",
    ])
    .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = reviewed(&k, &token, "https://kubernetes.default.svc.cluster.local").await;
        if status["authenticated"] != true {
            assert_eq!(
                status["error"],
                "the token is bound to pod vault-demo/web, which no longer exists"
            );
            break;
        }
        assert!(Instant::now() < deadline, "the token outlived its pod");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_token_secret_reviews_tokens_only_once_bound_to_the_auth_delegator_role() {
    let k = Kubectl::start("token-reviewer").await;
    let role = k
        .json(&["get", "clusterrole", "system:auth-delegator"])
        .await;
    assert_eq!(role["rules"][0]["resources"], json!(["tokenreviews"]));
    k.ok(&["create", "serviceaccount", "reviewer", "-n", "kube-system"])
        .await;
    k.create(
        "reviewer-token.yaml",
        "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/service-account-token\n\
         metadata:\n  name: reviewer-token\n  namespace: kube-system\n  \
         annotations: {kubernetes.io/service-account.name: reviewer}\n",
    )
    .await;
    let secret = k
        .json(&["get", "secret", "reviewer-token", "-n", "kube-system"])
        .await;
    let field = |key: &str| {
        let text = secret["data"][key].as_str().unwrap_or_default();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(field("namespace"), "kube-system");
    assert!(field("ca.crt").starts_with("-----BEGIN CERTIFICATE-----"));
    let reviewer = field("token");
    assert_eq!(
        claims(&reviewer)["kubernetes.io"]["secret"]["name"],
        "reviewer-token"
    );
    assert!(
        claims(&reviewer).get("exp").is_none(),
        "a Secret's token does not expire"
    );

    k.namespace(NS).await;
    service_account(&k, "app").await;
    let token = k
        .ok(&["create", "token", "app", "-n", NS])
        .await
        .trim()
        .to_owned();
    let path = review(
        &k,
        "review-as-reviewer.json",
        &token,
        "https://kubernetes.default.svc.cluster.local",
    );
    let as_reviewer = [
        "--token",
        reviewer.as_str(),
        "create",
        "-f",
        path.as_str(),
        "-o",
        "json",
    ];
    let forbidden = k.fails(&as_reviewer).await;
    assert!(
        forbidden.contains(
            r#"User "system:serviceaccount:kube-system:reviewer" cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope"#
        ),
        "{forbidden}"
    );
    k.ok(&[
        "create",
        "clusterrolebinding",
        "reviewer",
        "--clusterrole",
        "system:auth-delegator",
        "--serviceaccount",
        "kube-system:reviewer",
    ])
    .await;
    let answer: Value = serde_json::from_str(&k.ok(&as_reviewer).await).unwrap();
    assert_eq!(answer["status"]["authenticated"], true, "{answer}");
    assert_eq!(
        answer["status"]["user"]["username"],
        "system:serviceaccount:vault-demo:app"
    );
    // It may review tokens, and do nothing else.
    let other = k
        .fails(&["--token", reviewer.as_str(), "get", "pods", "-A"])
        .await;
    assert!(
        other.contains("Forbidden") || other.contains("forbidden"),
        "{other}"
    );

    // Deleting the Secret ends its token.
    k.ok(&["delete", "secret", "reviewer-token", "-n", "kube-system"])
        .await;
    let ended = k.fails(&as_reviewer).await;
    assert!(
        ended.contains("the server has asked for the client to provide credentials"),
        "{ended}"
    );
}
