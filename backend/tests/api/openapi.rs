//! The OpenAPI document: served, equal to the copy checked in at
//! `docs/openapi.json` (so an API change without updating it fails here),
//! complete over the endpoint table, and accepted by a real validator
//! (PyPI `openapi-spec-validator`, installed by `cargo xtask test`).
//!
//! After an intended API change: `MESHDECK_BLESS_OPENAPI=1 cargo test -p
//! meshdeck-backend --test api openapi` rewrites the checked-in copy.

use std::path::PathBuf;
use std::process::Command;

use axum::http::StatusCode;
use backend::api::endpoints::endpoints;
use serde_json::{Value, json};
use shared::Access;

use crate::support::{body_json, get};

fn checked_in() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json")
}

async fn served() -> Value {
    let response = get("/api/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    body_json(response).await
}

#[tokio::test]
async fn the_served_document_is_the_checked_in_one() {
    let served = served().await;
    let path = checked_in();
    if std::env::var_os("MESHDECK_BLESS_OPENAPI").is_some() {
        let text = serde_json::to_string_pretty(&served).unwrap() + "\n";
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let kept: Value = serde_json::from_str(&text).unwrap();
    assert!(
        kept == served,
        "docs/openapi.json differs from what /api/openapi.json serves: the API changed. \
         Review the change, then run `MESHDECK_BLESS_OPENAPI=1 cargo test -p meshdeck-backend \
         --test api openapi` to update it"
    );
}

#[tokio::test]
async fn every_endpoint_is_there_with_its_rule_and_error_body() {
    let doc = served().await;
    let mut operations = 0;
    for endpoint in endpoints() {
        let method = endpoint.method.as_str().to_ascii_lowercase();
        let op = &doc["paths"][endpoint.path][&method];
        assert!(
            op.is_object(),
            "{method} {} is not in the document",
            endpoint.path
        );
        operations += 1;
        assert_eq!(op["operationId"], endpoint.action);
        let access = &op["x-meshdeck-access"];
        match endpoint.access {
            Access::Public => {
                assert_eq!(access["kind"], "public");
                assert_eq!(op["security"], json!([]));
            }
            Access::SignedIn => assert_eq!(access["kind"], "signed_in"),
            Access::Admin => assert_eq!(access["kind"], "admin"),
            Access::Act(action) => {
                assert_eq!(access["action"], serde_json::to_value(action).unwrap());
                assert_eq!(
                    access["roles"],
                    serde_json::to_value(action.roles()).unwrap()
                );
            }
        }
        if endpoint.access != Access::Public {
            assert_eq!(
                op["responses"]["4XX"]["$ref"], "#/components/responses/Refused",
                "{method} {}",
                endpoint.path
            );
        }
        let successes = op["responses"]
            .as_object()
            .unwrap()
            .keys()
            // A browser navigation's success is a redirect.
            .filter(|k| k.starts_with('2') || k.starts_with('3'))
            .count();
        assert!(
            successes > 0,
            "{method} {} has no success response",
            endpoint.path
        );
        let params: Vec<&str> = op["parameters"]
            .as_array()
            .map(|p| {
                p.iter()
                    .filter(|p| p["in"] == "path")
                    .map(|p| p["name"].as_str().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        let wanted = endpoint.path.matches('{').count();
        assert_eq!(
            params.len(),
            wanted,
            "{method} {} path parameters",
            endpoint.path
        );
    }
    let counted: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(
        counted, operations,
        "the document has operations the table has not"
    );
    let refused = &doc["components"]["responses"]["Refused"]["content"]["application/json"];
    assert_eq!(refused["schema"]["$ref"], "#/components/schemas/ApiError");
    let error = &doc["components"]["schemas"]["ApiError"];
    for field in ["code", "message"] {
        assert!(
            error["required"]
                .as_array()
                .unwrap()
                .contains(&json!(field))
        );
    }
}

/// The types come from the handlers' signatures: a few endpoints checked
/// by what they are known to take and answer.
#[tokio::test]
async fn request_and_response_types_are_the_handlers() {
    let doc = served().await;
    let op = |method: &str, path: &str| doc["paths"][path][method].clone();
    let schema_ref = |v: &Value| v["$ref"].as_str().unwrap_or_default().to_owned();

    let install = op("post", "/api/mesh/installs");
    let body = &install["requestBody"]["content"]["application/json"]["schema"];
    assert!(schema_ref(body).starts_with("#/components/schemas/InstallRequest"));
    let started = &install["responses"]["202"]["content"]["application/json"]["schema"];
    assert_eq!(schema_ref(started), "#/components/schemas/InstallProgress");

    let create = op("post", "/api/accounts");
    assert!(create["responses"]["201"].is_object());
    let delete = op("delete", "/api/accounts/{name}");
    assert!(delete["responses"]["204"].is_object());
    assert!(delete["responses"]["204"].get("content").is_none());

    let pem = op("get", "/api/csrs/{cluster}/{name}");
    assert!(pem["responses"]["200"]["content"]["application/pkcs10"].is_object());
    let gateway = op("get", "/api/clusters/{name}/ingress-gateway");
    let formats = gateway["responses"]["200"]["content"].as_object().unwrap();
    assert!(formats.contains_key("application/json") && formats.contains_key("text/plain"));
    let names: Vec<&str> = gateway["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "query")
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["format", "vip"]);
    let events = op("get", "/api/events");
    assert!(events["responses"]["200"]["content"]["text/event-stream"].is_object());

    // A schema named by a reference exists, and the account a sign-in
    // answers names its role as the enum of roles.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let text = doc.to_string();
    for (at, _) in text.match_indices("\"#/components/schemas/") {
        let rest = &text[at + 22..];
        let name = &rest[..rest.find('"').unwrap()];
        assert!(schemas.contains_key(name), "dangling reference to {name}");
    }
    let role = &schemas["Role"];
    let roles: Vec<&str> = role["oneOf"]
        .as_array()
        .map(|v| v.iter().filter_map(|r| r["const"].as_str()).collect())
        .or_else(|| {
            role["enum"]
                .as_array()
                .map(|v| v.iter().filter_map(Value::as_str).collect())
        })
        .unwrap();
    assert_eq!(roles, ["manager", "operator", "security_officer"]);
}

/// The validator `cargo xtask test` installs (`MESHDECK_OPENAPI_VALIDATOR`,
/// else where xtask puts it).
pub(crate) fn validator() -> PathBuf {
    let installed = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/tools/openapi-venv/bin/openapi-spec-validator");
    let bin = std::env::var_os("MESHDECK_OPENAPI_VALIDATOR").map_or(installed, PathBuf::from);
    assert!(
        bin.exists(),
        "no openapi-spec-validator at {}: run `cargo xtask test` once, or set \
         MESHDECK_OPENAPI_VALIDATOR",
        bin.display()
    );
    bin
}

#[tokio::test]
async fn a_real_validator_accepts_the_document() {
    let doc = served().await;
    let file = crate::support::temp_dir("openapi").join("openapi.json");
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    let out = Command::new(validator()).arg(&file).output().unwrap();
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "openapi-spec-validator refused the document:\n{said}"
    );
    assert!(said.contains("OK"), "{said}");

    // And it is a validator that can refuse: a broken copy fails.
    let mut broken = doc.clone();
    broken["paths"]["/api/health"]["get"]["responses"] = json!("none");
    std::fs::write(&file, serde_json::to_vec(&broken).unwrap()).unwrap();
    let out = Command::new(validator()).arg(&file).output().unwrap();
    assert!(
        !out.status.success(),
        "the validator accepted a broken document"
    );
}
