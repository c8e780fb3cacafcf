//! The Kubernetes REST API of one cluster: bearer-token authentication,
//! routing of `/api` and `/apis` paths to the verbs, and the media types
//! clients send and ask for.

mod access;
pub mod access_review;
pub mod body;
pub mod canonical;
pub mod discovery;
mod list;
mod logs;
pub mod openapi;
mod options;
pub mod path;
pub mod protobuf;
pub mod table;
pub mod token_request;
pub mod token_review;
mod watch;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::{Value, json};

use crate::cluster::Cluster;
use crate::ops;
use crate::resources::ResourceType;
use crate::status::{ApiStatus, success_status};
use options::{delete_options, write_options};
use path::{ResourcePath, Target};

pub(crate) type Query_ = HashMap<String, String>;

/// The API of `cluster`, as served at the root of its base URL: every
/// request is routed, authenticated and authorised by its canonical path.
pub fn router(cluster: Arc<Cluster>) -> Router {
    // The canonical rewrite wraps a router of its own so that it runs
    // before routing (a layer on the routes runs after).
    Router::new()
        .fallback_service(routes(cluster))
        .layer(middleware::from_fn(canonical::rewrite))
}

fn routes(cluster: Arc<Cluster>) -> Router {
    Router::new()
        .route("/version", get(version))
        .route("/healthz", get(healthy))
        .route("/livez", get(healthy))
        .route("/readyz", get(healthy))
        .route("/api", get(core_root))
        .route("/apis", get(groups_root))
        .route(token_review::PATH, any(token_review::serve))
        .route(access_review::PATH, any(access_review::serve))
        .route("/api/{*rest}", any(resource_request))
        .route("/apis/{*rest}", any(resource_request))
        .route("/openapi/v3", get(openapi_index))
        .route("/openapi/v3/{*rest}", get(openapi_document))
        .fallback(no_route)
        .layer(middleware::from_fn_with_state(
            cluster.clone(),
            access::authenticate,
        ))
        .with_state(cluster)
}

pub(crate) fn json_response(code: StatusCode, value: &Value) -> Response {
    json_text(code, value.to_string())
}

/// A response whose body is already JSON text.
pub(crate) fn json_text(code: StatusCode, text: String) -> Response {
    let mut response = (code, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn ok(value: &Value) -> Response {
    json_response(StatusCode::OK, value)
}

async fn healthy() -> &'static str {
    "ok"
}

async fn version() -> Response {
    ok(&discovery::version())
}

fn accept(headers: &HeaderMap) -> &str {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn aggregated(value: &Value) -> Response {
    let mut response = ok(value);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(discovery::AGGREGATED_CONTENT_TYPE),
    );
    response
}

async fn core_root(State(c): State<Arc<Cluster>>, headers: HeaderMap) -> Response {
    if discovery::wants_aggregated(accept(&headers)) {
        return aggregated(&discovery::aggregated(&c.registry(), true));
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    ok(&discovery::api_versions(host))
}

async fn groups_root(State(c): State<Arc<Cluster>>, headers: HeaderMap) -> Response {
    if discovery::wants_aggregated(accept(&headers)) {
        return aggregated(&discovery::aggregated(&c.registry(), false));
    }
    ok(&discovery::group_list(&c.registry()))
}

async fn openapi_index(State(c): State<Arc<Cluster>>) -> Response {
    ok(&openapi::index(&c.registry()))
}

async fn openapi_document(
    State(c): State<Arc<Cluster>>,
    Path(rest): Path<String>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    match openapi::document(&c.registry(), &rest) {
        Some(doc) => ok(&doc),
        None => ApiStatus::no_route(uri.path()).into_response(),
    }
}

async fn no_route(OriginalUri(uri): OriginalUri) -> Response {
    ApiStatus::no_route(uri.path()).into_response()
}

/// One request to a resource path, as the handlers receive it.
struct Call {
    cluster: Arc<Cluster>,
    caller: access::Caller,
    method: Method,
    headers: HeaderMap,
    query: Query_,
    body: Body,
    uri_path: String,
}

/// Any request under `/api/…` (the core group) or `/apis/…`.
#[expect(
    clippy::too_many_arguments,
    reason = "one axum extractor per part of the request"
)]
async fn resource_request(
    State(cluster): State<Arc<Cluster>>,
    Path(rest): Path<String>,
    OriginalUri(uri): OriginalUri,
    Extension(caller): Extension<access::Caller>,
    method: Method,
    headers: HeaderMap,
    Query(query): Query<Query_>,
    body: Body,
) -> Response {
    let core = uri.path().starts_with("/api/");
    let call = Call {
        cluster,
        caller,
        method,
        headers,
        query,
        body,
        uri_path: uri.path().to_owned(),
    };
    serve(call, path::parse(core, &rest)).await
}

