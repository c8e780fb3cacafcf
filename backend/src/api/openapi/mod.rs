//! The OpenAPI 3.1 document of `/api`, generated from the endpoint table:
//! each row's method, path and rule, and what its handler's types say it
//! reads and answers ([`describe`]). Schemas are the shared DTO types'
//! JSON Schemas (2020-12, the dialect OpenAPI 3.1 uses). Served at
//! `/api/openapi.json`; the copy checked in at `docs/openapi.json` must
//! equal it (a test compares them). The endpoint table hands its rows in
//! as [`Operation`]s and serves the result.

pub mod describe;
pub mod respond;
pub mod shape;

use axum::http::Method;
use serde_json::{Map, Value, json};
use shared::Access;
use shared::routes::{API_PREFIX, CSRF_HEADER, SESSION_COOKIE};

use self::shape::{Contract, Io, rename_refs};

/// One row of the endpoint table as the document needs it.
pub struct Operation<'a> {
    pub method: &'a Method,
    pub path: &'static str,
    pub access: Access,
    pub action: &'static str,
    /// What the handler reads and answers.
    pub describe: &'a dyn Fn(&mut Contract) -> Io,
}

/// The document for these operations.
pub fn document<'a>(endpoints: impl IntoIterator<Item = Operation<'a>>) -> Value {
    let mut contract = Contract::default();
    let error = contract.response::<shared::ApiError>().to_value();
    let operations: Vec<(Operation, Io)> = endpoints
        .into_iter()
        .map(|endpoint| {
            let io = (endpoint.describe)(&mut contract);
            (endpoint, io)
        })
        .collect();
    let (schemas, renamed) = contract.into_schemas();
    let mut paths = Map::new();
    for (endpoint, io) in operations {
        let mut operation = operation(&endpoint, io);
        if let Some(body) = operation.get_mut("requestBody") {
            rename_refs(body, &renamed);
        }
        let entry = paths
            .entry(endpoint.path.to_owned())
            .or_insert_with(|| json!({}));
        entry[endpoint.method.as_str().to_ascii_lowercase()] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "meshdeck",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The console's HTTP API. Every endpoint says who may call it \
                (`x-meshdeck-access`); a refusal is an `ApiError` body. Mutations need the \
                session cookie and the session's CSRF token in a header.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {
                "Refused": {
                    "description": "Refused or failed: what went wrong, for the person who acted.",
                    "content": {"application/json": {"schema": error}},
                },
            },
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": SESSION_COOKIE,
                    "description": "The HttpOnly session cookie set by signing in.",
                },
                "csrf": {
                    "type": "apiKey",
                    "in": "header",
                    "name": CSRF_HEADER,
                    "description": "The session's CSRF token (`SessionInfo.csrf_token`); every \
                        mutation of a signed-in session carries it.",
                },
            },
        },
    })
}

fn operation(endpoint: &Operation, io: Io) -> Value {
    let mutating = !matches!(endpoint.method.as_str(), "GET" | "HEAD");
    let mut parameters: Vec<Value> = path_params(endpoint.path);
    if let Some(query) = &io.query {
        parameters.extend(query_params(query.as_value()));
    }
    let mut responses = Map::new();
    for success in io.successes {
        let mut response = json!({"description": status_text(success.status)});
        if !success.bodies.is_empty() {
            let content: Map<String, Value> = success
                .bodies
                .into_iter()
                .map(|b| (b.media.to_owned(), json!({"schema": b.schema})))
                .collect();
            response["content"] = Value::Object(content);
        }
        responses.insert(success.status.to_string(), response);
    }
    if io.refusals || endpoint.access != Access::Public {
        let refused = json!({"$ref": "#/components/responses/Refused"});
        responses.insert("4XX".into(), refused.clone());
        responses.insert("5XX".into(), refused);
    }
    let security = match endpoint.access {
        Access::Public => json!([]),
        _ if mutating => json!([{"session": [], "csrf": []}]),
        _ => json!([{"session": []}]),
    };
    let mut operation = json!({
        "operationId": endpoint.action,
        "tags": [endpoint.action.split('.').next().unwrap_or(endpoint.action)],
        "summary": endpoint.action,
        "description": format!("Who may call it: {}.", who(endpoint.access)),
        "x-meshdeck-access": access(endpoint.access),
        "security": security,
        "responses": responses,
    });
    if !parameters.is_empty() {
        operation["parameters"] = Value::Array(parameters);
    }
    if let Some(request) = io.request {
        operation["requestBody"] = json!({
            "required": true,
            "content": {"application/json": {"schema": request.to_value()}},
        });
    }
    operation
}

/// The rule as data, for tools.
fn access(access: Access) -> Value {
    match access {
        Access::Public => json!({"kind": "public"}),
        Access::SignedIn => json!({"kind": "signed_in"}),
        Access::Admin => json!({"kind": "admin"}),
        Access::Act(action) => json!({
            "kind": "action",
            "action": action,
            "roles": action.roles(),
        }),
    }
}

/// The rule in words.
fn who(access: Access) -> String {
    match access {
        Access::Public => "anyone, signed in or not".into(),
        Access::SignedIn => "any signed-in account".into(),
        Access::Admin => "accounts with the admin capability".into(),
        Access::Act(action) => {
            let roles: Vec<&str> = action.roles().iter().map(|r| r.slug()).collect();
            format!("{} ({})", roles.join(", "), action.title())
        }
    }
}

/// The `{param}`s of a path template, each a required string.
fn path_params(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            json!({
                "name": name,
                "in": "path",
                "required": true,
                "description": param_text(path, name),
                "schema": {"type": "string"},
            })
        })
        .collect()
}

fn param_text(path: &str, name: &str) -> &'static str {
    let under = |prefix: &str| path.starts_with(&format!("{API_PREFIX}/{prefix}/"));
    match name {
        "name" if under("clusters") => "A member cluster of the fleet.",
        "cluster" => "A member cluster of the fleet.",
        "namespace" => "A Kubernetes namespace (a DNS-1123 label).",
        "fingerprint" => "A certificate's SHA-256 fingerprint.",
        "id" => "An id the console gave it.",
        "name" if under("accounts") || under("officer-appointments") => "An account name.",
        "name" if under("csrs") => "The CertificateSigningRequest's name.",
        _ => "The object's name.",
    }
}

/// Each property of a query string's object schema as a parameter.
fn query_params(schema: &Value) -> Vec<Value> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    schema["properties"]
        .as_object()
        .map(|properties| {
            properties
                .iter()
                .map(|(name, property)| {
                    json!({
                        "name": name,
                        "in": "query",
                        "required": required.contains(&name.as_str()),
                        "schema": property,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn status_text(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted: the run started; follow its progress",
        204 => "No Content",
        _ => "Success",
    }
}
