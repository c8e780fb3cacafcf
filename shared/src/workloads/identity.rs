//! AWS workload identity for a migrated workload (seed 002): every
//! container gets `AWS_ROLE_ARN` and `AWS_WEB_IDENTITY_TOKEN_FILE`, and the
//! pod security context an `fsGroup` so non-root services can read the
//! projected token. Values are checked before they reach a manifest.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::spec::DeploymentSpec;

/// Where the seed's migrated containers find the token.
pub const DEFAULT_TOKEN_FILE: &str =
    "/kubernetes-info/secrets/eks.amazonaws.com/serviceaccount/token";

/// The operator's choices, as the console's form sends them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AwsIdentity {
    pub role_arn: String,
    pub token_file: String,
    pub fs_group: i64,
}

/// Why a workload identity setting is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error(
        "AWS_ROLE_ARN {0:?} is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)"
    )]
    RoleArn(String),
    #[error("AWS_WEB_IDENTITY_TOKEN_FILE {0:?} must be an absolute path without '..'")]
    TokenFile(String),
    #[error("fsGroup {0} must be a group id between 1 and 2147483647")]
    FsGroup(i64),
}

impl AwsIdentity {
    /// Checks all three values.
    pub fn validate(&self) -> Result<(), IdentityError> {
        if !is_role_arn(&self.role_arn) {
            return Err(IdentityError::RoleArn(self.role_arn.clone()));
        }
        let path = &self.token_file;
        let absolute = path.starts_with('/')
            && path.len() > 1
            && !path.ends_with('/')
            && !path.split('/').any(|s| s == ".." || s == ".")
            && !path.contains("//")
            && !path.chars().any(|c| c.is_whitespace() || c.is_control());
        if !absolute {
            return Err(IdentityError::TokenFile(path.clone()));
        }
        if !(1..=i64::from(i32::MAX)).contains(&self.fs_group) {
            return Err(IdentityError::FsGroup(self.fs_group));
        }
        Ok(())
    }

    /// Sets the environment of every container and the pod's `fsGroup`.
    pub fn apply_to(&self, spec: &mut DeploymentSpec) -> Result<(), IdentityError> {
        self.validate()?;
        for workload in spec.workloads_mut() {
            let pod = &mut workload.body["spec"]["template"]["spec"];
            pod["securityContext"]["fsGroup"] = json!(self.fs_group);
            for list in ["initContainers", "containers"] {
                for container in pod[list].as_array_mut().into_iter().flatten() {
                    set_env(container, "AWS_ROLE_ARN", &self.role_arn);
                    set_env(container, "AWS_WEB_IDENTITY_TOKEN_FILE", &self.token_file);
                }
            }
        }
        Ok(())
    }
}

fn set_env(container: &mut Value, name: &str, value: &str) {
    let env = &mut container["env"];
    if !env.is_array() {
        *env = json!([]);
    }
    let Some(items) = env.as_array_mut() else {
        return;
    };
    items.retain(|e| e["name"] != name);
    items.push(json!({"name": name, "value": value}));
}

/// `arn:<partition>:iam::<account>:role/<path/>name`.
fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    let Some(role) = resource.strip_prefix("role/") else {
        return false;
    };
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
    };
    let (path, name) = role.rsplit_once('/').unwrap_or(("", role));
    *prefix == "arn"
        && matches!(*partition, "aws" | "aws-cn" | "aws-us-gov")
        && *service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && name_ok(name)
        && path.split('/').all(|s| s.is_empty() || name_ok(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(arn: &str, file: &str, group: i64) -> AwsIdentity {
        AwsIdentity {
            role_arn: arn.into(),
            token_file: file.into(),
            fs_group: group,
        }
    }

    const ARN: &str = "arn:aws:iam::123456789012:role/migrated-app";

    #[test]
    fn values_are_validated() {
        assert_eq!(identity(ARN, DEFAULT_TOKEN_FILE, 1234).validate(), Ok(()));
        assert_eq!(
            identity("arn:aws:iam::123456789012:role/team/app", "/t", 1).validate(),
            Ok(())
        );
        for bad in [
            "arn:aws:iam::12345:role/app",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::123456789012:user/app",
            "arn:aws:iam:us-east-1:123456789012:role/app",
            "arn:aws:iam::123456789012:role/",
            "role/app",
        ] {
            assert_eq!(
                identity(bad, DEFAULT_TOKEN_FILE, 1).validate(),
                Err(IdentityError::RoleArn(bad.into())),
                "{bad}"
            );
        }
        for bad in ["token", "./token", "/var/../token", "/", "/var/run/ token"] {
            assert_eq!(
                identity(ARN, bad, 1).validate(),
                Err(IdentityError::TokenFile(bad.into())),
                "{bad}"
            );
        }
        assert_eq!(
            identity(ARN, DEFAULT_TOKEN_FILE, 0).validate(),
            Err(IdentityError::FsGroup(0))
        );
    }

    #[test]
    fn containers_and_pod_security_context_are_set() {
        let text = "apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec:
      containers:
      - name: app
        image: gcr.io/p/app:1
        env: [{name: AWS_ROLE_ARN, value: old}, {name: KEEP, value: x}]
      - {name: side, image: gcr.io/p/side:1}
";
        let mut spec = DeploymentSpec::parse(text).unwrap();
        identity(ARN, DEFAULT_TOKEN_FILE, 1234)
            .apply_to(&mut spec)
            .unwrap();
        let pod = &spec.objects[0].body["spec"]["template"]["spec"];
        assert_eq!(pod["securityContext"]["fsGroup"], 1234);
        let env = &pod["containers"][0]["env"];
        assert_eq!(
            env,
            &json!([
                {"name": "KEEP", "value": "x"},
                {"name": "AWS_ROLE_ARN", "value": ARN},
                {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": DEFAULT_TOKEN_FILE}
            ])
        );
        assert_eq!(pod["containers"][1]["env"].as_array().unwrap().len(), 2);
        let mut untouched = DeploymentSpec::parse(text).unwrap();
        assert!(identity("x", "/t", 1).apply_to(&mut untouched).is_err());
        assert_eq!(untouched, DeploymentSpec::parse(text).unwrap());
    }
}
