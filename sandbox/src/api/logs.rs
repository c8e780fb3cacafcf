//! `GET pods/<name>/log`: what the simulated containers wrote.

use std::collections::HashMap;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::cluster::Cluster;
use crate::status::ApiStatus;

pub fn serve(
    c: &Cluster,
    namespace: &str,
    pod: &str,
    query: &HashMap<String, String>,
) -> Result<Response, ApiStatus> {
    let object = c
        .store
        .get("pods", namespace, pod)
        .ok_or_else(|| ApiStatus::not_found("pods", "", pod))?;
    let containers: Vec<&str> = object["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    let container = match query.get("container") {
        Some(name) if containers.contains(&name.as_str()) => name.clone(),
        Some(name) => {
            return Err(ApiStatus::bad_request(format!(
                "container {name} is not valid for pod {pod}"
            )));
        }
        None if containers.len() == 1 => containers[0].to_owned(),
        None => {
            return Err(ApiStatus::bad_request(format!(
                "a container name must be specified for pod {pod}, choose one of: [{}]",
                containers.join(" ")
            )));
        }
    };
    let mut text = c.log(namespace, pod, &container);
    if let Some(tail) = query.get("tailLines").and_then(|t| t.parse::<usize>().ok()) {
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.len().saturating_sub(tail);
        text = lines[start..].iter().map(|l| format!("{l}\n")).collect();
    }
    let mut response = text.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    Ok(response)
}
