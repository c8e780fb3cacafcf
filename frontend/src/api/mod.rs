//! Typed client of the backend's API, one file per resource. Every call
//! returns `shared::ApiError` on failure, whatever went wrong.

pub mod accounts;
pub mod audit;
pub mod csr;
pub mod fleet;
pub mod follow;
pub mod grants;
pub mod hsm;
pub mod ingress;
pub mod mesh;
pub mod meta;
pub mod migration;
pub mod roots;
pub mod session;
pub mod workloads;

use std::cell::RefCell;

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::routes::CSRF_HEADER;
use shared::{ApiError, ErrorCode};

thread_local! {
    /// The signed-in session's CSRF token, echoed on every mutation.
    static CSRF_TOKEN: RefCell<String> = const { RefCell::new(String::new()) };
    /// Called when the backend says nobody is signed in (expired session).
    static ON_SIGNED_OUT: RefCell<Option<Box<dyn Fn()>>> = const { RefCell::new(None) };
}

/// Remembers the CSRF token of the current session.
pub fn set_csrf_token(token: &str) {
    CSRF_TOKEN.with(|t| *t.borrow_mut() = token.to_owned());
}

/// Registers what to do when a request finds the session gone.
pub fn on_signed_out(hook: impl Fn() + 'static) {
    ON_SIGNED_OUT.with(|h| *h.borrow_mut() = Some(Box::new(hook)));
}

fn network_error(err: gloo_net::Error) -> ApiError {
    ApiError::new(
        ErrorCode::Network,
        format!("the console backend did not answer: {err}"),
    )
}

/// The `ApiError` of a failed response; a 401 also signs the console out.
async fn error_of(path: &str, response: Response) -> ApiError {
    let status = response.status();
    let error = response.json::<ApiError>().await.unwrap_or_else(|_| {
        ApiError::new(
            ErrorCode::Internal,
            format!("{path} answered HTTP {status} without an error body"),
        )
    });
    if error.code == ErrorCode::Unauthorized {
        ON_SIGNED_OUT.with(|h| {
            if let Some(hook) = h.borrow().as_ref() {
                hook();
            }
        });
    }
    error
}

async fn decode<T: DeserializeOwned>(path: &str, response: Response) -> Result<T, ApiError> {
    if !response.ok() {
        return Err(error_of(path, response).await);
    }
    response.json::<T>().await.map_err(|err| {
        ApiError::new(
            ErrorCode::Internal,
            format!("unexpected answer from {path}: {err}"),
        )
    })
}

/// `GET path` and decode the JSON answer.
pub async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let response = Request::get(path)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(network_error)?;
    decode(path, response).await
}

fn mutation(builder: RequestBuilder) -> RequestBuilder {
    let token = CSRF_TOKEN.with(|t| t.borrow().clone());
    builder
        .header("accept", "application/json")
        .header(CSRF_HEADER, &token)
}

/// `POST path` with a JSON body, decoding the JSON answer.
pub async fn post_json<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    send_json(Request::post(path), path, body).await
}

/// `PUT path` with a JSON body, decoding the JSON answer.
pub async fn put_json<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    send_json(Request::put(path), path, body).await
}

/// `PATCH path` with a JSON body, decoding the JSON answer.
pub async fn patch_json<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    send_json(Request::patch(path), path, body).await
}

async fn send_json<B: Serialize, T: DeserializeOwned>(
    builder: RequestBuilder,
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    let request = mutation(builder).json(body).map_err(|err| {
        ApiError::new(
            ErrorCode::BadRequest,
            format!("cannot encode the request: {err}"),
        )
    })?;
    let response = request.send().await.map_err(network_error)?;
    decode(path, response).await
}

/// `DELETE path`, expecting no body back.
pub async fn delete(path: &str) -> Result<(), ApiError> {
    let response = mutation(Request::delete(path))
        .send()
        .await
        .map_err(network_error)?;
    if response.ok() {
        Ok(())
    } else {
        Err(error_of(path, response).await)
    }
}

/// `DELETE path`: `None` for a bare 204, the decoded body otherwise.
pub async fn delete_json<T: DeserializeOwned>(path: &str) -> Result<Option<T>, ApiError> {
    let response = mutation(Request::delete(path))
        .send()
        .await
        .map_err(network_error)?;
    if response.status() == 204 {
        return Ok(None);
    }
    decode(path, response).await.map(Some)
}

/// Percent-encodes a query value: everything but unreserved characters and
/// `:` (an IPv6 address), so whatever an operator typed reaches the backend
/// intact (and is refused there).
fn query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
