//! Reading a generated `deployment_spec.yaml`: one or more YAML documents,
//! each one Kubernetes object of a kind the console deploys. Every problem
//! is reported with the line it is on, before anything reaches a cluster.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::images::ImageRef;

/// The largest spec the console accepts (generated specs are a few KiB).
pub const MAX_SPEC_BYTES: usize = 512 * 1024;

/// Kinds that run pods: their pod template is at `spec.template.spec`.
pub const WORKLOAD_KINDS: [(&str, &str); 3] = [
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
];

/// Kinds deployed beside the workloads.
pub const SUPPORTING_KINDS: [(&str, &str); 4] = [
    ("v1", "Service"),
    ("v1", "ConfigMap"),
    ("v1", "ServiceAccount"),
    ("v1", "PersistentVolumeClaim"),
];

/// One problem of a spec, at a 1-based line when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SpecIssue {
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for SpecIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl SpecIssue {
    fn at(line: usize, message: impl Into<String>) -> Self {
        Self {
            line: Some(line),
            message: message.into(),
        }
    }
}

/// Every problem found, in line order.
pub fn describe(issues: &[SpecIssue]) -> String {
    crate::error::join_problems(issues)
}

/// One object of the spec and the line its document starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecObject {
    pub line: usize,
    pub body: Value,
}

impl SpecObject {
    pub fn kind(&self) -> &str {
        self.body["kind"].as_str().unwrap_or_default()
    }

    pub fn name(&self) -> &str {
        self.body["metadata"]["name"].as_str().unwrap_or_default()
    }

    /// `Kind/name`.
    pub fn title(&self) -> String {
        format!("{}/{}", self.kind(), self.name())
    }

    /// Whether it runs pods from a template.
    pub fn is_workload(&self) -> bool {
        WORKLOAD_KINDS.iter().any(|(_, k)| *k == self.kind())
    }

    /// The containers of its pod template, with their images.
    pub fn containers(&self) -> impl Iterator<Item = &Value> {
        let spec = &self.body["spec"]["template"]["spec"];
        ["initContainers", "containers"]
            .into_iter()
            .flat_map(move |list| spec[list].as_array().into_iter().flatten())
    }
}

/// A parsed, validated spec.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentSpec {
    pub objects: Vec<SpecObject>,
}

impl DeploymentSpec {
    /// Parses and validates `text`; every problem is returned at once.
    pub fn parse(text: &str) -> Result<Self, Vec<SpecIssue>> {
        if text.len() > MAX_SPEC_BYTES {
            return Err(vec![SpecIssue {
                line: None,
                message: format!(
                    "the spec is {} bytes; at most {MAX_SPEC_BYTES} are accepted",
                    text.len()
                ),
            }]);
        }
        let mut objects = Vec::new();
        let mut issues = Vec::new();
        for doc in documents(text) {
            match read_document(&doc) {
                Ok(Some(object)) => {
                    issues.extend(check_object(&object, &doc));
                    objects.push(object);
                }
                Ok(None) => {}
                Err(issue) => issues.push(issue),
            }
        }
        if objects.is_empty() && issues.is_empty() {
            issues.push(SpecIssue::at(1, "the spec has no Kubernetes objects"));
        }
        let mut seen = std::collections::BTreeMap::new();
        for object in &objects {
            if let Some(first) = seen.insert(object.title(), object.line) {
                issues.push(SpecIssue::at(
                    object.line,
                    format!("{} is also defined at line {first}", object.title()),
                ));
            }
        }
        if issues.is_empty() {
            Ok(Self { objects })
        } else {
            issues.sort_by_key(|i| i.line);
            Err(issues)
        }
    }

    pub fn workloads(&self) -> impl Iterator<Item = &SpecObject> {
        self.objects.iter().filter(|o| o.is_workload())
    }

    pub fn workloads_mut(&mut self) -> impl Iterator<Item = &mut SpecObject> {
        self.objects.iter_mut().filter(|o| o.is_workload())
    }

    /// Every object placed in `namespace`, as it will be applied.
    pub fn manifests(&self, namespace: &str) -> Vec<Value> {
        self.objects
            .iter()
            .map(|o| {
                let mut body = o.body.clone();
                body["metadata"]["namespace"] = Value::String(namespace.to_owned());
                body
            })
            .collect()
    }

    /// The namespace the spec names for its objects, if any does.
    pub fn named_namespace(&self) -> Option<&str> {
        self.objects
            .iter()
            .find_map(|o| o.body["metadata"]["namespace"].as_str())
    }
}

/// One YAML document: its text and the line of its first line.
struct Document {
    first_line: usize,
    text: String,
}

impl Document {
    /// The spec's line of the first document line containing `needle`.
    fn line_of(&self, needle: &str) -> usize {
        self.line_after("", needle)
    }

