//! Authorisation that cannot be walked around. A service account token
//! may read discovery and nothing else here, whatever form its path takes:
//! encoded slashes (`/api/v1%2Fsecrets`) are slashes to the authoriser as
//! to the router, dot and empty segments are refused. And a token minted
//! for another audience (`kubectl create token --audience vault`) does not
//! authenticate at all, though a `TokenReview` for that audience still
//! says whom it speaks for. kubectl is the honest client; the probes are
//! sent as curl `--path-as-is` would, unnormalised, through kube's client.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http_body_util::BodyExt;
use serde_json::{Value, json};

use super::common;
use super::harness::Kubectl;

/// What the CA key Secret holds: no refused answer may carry it.
const CA_KEY: &str = "TOP-SECRET-CA-KEY";

/// One request sent as is, with `token` as the bearer: the status code and
/// the body (what arrives within a second or so, for a watch).
async fn raw(k: &Kubectl, method: &str, path: &str, token: &str, body: &str) -> (u16, String) {
    let (kubeconfig, context) = k.kubeconfig();
    let mut config = common::config(kubeconfig, context).await;
    config.auth_info = kube::config::AuthInfo::default();
    let client = kube::Client::try_from(config).expect("client");
    let request = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(kube::client::Body::from(body.as_bytes().to_vec()))
        .expect("a request");
    let response = tokio::time::timeout(Duration::from_secs(30), client.send(request))
        .await
        .unwrap_or_else(|_| panic!("{method} {path} was not answered"))
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let code = response.status().as_u16();
    let mut body = response.into_body();
    let mut text = Vec::new();
    while let Ok(Some(Ok(frame))) =
        tokio::time::timeout(Duration::from_millis(1500), body.frame()).await
    {
        if let Some(data) = frame.data_ref() {
            text.extend_from_slice(data);
        }
    }
    (code, String::from_utf8_lossy(&text).into_owned())
}

/// Whether `body` gives away the CA key Secret.
fn leaks(body: &str) -> bool {
    body.contains("ca-key.pem") || body.contains(CA_KEY) || body.contains(&STANDARD.encode(CA_KEY))
}

/// A fleet whose `istio-system/cacerts` holds a CA key, and a token of
/// the `default/default` service account for the API server.
async fn fleet_with_ca_key(test: &str) -> (Kubectl, String) {
    let k = Kubectl::start(test).await;
    k.namespace("istio-system").await;
    let key = format!("--from-literal=ca-key.pem={CA_KEY}");
    let args = [
        "create",
        "secret",
        "generic",
        "cacerts",
        "-n",
        "istio-system",
        &key,
    ];
    k.ok(&args).await;
    let token = k.ok(&["create", "token", "default", "-n", "default"]).await;
    (k, token.trim().to_owned())
}