async fn serve(call: Call, target: Option<Target>) -> Response {
    let registry = call.cluster.registry();
    let found = match target {
        Some(Target::Group(group)) if call.method == Method::GET => {
            discovery::group(&registry, &group)
        }
        Some(Target::GroupVersion { group, version }) if call.method == Method::GET => {
            discovery::resource_list(&registry, &group, &version)
        }
        Some(Target::Resource(path)) => {
            return resource(call, path)
                .await
                .unwrap_or_else(IntoResponse::into_response);
        }
        _ => None,
    };
    match found {
        Some(doc) => ok(&doc),
        None => ApiStatus::no_route(&call.uri_path).into_response(),
    }
}

async fn resource(call: Call, path: ResourcePath) -> Result<Response, ApiStatus> {
    let c = call.cluster.clone();
    let no_route = || ApiStatus::no_route(&call.uri_path);
    let rt = c
        .find(&path.group, &path.version, &path.plural)
        .ok_or_else(no_route)?;
    if let Some(sub) = &path.subresource
        && !rt.has_subresource(sub)
    {
        return Err(no_route());
    }
    if !rt.namespaced && path.namespace.is_some() {
        return Err(no_route());
    }
    // Creating one is served by its own route; nothing else is allowed.
    if rt.create_only {
        return Err(ApiStatus::method_not_supported());
    }
    if rt.namespaced && path.namespace.is_none() && path.name.is_some() {
        return Err(no_route());
    }
    let ns = path.namespace.clone().unwrap_or_default();
    let sub = path.subresource.as_deref();
    let accept = accept(&call.headers).to_owned();
    match (call.method.clone(), path.name.as_deref()) {
        (Method::GET, None) if is_true(&call.query, "watch") => {
            watch::serve(c.clone(), rt, path.namespace.clone(), &call.query, &accept)
        }
        (Method::GET, None) => {
            list::serve(&c, &rt, path.namespace.as_deref(), &call.query, &accept)
        }
        (Method::GET, Some(name)) if sub == Some("log") => logs::serve(&c, &ns, name, &call.query),
        (Method::GET, Some(name)) => {
            let object = ops::get(&c, &rt, &ns, name, sub)?;
            if table::wants_table(&accept) && sub.is_none() {
                return Ok(ok(&table::single_row(
                    &rt.kind,
                    &object,
                    include_object(&call.query),
                )));
            }
            Ok(ok(&object))
        }
        (Method::POST, Some(name)) if sub == Some("token") => {
            let request = body::decode(content_type(&call.headers), &read_body(call.body).await?)?;
            token_request::create(&c, &ns, name, &request)
        }
        (Method::POST, None) if rt.namespaced && path.namespace.is_none() => Err(
            ApiStatus::method_not_allowed("create needs a namespace in the path"),
        ),
        (Method::POST, None) => {
            let opts = write_options(&call);
            let object = body::decode(content_type(&call.headers), &read_body(call.body).await?)?;
            let created = ops::create(&c, &rt, &ns, object, &opts).await?;
            Ok(json_response(StatusCode::CREATED, &created))
        }
        (Method::PUT, Some(name)) => {
            let opts = write_options(&call);
            let object = body::decode(content_type(&call.headers), &read_body(call.body).await?)?;
            check_name(&object, name)?;
            let updated = ops::update(&c, &rt, &ns, name, object, sub, &opts).await?;
            Ok(ok(&as_subresource(updated, sub)))
        }
        (Method::PATCH, Some(name)) => {
            let opts = write_options(&call);
            let (kind, patch) =
                body::decode_patch(content_type(&call.headers), &read_body(call.body).await?)?;
            let existed = c
                .store
                .get(&rt.key(), if rt.namespaced { &ns } else { "" }, name)
                .is_some();
            if !existed && kind == ops::PatchType::Apply {
                access::may_create(&c, &call.caller, &path, name)?;
            }
            let patched = ops::patch(&c, &rt, &ns, name, kind, patch, sub, &opts).await?;
            let code = if existed {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            Ok(json_response(code, &as_subresource(patched, sub)))
        }
        (Method::DELETE, Some(name)) => {
            let opts = delete_options(&call.query, &read_body(call.body).await?)?;
            let deleted = ops::delete(&c, &rt, &ns, name, &opts).await?;
            Ok(deleted_response(&rt, deleted))
        }
        (Method::DELETE, None) => {
            let opts = delete_options(&call.query, &read_body(call.body).await?)?;
            let (items, _) = list::select(&c, &rt, path.namespace.as_deref(), &call.query)?;
            let items: Vec<Value> = items.iter().map(|i| (**i).clone()).collect();
            let deleted = ops::delete_collection(&c, &rt, items, &opts).await;
            Ok(ok(&json!({
                "kind": format!("{}List", rt.kind), "apiVersion": rt.api_version(),
                "metadata": {"resourceVersion": c.store.current_rv().to_string()},
                "items": deleted,
            })))
        }
        _ => Err(ApiStatus::method_not_allowed(format!(
            "{} is not supported on {}",
            call.method, call.uri_path
        ))),
    }
}

/// An object gone at once answers 200 with it; one kept by finalizers
/// answers 202 with its deletionTimestamp set; nothing left to show
/// answers a success Status.
fn deleted_response(rt: &ResourceType, deleted: Value) -> Response {
    let pending = !deleted["metadata"]["deletionTimestamp"].is_null()
        && deleted["metadata"]["finalizers"]
            .as_array()
            .is_some_and(|f| !f.is_empty());
    if pending {
        return json_response(StatusCode::ACCEPTED, &deleted);
    }
    if deleted.is_null() {
        return ok(&success_status(json!({"kind": rt.plural})));
    }
    ok(&deleted)
}

/// A write to `/scale` answers with the Scale, not the whole object.
fn as_subresource(object: Value, sub: Option<&str>) -> Value {
    match sub {
        Some("scale") => ops::scale_of(&object),
        _ => object,
    }
}

pub(crate) fn is_true(query: &Query_, key: &str) -> bool {
    matches!(query.get(key).map(String::as_str), Some("true" | "1"))
}

pub(crate) fn include_object(query: &Query_) -> &str {
    query
        .get("includeObject")
        .map(String::as_str)
        .unwrap_or("Metadata")
}

fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

async fn read_body(body: Body) -> Result<Vec<u8>, ApiStatus> {
    axum::body::to_bytes(body, body::MAX_BODY)
        .await
        .map(|b| b.to_vec())
        .map_err(|_| {
            ApiStatus::too_large(format!(
                "the request body is larger than {} bytes",
                body::MAX_BODY
            ))
        })
}

fn check_name(object: &Value, name: &str) -> Result<(), ApiStatus> {
    match object["metadata"]["name"].as_str() {
        Some(sent) if sent != name => Err(ApiStatus::bad_request(format!(
            "the name of the object ({sent}) does not match the name on the URL ({name})"
        ))),
        _ => Ok(()),
    }
}