    /// Like [`Document::line_of`], from the first line containing `anchor`.
    fn line_after(&self, anchor: &str, needle: &str) -> usize {
        let start = self
            .text
            .lines()
            .position(|l| l.contains(anchor))
            .unwrap_or(0);
        self.text
            .lines()
            .skip(start)
            .position(|l| l.contains(needle))
            .map_or(self.first_line, |i| self.first_line + start + i)
    }
}

fn documents(text: &str) -> Vec<Document> {
    let mut docs = Vec::new();
    let mut current = Document {
        first_line: 1,
        text: String::new(),
    };
    for (index, line) in text.lines().enumerate() {
        let marker = line == "---" || line.starts_with("--- ") || line == "...";
        if marker {
            let next = Document {
                first_line: index + 2,
                text: String::new(),
            };
            docs.push(std::mem::replace(&mut current, next));
        } else {
            current.text.push_str(line);
            current.text.push('\n');
        }
    }
    docs.push(current);
    docs
}

fn read_document(doc: &Document) -> Result<Option<SpecObject>, SpecIssue> {
    let value: Value = serde_yaml::from_str(&doc.text).map_err(|e| {
        let line = e.location().map_or(doc.first_line, |l| {
            doc.first_line + l.line().saturating_sub(1)
        });
        // An error at the end of input is reported on the last line.
        let line = line.min(doc.first_line + doc.text.lines().count().saturating_sub(1));
        let message = e.to_string();
        // serde_yaml appends its own (document-relative) position.
        let message = message.split(" at line ").next().unwrap_or(&message);
        SpecIssue::at(line, format!("not valid YAML: {message}"))
    })?;
    let mut body = match value {
        Value::Null => return Ok(None),
        Value::Object(map) => Value::Object(map),
        _ => {
            return Err(SpecIssue::at(
                doc.first_line,
                "a document must be a Kubernetes object (a mapping with apiVersion, kind, metadata)",
            ));
        }
    };
    // Generated specs carry empty statuses and null timestamps: not for apply.
    if let Some(map) = body.as_object_mut() {
        map.remove("status");
    }
    if let Some(meta) = body["metadata"].as_object_mut() {
        meta.retain(|_, v| !v.is_null());
    }
    Ok(Some(SpecObject {
        line: doc.first_line,
        body,
    }))
}

fn check_object(object: &SpecObject, doc: &Document) -> Vec<SpecIssue> {
    let api_version = object.body["apiVersion"].as_str().unwrap_or_default();
    let kind = object.kind();
    let at = |needle: &str| doc.line_of(needle);
    if kind.is_empty() || api_version.is_empty() {
        return vec![SpecIssue::at(
            object.line,
            "the object needs both apiVersion and kind",
        )];
    }
    let known = WORKLOAD_KINDS
        .iter()
        .chain(SUPPORTING_KINDS.iter())
        .find(|(_, k)| *k == kind);
    let mut issues = Vec::new();
    match known {
        None => {
            let supported: Vec<&str> = WORKLOAD_KINDS
                .iter()
                .chain(SUPPORTING_KINDS.iter())
                .map(|(_, k)| *k)
                .collect();
            return vec![SpecIssue::at(
                at("kind:"),
                format!(
                    "kind {kind} is not deployed by the console (supported: {})",
                    supported.join(", ")
                ),
            )];
        }
        Some((version, _)) if *version != api_version => issues.push(SpecIssue::at(
            at("apiVersion:"),
            format!("{kind} must use apiVersion {version}, not {api_version}"),
        )),
        Some(_) => {}
    }
    if object.name().is_empty() {
        issues.push(SpecIssue::at(
            object.line,
            format!("the {kind} has no metadata.name"),
        ));
    }
    if !object.is_workload() {
        return issues;
    }
    if object.body["spec"]["template"]["spec"]["containers"]
        .as_array()
        .is_none_or(Vec::is_empty)
    {
        issues.push(SpecIssue::at(
            at("containers:").max(at("template:")),
            format!(
                "{} has no containers (spec.template.spec.containers)",
                object.title()
            ),
        ));
    }
    for container in object.containers() {
        let name = container["name"].as_str().unwrap_or_default();
        let line = if name.is_empty() {
            object.line
        } else {
            doc.line_after("containers:", &format!("name: {name}"))
        };
        if name.is_empty() {
            issues.push(SpecIssue::at(
                line,
                format!("a container of {} has no name", object.title()),
            ));
        }
        match container["image"].as_str() {
            None | Some("") => issues.push(SpecIssue::at(
                line,
                format!("container {name:?} of {} has no image", object.title()),
            )),
            Some(image) => {
                if let Err(err) = ImageRef::parse(image) {
                    issues.push(SpecIssue::at(
                        doc.line_after("containers:", image),
                        err.to_string(),
                    ));
                }
            }
        }
    }
    issues
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