#[tokio::test]
async fn a_service_account_cannot_walk_around_authorisation_by_the_form_of_its_path() {
    let (k, sa) = fleet_with_ca_key("authz-paths").await;
    let as_sa = ["--token", sa.as_str()];
    let refused = k
        .fails(&[&as_sa[..], &["get", "secrets", "-n", "kube-system"]].concat())
        .await;
    assert!(refused.contains("Forbidden"), "{refused}");
    let cacerts_before = k
        .json(&["get", "secret", "cacerts", "-n", "istio-system"])
        .await;

    for (path, code) in [
        ("/api/v1/namespaces/kube-system/secrets", 403),
        ("/api/v1%2Fnamespaces%2Fkube-system%2Fsecrets", 403),
        ("/api/v1%2Fsecrets", 403),
        (
            "/api/v1%2fnamespaces%2fistio-system%2fsecrets%2fcacerts",
            403,
        ),
        ("/api/v1%2Fsecrets?watch=true", 403),
        ("/apis/apps%2Fv1%2Fdeployments", 403),
        ("/api/v1%2Fnamespaces%2Fdefault%2Fpods%2Fweb%2Flog", 403),
        ("/api/v1/namespaces/default/..%2F..%2Fsecrets", 400),
        ("/api/v1/namespaces/x/../../secrets", 400),
        ("/api/v1/namespaces/istio-system/secrets/./cacerts", 400),
        ("/api/v1/%2e%2e/v1/secrets", 400),
        ("/api/v1//secrets", 400),
        ("/api/v1%2F%2Fsecrets", 400),
    ] {
        let (got, body) = raw(&k, "GET", path, &sa, "").await;
        assert_eq!(got, code, "GET {path}: {body}");
        assert!(!leaks(&body), "GET {path} gave the CA key away: {body}");
        let status: Value = serde_json::from_str(&body).expect("a Status");
        assert_eq!(status["kind"], "Status", "{body}");
    }

    // Writes through encoded paths are refused as the plain ones are.
    let planted = json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "planted"}, "stringData": {"k": "v"}})
    .to_string();
    let request = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
        "spec": {}})
    .to_string();
    for (method, path, body) in [
        (
            "POST",
            "/api/v1%2Fnamespaces%2Fkube-system%2Fsecrets",
            planted.as_str(),
        ),
        (
            "DELETE",
            "/api/v1%2Fnamespaces%2Fistio-system%2Fsecrets%2Fcacerts",
            "",
        ),
        (
            "POST",
            "/api/v1%2Fnamespaces%2Fkube-system%2Fserviceaccounts%2Fdefault%2Ftoken",
            request.as_str(),
        ),
        (
            "POST",
            "/apis%2Fauthentication.k8s.io%2Fv1%2Ftokenreviews",
            "{}",
        ),
    ] {
        let (got, body) = raw(&k, method, path, &sa, body).await;
        assert_eq!(got, 403, "{method} {path}: {body}");
        assert!(!body.contains("\"token\""), "{method} {path}: {body}");
    }
    let none = k
        .fails(&["get", "secret", "planted", "-n", "kube-system"])
        .await;
    assert!(none.contains("NotFound"), "{none}");
    let cacerts_after = k
        .json(&["get", "secret", "cacerts", "-n", "istio-system"])
        .await;
    assert_eq!(cacerts_after, cacerts_before, "nothing changed");

    // What the account may do, it still may; the cluster's own token
    // reads what it reads, by either spelling.
    let versions = k
        .ok(&[&as_sa[..], &["get", "--raw", "/api"]].concat())
        .await;
    assert!(versions.contains("APIVersions"), "{versions}");
    let (code, _) = raw(&k, "GET", "/openapi%2Fv3", &sa, "").await;
    assert_eq!(code, 200, "discovery, spelt with an encoded slash");
    let admin = k.cluster("gke-eu").token.clone();
    for path in [
        "/api/v1/namespaces/istio-system/secrets",
        "/api/v1%2Fnamespaces%2Fistio-system%2Fsecrets",
    ] {
        let (code, body) = raw(&k, "GET", path, &admin, "").await;
        assert_eq!(code, 200, "{path}: {body}");
        assert!(leaks(&body), "the admin reads the Secret: {body}");
    }
}

#[tokio::test]
async fn a_token_for_another_audience_does_not_authenticate() {
    let (k, sa) = fleet_with_ca_key("authz-audience").await;
    let args = [
        "create",
        "token",
        "default",
        "-n",
        "default",
        "--audience",
        "vault",
    ];
    let vault = k.ok(&args).await.trim().to_owned();
    let as_vault = ["--token", vault.as_str()];

    for args in [
        &["get", "--raw", "/api"][..],
        &["get", "namespaces"],
        &["create", "configmap", "planted", "-n", "default"],
    ] {
        let err = k.fails(&[&as_vault[..], args].concat()).await;
        assert!(err.contains("Unauthorized"), "{args:?}: {err}");
    }
    for path in ["/version", "/api/v1", "/api/v1%2Fsecrets"] {
        let (code, body) = raw(&k, "GET", path, &vault, "").await;
        assert_eq!(code, 401, "{path}: {body}");
        assert!(!leaks(&body), "{path}: {body}");
    }
    let none = k
        .fails(&["get", "configmap", "planted", "-n", "default"])
        .await;
    assert!(none.contains("NotFound"), "nothing changed: {none}");
    // The API server's own audience is good.
    let versions = k.ok(&["--token", &sa, "get", "--raw", "/api"]).await;
    assert!(versions.contains("APIVersions"), "{versions}");

    // A review for the token's audience says whom it speaks for (Vault's
    // Kubernetes auth asks so); one naming no audience asks for the API
    // server's, which it is not meant for.
    let review = |audiences: Value| {
        json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
               "spec": {"token": vault, "audiences": audiences}})
        .to_string()
    };
    let file = k.manifest("review-vault.json", &review(json!(["vault"])));
    let status = k.json(&["create", "-f", &file]).await["status"].clone();
    assert_eq!(status["authenticated"], true, "{status}");
    assert_eq!(
        status["user"]["username"],
        "system:serviceaccount:default:default"
    );
    let file = k.manifest("review-none.json", &review(json!([])));
    let status = k.json(&["create", "-f", &file]).await["status"].clone();
    assert_ne!(status["authenticated"], true, "{status}");
    assert!(
        status["error"]
            .as_str()
            .is_some_and(|e| e.contains("audiences")),
        "{status}"
    );
}
