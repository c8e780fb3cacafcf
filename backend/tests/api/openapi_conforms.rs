//! Real responses conform to the OpenAPI document: every GET endpoint the
//! default sandbox fleet can answer is called (path parameters filled with
//! live names), a few refusals are provoked, and each JSON body is checked
//! against the schema the document names for its operation and status by
//! the `jsonschema` package of the validator's virtualenv
//! (`openapi_conforms.py`).

use std::path::{Path, PathBuf};
use std::process::Command;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use backend::api::endpoints::endpoints;
use serde_json::{Value, json};
use shared::Role;

use crate::fleet::fleet_when;
use crate::support::{Session, TestConsole, body_bytes, body_json, json_request};

/// The validator's virtualenv python (see `openapi::validator`).
fn python() -> PathBuf {
    let validator = crate::openapi::validator();
    validator.parent().unwrap().join("python")
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/openapi_conforms.py")
}

/// Runs the checker; its exit status and what it printed.
fn check(doc: &Value, samples: &[Value]) -> (bool, String) {
    let dir = crate::support::temp_dir("conforms");
    let (doc_file, samples_file) = (dir.join("openapi.json"), dir.join("samples.json"));
    std::fs::write(&doc_file, serde_json::to_vec(doc).unwrap()).unwrap();
    std::fs::write(&samples_file, serde_json::to_vec(samples).unwrap()).unwrap();
    let out = Command::new(python())
        .arg(script())
        .arg(&doc_file)
        .arg(&samples_file)
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), said)
}

/// `path` with its parameters filled, or `None` when the sandbox has no
/// value for one (a run id, a fingerprint).
fn filled(path: &str, cluster: &str, namespace: &str) -> Option<String> {
    let mut out = String::new();
    for segment in path.split('/').skip(1) {
        out.push('/');
        match segment {
            "{name}" if path.starts_with("/api/clusters/") => out.push_str(cluster),
            "{namespace}" => out.push_str(namespace),
            s if s.starts_with('{') => return None,
            s => out.push_str(s),
        }
    }
    Some(out)
}

async fn sample(console: &TestConsole, session: &Session, template: &str, path: &str) -> Value {
    let response = console.get_as(path, Some(session)).await;
    let status = response.status().as_u16();
    let bytes = body_bytes(response).await;
    let body: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "GET {path} answered {status} with no JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    json!({"method": "GET", "path": template, "status": status, "body": body})
}

#[tokio::test]
async fn real_responses_match_their_documented_schemas() {
    let console = TestConsole::with_sandbox().await;
    let officer = console
        .signed_in("conform-officer", Role::SecurityOfficer, true)
        .await;
    let operator = console
        .signed_in("conform-operator", Role::Operator, false)
        .await;
    let fleet = fleet_when(&console, &officer, "every member synced", |f| {
        f.clusters.iter().all(|c| c.reachability.is_reachable())
    })
    .await;
    let eu = fleet.cluster("gke-eu").unwrap();
    let namespace = eu.namespaces.first().unwrap().name.clone();

    let doc = body_json(console.get_as("/api/openapi.json", None).await).await;
    let mut samples = Vec::new();
    for endpoint in endpoints() {
        let op = &doc["paths"][endpoint.path]["get"];
        if endpoint.method != Method::GET
            || op["responses"]["200"]["content"]["application/json"].is_null()
        {
            continue;
        }
        let Some(path) = filled(endpoint.path, "gke-eu", &namespace) else {
            continue;
        };
        // The officer is an admin too: every read is open to it.
        samples.push(sample(&console, &officer, endpoint.path, &path).await);
    }
    let ok = samples.iter().filter(|s| s["status"] == 200).count();
    assert!(
        ok >= 25,
        "only {ok} GET endpoints answered 200: {samples:#?}"
    );

    // Refusals: a role that may not act, an unknown cluster, a bad body.
    let manager = console
        .signed_in("conform-manager", Role::Manager, false)
        .await;
    let plan = json!({"cluster": "gke-eu"});
    let refused = console
        .send(json_request(
            Method::POST,
            "/api/mesh/plans",
            &plan,
            Some(&manager),
        ))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    samples.push(json!({"method": "POST", "path": "/api/mesh/plans", "status": 403, "body": body_json(refused).await}));
    let unknown = console
        .get_as("/api/clusters/no-such", Some(&operator))
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    samples.push(json!({"method": "GET", "path": "/api/clusters/{name}", "status": 404, "body": body_json(unknown).await}));
    let bad = console
        .send(
            Request::post("/api/mesh/plans")
                .header("cookie", format!("meshdeck_session={}", operator.cookie))
                .header("x-csrf-token", &operator.csrf)
                .header("content-type", "application/json")
                .body(Body::from("{\"cluster\": 7}"))
                .unwrap(),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    samples.push(json!({"method": "POST", "path": "/api/mesh/plans", "status": 400, "body": body_json(bad).await}));

    let (passed, said) = check(&doc, &samples);
    assert!(passed, "responses differ from the document:\n{said}");
    assert!(
        said.contains(&format!("checked {} responses, 0 failed", samples.len())),
        "{said}"
    );

    // The checker can fail: a fleet whose clusters are a string does not
    // match `Fleet`.
    let wrong = [
        json!({"method": "GET", "path": "/api/fleet", "status": 200, "body": {"clusters": "none"}}),
    ];
    let (passed, said) = check(&doc, &wrong);
    assert!(
        !passed && said.contains("MISMATCH GET /api/fleet"),
        "{said}"
    );
}
