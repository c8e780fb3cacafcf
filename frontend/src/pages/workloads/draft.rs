//! The deploy form's state: every field as a signal, which fields the
//! user touched, and the request they make — checked with the backend's
//! own rules ([`Plan::of`]) before anything is sent, each problem tied to
//! the field it is about.

use leptos::prelude::*;
use shared::FieldError;
use shared::workloads::api::BasicAuth;
use shared::workloads::identity::{AwsIdentity, DEFAULT_TOKEN_FILE};
use shared::workloads::plan::{Plan, PlanError};
use shared::workloads::pull_secret::SecretMode;
use shared::workloads::{DeployRequest, PullSecretInput};

use crate::components::field::Touched;

/// The form's `data-form`, where a preview attempt moves focus.
pub const FORM: &str = "deploy-form";

/// Which credential the operator gives for registry access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    None,
    JsonKey,
    Basic,
}

/// Why the form cannot be previewed yet, and the field it is about
/// (empty: the request as a whole).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub field: &'static str,
    pub message: String,
}

impl Problem {
    fn on(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// The form as typed. Copy it freely.
#[derive(Clone, Copy)]
pub struct Draft {
    pub spec: RwSignal<String>,
    pub cluster: RwSignal<String>,
    pub namespace: RwSignal<String>,
    pub name: RwSignal<String>,
    pub access: RwSignal<Access>,
    pub mode: RwSignal<SecretMode>,
    pub json_key: RwSignal<String>,
    pub server: RwSignal<String>,
    pub username: RwSignal<String>,
    pub password: RwSignal<String>,
    pub aws: RwSignal<bool>,
    pub role_arn: RwSignal<String>,
    pub token_file: RwSignal<String>,
    pub fs_group: RwSignal<String>,
    pub touched: Touched,
}

impl Draft {
    /// An empty form with the suggested defaults.
    pub fn new() -> Self {
        Self {
            spec: RwSignal::new(String::new()),
            cluster: RwSignal::new(String::new()),
            namespace: RwSignal::new("default".to_owned()),
            name: RwSignal::new(String::new()),
            access: RwSignal::new(Access::None),
            mode: RwSignal::new(SecretMode::PodTemplate),
            json_key: RwSignal::new(String::new()),
            server: RwSignal::new(String::new()),
            username: RwSignal::new(String::new()),
            password: RwSignal::new(String::new()),
            aws: RwSignal::new(false),
            role_arn: RwSignal::new(String::new()),
            token_file: RwSignal::new(DEFAULT_TOKEN_FILE.to_owned()),
            fs_group: RwSignal::new("1234".to_owned()),
            touched: Touched::new(),
        }
    }

    fn pull_secret(self) -> Option<PullSecretInput> {
        let basic = || BasicAuth {
            server: self.server.get().trim().to_owned(),
            username: self.username.get(),
            password: self.password.get(),
        };
        let (json_key, basic) = match self.access.get() {
            Access::None => return None,
            Access::JsonKey => (Some(self.json_key.get()), None),
            Access::Basic => (None, Some(basic())),
        };
        Some(PullSecretInput {
            mode: self.mode.get(),
            json_key,
            basic,
            name: None,
        })
    }

    fn aws_identity(self) -> Result<Option<AwsIdentity>, Problem> {
        if !self.aws.get() {
            return Ok(None);
        }
        let group = self
            .fs_group
            .get()
            .trim()
            .parse::<i64>()
            .map_err(|_| Problem::on("fs-group", "fsGroup must be a number"))?;
        Ok(Some(AwsIdentity {
            role_arn: self.role_arn.get().trim().to_owned(),
            token_file: self.token_file.get().trim().to_owned(),
            fs_group: group,
        }))
    }

    /// The request as typed, before the plan's checks.
    pub fn draft(self) -> Result<DeployRequest, Problem> {
        let aws_identity = self.aws_identity()?;
        if self.spec.with(|s| s.trim().is_empty()) {
            return Err(Problem::on("spec", "paste or upload deployment_spec.yaml"));
        }
        if self.cluster.with(String::is_empty) {
            return Err(Problem::on("cluster", "choose the target cluster"));
        }
        let name = self.name.get().trim().to_owned();
        Ok(DeployRequest {
            name: (!name.is_empty()).then_some(name),
            cluster: self.cluster.get(),
            namespace: self.namespace.get().trim().to_owned(),
            spec: self.spec.get(),
            pull_secret: self.pull_secret(),
            aws_identity,
        })
    }

    /// The request, once the backend's own checks pass.
    pub fn request(self) -> Result<DeployRequest, Problem> {
        let request = self.draft()?;
        Plan::of(&request).map_err(|e| {
            let field = match e {
                PlanError::Spec(_) | PlanError::Reach(_) => "spec",
                PlanError::Invalid(_) => "",
            };
            Problem::on(field, e.to_string())
        })?;
        Ok(request)
    }

    /// What the spec may not reach (mesh identity, CA material, the
    /// node), each on its field.
    pub fn refused(self) -> Option<Vec<FieldError>> {
        match self.draft().map(|r| Plan::of(&r)) {
            Ok(Err(PlanError::Reach(fields))) => Some(fields),
            _ => None,
        }
    }

    /// The problem on `field`, once that field speaks.
    pub fn problem_on(self, field: &str) -> Option<String> {
        self.request()
            .err()
            .filter(|p| p.field == field && self.touched.shows(field))
            .map(|p| p.message)
    }

    /// Whether a problem is shown now (the preview waits for its fix).
    pub fn shows_problem(self) -> bool {
        self.request()
            .err()
            .is_some_and(|p| self.touched.shows(p.field))
    }

    /// Credentials are not kept in the page once used.
    pub fn forget_credentials(self) {
        self.json_key.set(String::new());
        self.password.set(String::new());
    }
}
