//! A client of the fleet API (GKE Hub's `features/multiclusteringress`,
//! base URL from fleet.yaml's `hub.endpoint`): which member is the config
//! cluster, and changing it. Plain HTTP through the kube crate's client,
//! which the console already carries, so no second HTTP stack.

use http::{Method, Request, header};
use kube::client::Body;
use serde_json::{Value, json};

/// The fleet API of one fleet project.
#[derive(Clone)]
pub struct FleetApi {
    client: kube::Client,
    feature: String,
    project: String,
}

/// Why the fleet API did not answer as expected.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FleetApiError {
    #[error("the fleet API at {0} is not usable: {1}")]
    Setup(String, String),
    #[error("the fleet API did not answer: {0}")]
    Unreachable(String),
    /// A Google API error (`{"error": {"code", "message"}}`).
    #[error("the fleet API refused ({status}): {message}")]
    Refused { status: u16, message: String },
}

impl FleetApi {
    /// The API at `endpoint` (`http://host:port`) for fleet project
    /// `project`.
    pub fn new(endpoint: &str, project: &str) -> Result<Self, FleetApiError> {
        let setup = |e: String| FleetApiError::Setup(endpoint.to_owned(), e);
        let uri = endpoint
            .parse()
            .map_err(|e: http::uri::InvalidUri| setup(e.to_string()))?;
        let client =
            kube::Client::try_from(kube::Config::new(uri)).map_err(|e| setup(e.to_string()))?;
        Ok(Self {
            client,
            feature: format!(
                "/v1/projects/{project}/locations/global/features/multiclusteringress"
            ),
            project: project.to_owned(),
        })
    }

    /// The member named by the feature's `configMembership`, if any.
    pub async fn config_cluster(&self) -> Result<Option<String>, FleetApiError> {
        let feature = self.send(Method::GET, Vec::new()).await?;
        Ok(membership_member(&feature))
    }

    /// Makes `member` the config cluster.
    pub async fn set_config_cluster(&self, member: &str) -> Result<(), FleetApiError> {
        let membership = format!(
            "projects/{}/locations/global/memberships/{member}",
            self.project
        );
        let body = json!({"spec": {"multiclusteringress": {"configMembership": membership}}});
        let operation = self
            .send(Method::PATCH, body.to_string().into_bytes())
            .await?;
        let now = operation.pointer("/response").and_then(membership_member);
        if now.as_deref() == Some(member) {
            Ok(())
        } else {
            Err(FleetApiError::Refused {
                status: 200,
                message: format!(
                    "the operation did not make {member} the config cluster: {operation}"
                ),
            })
        }
    }

    async fn send(&self, method: Method, body: Vec<u8>) -> Result<Value, FleetApiError> {
        use http_body_util::BodyExt;
        let request = Request::builder()
            .method(method)
            .uri(self.feature.as_str())
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .map_err(|e| FleetApiError::Unreachable(e.to_string()))?;
        let response = self
            .client
            .send(request)
            .await
            .map_err(|e| FleetApiError::Unreachable(e.to_string()))?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| FleetApiError::Unreachable(e.to_string()))?
            .to_bytes();
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(value);
        }
        let message = value
            .pointer("/error/message")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| String::from_utf8_lossy(&bytes).trim().to_owned());
        Err(FleetApiError::Refused {
            status: status.as_u16(),
            message,
        })
    }
}

/// The member of `spec.multiclusteringress.configMembership`
/// (`projects/P/locations/global/memberships/MEMBER`).
fn membership_member(feature: &Value) -> Option<String> {
    feature
        .pointer("/spec/multiclusteringress/configMembership")
        .and_then(Value::as_str)
        .and_then(|m| m.rsplit_once("/memberships/"))
        .map(|(_, member)| member.to_owned())
        .filter(|m| !m.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_member_of_the_config_membership() {
        let feature = json!({"spec": {"multiclusteringress": {
            "configMembership": "projects/p/locations/global/memberships/gke-us"}}});
        assert_eq!(membership_member(&feature).as_deref(), Some("gke-us"));
        assert_eq!(
            membership_member(&json!({"spec": {"multiclusteringress": {}}})),
            None
        );
    }
}
