//! The write verbs with apiserver semantics: create, update, patch (all four
//! types), delete with finalizers, propagation and garbage collection, and
//! the status/scale/approval subresources. Each verb holds the cluster's
//! write lock across its read-modify-write.

pub mod defaults;
pub mod managed;
pub mod node_ports;
pub mod patch;
mod service_account;
pub mod strict;
pub mod token_secret;
pub mod validate;

use serde_json::{Value, json};

use crate::clock;
use crate::cluster::Cluster;
use crate::resources::ResourceType;
use crate::status::ApiStatus;

/// Query options shared by the write verbs.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// `dryRun=All`: validate and compute, store nothing.
    pub dry_run: bool,
    pub field_manager: Option<String>,
    /// `fieldValidation=Strict`.
    pub strict: bool,
    /// `force=true` on server-side apply.
    pub force: bool,
    /// The client's User-Agent program, the default field manager.
    pub user_agent: String,
}

impl WriteOptions {
    fn manager(&self) -> String {
        self.field_manager.clone().unwrap_or_else(|| {
            let agent = self.user_agent.split('/').next().unwrap_or_default();
            if agent.is_empty() {
                "unknown".into()
            } else {
                agent.into()
            }
        })
    }
}

/// The patch content types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    Json,
    Merge,
    Strategic,
    Apply,
}

/// What a delete asks for.
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    pub dry_run: bool,
    /// `Background` (default), `Foreground` or `Orphan`.
    pub propagation: Option<String>,
    pub precondition_rv: Option<String>,
    pub precondition_uid: Option<String>,
}

fn ns_key(rt: &ResourceType, ns: &str) -> String {
    if rt.namespaced {
        ns.to_owned()
    } else {
        String::new()
    }
}

/// POST: create an object.
pub async fn create(
    c: &Cluster,
    rt: &ResourceType,
    ns: &str,
    mut body: Value,
    opts: &WriteOptions,
) -> Result<Value, ApiStatus> {
    validate::check_type(rt, &body)?;
    let _guard = c.writes.lock().await;
    let ns = ns_key(rt, ns);
    if rt.namespaced {
        match body["metadata"]["namespace"].as_str() {
            Some(body_ns) if !body_ns.is_empty() && body_ns != ns => {
                return Err(ApiStatus::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            _ => {}
        }
        check_namespace_open(c, &ns)?;
        body["metadata"]["namespace"] = json!(ns);
    } else if let Some(m) = body["metadata"].as_object_mut() {
        m.remove("namespace");
    }
    if body["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .is_empty()
        && let Some(prefix) = body["metadata"]["generateName"]
            .as_str()
            .filter(|p| !p.is_empty())
    {
        body["metadata"]["name"] = json!(format!("{prefix}{}", clock::random_suffix(5)));
    }
    body["apiVersion"] = json!(rt.api_version());
    body["kind"] = json!(rt.kind);
    validate::check_metadata(rt, &body)?;
    validate::check_schema(rt, &mut body, opts.strict)?;
    strict::check(&rt.kind, &rt.version, &mut body, opts.strict)?;
    let name = body["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if c.store.get(&rt.key(), &ns, &name).is_some() {
        return Err(ApiStatus::already_exists(&rt.plural, &rt.group, &name));
    }
    // Kubelets register Nodes with their capacity in the create itself.
    if rt.has_subresource("status")
        && !matches!(rt.kind.as_str(), "CustomResourceDefinition" | "Node")
        && let Some(m) = body.as_object_mut()
    {
        m.remove("status");
    }
    defaults::on_create(&rt.kind, &mut body, || allocate_cluster_ip(c))?;
    if rt.kind == "Secret" && rt.group.is_empty() {
        token_secret::fill(c, &mut body);
    }
    if rt.kind == "Service" && rt.group.is_empty() {
        node_ports::allocate(c, None, &mut body)?;
    }
    if rt.kind == "Pod" && rt.group.is_empty() {
        service_account::copy_pull_secrets(c, &mut body);
    }
    if rt.kind == "Pod" && !opts.dry_run {
        inject_sidecar(c, &mut body)?;
    }
    managed::record_update(None, &mut body, &opts.manager(), &rt.api_version(), None);
    if opts.dry_run {
        return Ok(body);
    }
    let stored = c.store.put(&rt.key(), &ns, &name, body);
    after_write(c, rt, &stored);
    Ok(stored)
}

/// What istiod's mutating webhook does to a pod at admission.
fn inject_sidecar(c: &Cluster, pod: &mut Value) -> Result<(), ApiStatus> {
    crate::controllers::injection::inject(c, pod)
        .map(drop)
        .map_err(|refused| ApiStatus::internal(refused.to_string()))
}

fn check_namespace_open(c: &Cluster, ns: &str) -> Result<(), ApiStatus> {
    match c.store.get("namespaces", "", ns) {
        None => Err(ApiStatus::not_found("namespaces", "", ns)),
        Some(n) if n["status"]["phase"] == "Terminating" => Err(ApiStatus::forbidden(format!(
            "unable to create new content in namespace {ns} because it is being terminated"
        ))),
        Some(_) => Ok(()),
    }
}

fn allocate_cluster_ip(c: &Cluster) -> String {
    let (services, _) = c.store.list("services", None);
    let used: Vec<&str> = services
        .iter()
        .filter_map(|s| s["spec"]["clusterIP"].as_str())
        .collect();
    (10u32..65_000)
        .map(|n| format!("10.96.{}.{}", n / 250, n % 250 + 1))
        .find(|ip| !used.contains(&ip.as_str()))
        .unwrap_or_else(|| "10.96.255.254".into())
}

/// Side effects of a stored write: CRDs change what is served; a new
/// namespace gets its `default` service account.
fn after_write(c: &Cluster, rt: &ResourceType, stored: &Value) {
    match rt.kind.as_str() {
        "CustomResourceDefinition" => c.refresh_custom_resources(),
        "Namespace" => {
            let name = stored["metadata"]["name"].as_str().unwrap_or_default();
            if stored["status"]["phase"] == "Active"
                && c.store.get("serviceaccounts", name, "default").is_none()
            {
                let mut sa = json!({"apiVersion": "v1", "kind": "ServiceAccount",
                    "metadata": {"name": "default", "namespace": name}});
                sa["metadata"]["uid"] = json!(clock::new_uid());
                sa["metadata"]["creationTimestamp"] = json!(clock::now_rfc3339());
                c.store.put("serviceaccounts", name, "default", sa);
            }
        }
        _ => {}
    }
}

/// GET of one object (or its scale subresource).
pub fn get(
    c: &Cluster,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    sub: Option<&str>,
) -> Result<Value, ApiStatus> {
    let obj = c
        .store
        .get(&rt.key(), &ns_key(rt, ns), name)
        .ok_or_else(|| ApiStatus::not_found(&rt.plural, &rt.group, name))?;
    match sub {
        Some("scale") => Ok(scale_of(&obj)),
        _ => Ok((*obj).clone()),
    }
}

pub(crate) fn scale_of(obj: &Value) -> Value {
    let selector = obj["spec"]["selector"]["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(",");
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": obj["metadata"]["name"], "namespace": obj["metadata"]["namespace"],
            "uid": obj["metadata"]["uid"], "resourceVersion": obj["metadata"]["resourceVersion"],
            "creationTimestamp": obj["metadata"]["creationTimestamp"]
        },
        "spec": {"replicas": obj["spec"]["replicas"].as_i64().unwrap_or(0)},
        "status": {"replicas": obj["status"]["replicas"].as_i64().unwrap_or(0), "selector": selector}
    })
}

/// PUT: replace an object or one of its subresources.
pub async fn update(
    c: &Cluster,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    body: Value,
    sub: Option<&str>,
    opts: &WriteOptions,
) -> Result<Value, ApiStatus> {
    let _guard = c.writes.lock().await;
    let ns = ns_key(rt, ns);
    let old = c
        .store
        .get(&rt.key(), &ns, name)
        .ok_or_else(|| ApiStatus::not_found(&rt.plural, &rt.group, name))?;
    let sent_rv = body["metadata"]["resourceVersion"]
        .as_str()
        .map(str::to_owned);
    if let Some(rv) = sent_rv.filter(|rv| !rv.is_empty())
        && Some(rv.as_str()) != old["metadata"]["resourceVersion"].as_str()
    {
        return Err(ApiStatus::conflict(
            &rt.plural,
            &rt.group,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        ));
    }
    let new = merge_subresource(rt, &old, body, sub)?;
    commit(c, rt, &ns, name, &old, new, sub, opts, None)
}

/// PATCH of any of the four types, on the object or a subresource.
/// Server-side apply creates the object when it does not exist.
#[expect(clippy::too_many_arguments, reason = "the verb's inputs")]
pub async fn patch(
    c: &Cluster,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    kind: PatchType,
    body: Value,
    sub: Option<&str>,
    opts: &WriteOptions,
) -> Result<Value, ApiStatus> {
    let key_ns = ns_key(rt, ns);
    let existing = c.store.get(&rt.key(), &key_ns, name);
    let Some(old) = existing else {
        if kind == PatchType::Apply && sub.is_none() {
            if opts.field_manager.is_none() {
                return Err(ApiStatus::bad_request(
                    "PATCH, application/apply-patch+yaml requires fieldManager to be specified",
                ));
            }
            let mut obj = body.clone();
            obj["metadata"]["name"] = json!(name);
            let created = create(
                c,
                rt,
                ns,
                obj,
                &WriteOptions {
                    dry_run: true,
                    ..opts.clone()
                },
            )
            .await?;
            let mut created = created;
            managed::record_apply(
                None,
                &mut created,
                &body,
                &opts.manager(),
                &rt.api_version(),
                opts.force,
            );
            if opts.dry_run {
                return Ok(created);
            }
            let _guard = c.writes.lock().await;
            if c.store.get(&rt.key(), &key_ns, name).is_some() {
                return Err(ApiStatus::conflict(
                    &rt.plural,
                    &rt.group,
                    name,
                    "the object was created concurrently",
                ));
            }
            let stored = c.store.put(&rt.key(), &key_ns, name, created);
            after_write(c, rt, &stored);
            return Ok(stored);
        }
        return Err(ApiStatus::not_found(&rt.plural, &rt.group, name));
    };
    let _guard = c.writes.lock().await;
    // Re-read under the lock.
    let old = c.store.get(&rt.key(), &key_ns, name).unwrap_or(old);
    let base = match sub {
        Some("scale") => scale_of(&old),
        _ => (*old).clone(),
    };
    let mut patched = base.clone();
    match kind {
        PatchType::Merge => patch::merge_patch(&mut patched, &body),
        PatchType::Strategic => {
            if rt.schema.is_some() {
                return Err(ApiStatus::unsupported_media_type(
                    "application/strategic-merge-patch+json is not supported for custom resources",
                ));
            }
            patch::strategic_merge_patch(&mut patched, &body)?;
        }
        PatchType::Json => patch::json_patch(&mut patched, &body)?,
        PatchType::Apply => {
            validate::check_type(rt, &body)?;
            if opts.field_manager.is_none() {
                return Err(ApiStatus::bad_request(
                    "PATCH, application/apply-patch+yaml requires fieldManager to be specified",
                ));
            }
            let manager = opts.manager();
            let conflicts = managed::conflicts(&old, &body, &manager);
            if !conflicts.is_empty() && !opts.force {
                return Err(apply_conflict(rt, name, &conflicts));
            }
            if rt.schema.is_some() {
                patch::merge_patch(&mut patched, &body);
            } else {
                patch::strategic_merge_patch(&mut patched, &body)?;
            }
            managed::record_apply(
                Some(&old),
                &mut patched,
                &body,
                &manager,
                &rt.api_version(),
                opts.force,
            );
        }
    }
    // A resourceVersion in the patch (an applied configuration included)
    // is a precondition, as the API server's optimistic lock makes it.
    if let Some(rv) = body["metadata"]["resourceVersion"]
        .as_str()
        .filter(|rv| !rv.is_empty())
        && Some(rv) != old["metadata"]["resourceVersion"].as_str()
    {
        return Err(ApiStatus::conflict(
            &rt.plural,
            &rt.group,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        ));
    }
    let new = merge_subresource(rt, &old, patched, sub)?;
    let applied = (kind == PatchType::Apply).then_some(());
    commit(c, rt, &key_ns, name, &old, new, sub, opts, applied)
}

fn apply_conflict(
    rt: &ResourceType,
    name: &str,
    conflicts: &std::collections::BTreeMap<String, Vec<managed::Path>>,
) -> ApiStatus {
    let count: usize = conflicts.values().map(Vec::len).sum();
    let mut lines = Vec::new();
    // As the API server lists them: one FieldManagerConflict cause per
    // field, naming its manager.
    let mut causes = Vec::new();
    for (manager, paths) in conflicts {
        for p in paths {
            let with = format!("conflict with \"{manager}\" using {}", rt.api_version());
            let field = managed::display(p);
            lines.push(format!("{with}: {field}"));
            causes.push(json!({"reason": "FieldManagerConflict", "message": with, "field": field}));
        }
    }
    let plural = if count == 1 { "conflict" } else { "conflicts" };
    let mut status = ApiStatus::conflict(&rt.plural, &rt.group, name, "");
    status.message = format!("Apply failed with {count} {plural}: {}", lines.join("\n"));
    if let Some(details) = status.details.as_mut() {
        details["causes"] = Value::Array(causes);
    }
    status
}

/// Builds the object to store from `incoming` for a write to `sub`.
fn merge_subresource(
    rt: &ResourceType,
    old: &Value,
    incoming: Value,
    sub: Option<&str>,
) -> Result<Value, ApiStatus> {
    match sub {
        None => {
            validate::check_type(rt, &incoming)?;
            let mut new = incoming;
            if rt.has_subresource("status") && rt.kind != "CustomResourceDefinition" {
                new["status"] = old["status"].clone();
                if new["status"].is_null()
                    && let Some(m) = new.as_object_mut()
                {
                    m.remove("status");
                }
            }
            Ok(new)
        }
        Some("status") | Some("approval") => {
            let mut new = old.clone();
            new["status"] = incoming["status"].clone();
            Ok(new)
        }
        Some("scale") => {
            let replicas = incoming["spec"]["replicas"]
                .as_i64()
                .ok_or_else(|| ApiStatus::bad_request("scale needs spec.replicas"))?;
            let mut new = old.clone();
            new["spec"]["replicas"] = json!(replicas);
            Ok(new)
        }
        Some(other) => Err(ApiStatus::method_not_allowed(format!(
            "the subresource {other:?} cannot be written"
        ))),
    }
}

/// Validates and stores `new` in place of `old`, keeping what clients may
/// not change, and finishing a pending deletion when the last finalizer goes.
#[expect(clippy::too_many_arguments, reason = "the write's inputs")]
fn commit(
    c: &Cluster,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    old: &Value,
    mut new: Value,
    sub: Option<&str>,
    opts: &WriteOptions,
    applied: Option<()>,
) -> Result<Value, ApiStatus> {
    new["apiVersion"] = json!(rt.api_version());
    new["kind"] = json!(rt.kind);
    for field in [
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "generation",
        "name",
        "namespace",
    ] {
        match old["metadata"].get(field) {
            Some(v) => new["metadata"][field] = v.clone(),
            None => {
                if let Some(m) = new["metadata"].as_object_mut() {
                    m.remove(field);
                }
            }
        }
    }
    validate::check_metadata(rt, &new)?;
    validate::check_schema(rt, &mut new, opts.strict)?;
    strict::check(&rt.kind, &rt.version, &mut new, opts.strict)?;
    defaults::on_write(&rt.kind, &mut new)?;
    if rt.kind == "Service" && rt.group.is_empty() && sub.is_none() {
        node_ports::allocate(c, Some(old), &mut new)?;
    }
    if new.get("spec") != old.get("spec") && sub.is_none() {
        let generation = old["metadata"]["generation"].as_i64().unwrap_or(0) + 1;
        new["metadata"]["generation"] = json!(generation);
    }
    if applied.is_none() {
        managed::record_update(Some(old), &mut new, &opts.manager(), &rt.api_version(), sub);
    }
    let finishing = !old["metadata"]["deletionTimestamp"].is_null()
        && new["metadata"]["finalizers"]
            .as_array()
            .is_none_or(Vec::is_empty);
    if opts.dry_run {
        return Ok(new);
    }
    if finishing {
        let removed = c.store.remove(&rt.key(), ns, name).unwrap_or(new);
        collect_garbage(c, rt, &removed, "Background");
        return Ok(removed);
    }
    if unchanged(old, &new) {
        return Ok(old.clone());
    }
    let stored = c.store.put(&rt.key(), ns, name, new);
    after_write(c, rt, &stored);
    Ok(stored)
}

/// Whether a write would store what is already stored. The apiserver then
/// writes nothing: the resourceVersion stays, no watch event goes out, and
/// managedFields keep their timestamps (a no-op apply is free).
fn unchanged(old: &Value, new: &Value) -> bool {
    fn comparable(object: &Value) -> Value {
        let mut object = object.clone();
        if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("resourceVersion");
            let entries = meta.get_mut("managedFields").and_then(Value::as_array_mut);
            for entry in entries.into_iter().flatten() {
                if let Some(entry) = entry.as_object_mut() {
                    entry.remove("time");
                }
            }
        }
        object
    }
    comparable(old) == comparable(new)
}

/// DELETE of one object. Returns the object as deleted, or with its
/// deletionTimestamp set while finalizers remain.
pub async fn delete(
    c: &Cluster,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    opts: &DeleteOptions,
) -> Result<Value, ApiStatus> {
    let _guard = c.writes.lock().await;
    delete_locked(c, rt, &ns_key(rt, ns), name, opts)
}

fn delete_locked(
    c: &Cluster,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    opts: &DeleteOptions,
) -> Result<Value, ApiStatus> {
    let old = c
        .store
        .get(&rt.key(), ns, name)
        .ok_or_else(|| ApiStatus::not_found(&rt.plural, &rt.group, name))?;
    if let Some(rv) = &opts.precondition_rv
        && Some(rv.as_str()) != old["metadata"]["resourceVersion"].as_str()
    {
        return Err(ApiStatus::conflict(
            &rt.plural,
            &rt.group,
            name,
            &format!(
                "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                old["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or_default()
            ),
        ));
    }
    if let Some(uid) = &opts.precondition_uid
        && Some(uid.as_str()) != old["metadata"]["uid"].as_str()
    {
        return Err(ApiStatus::conflict(
            &rt.plural,
            &rt.group,
            name,
            &format!(
                "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                old["metadata"]["uid"].as_str().unwrap_or_default()
            ),
        ));
    }
    if opts.dry_run {
        return Ok((*old).clone());
    }
    let has_finalizers = old["metadata"]["finalizers"]
        .as_array()
        .is_some_and(|f| !f.is_empty());
    if rt.kind == "Namespace" {
        return Ok(delete_namespace(c, name, (*old).clone()));
    }
    if has_finalizers {
        if !old["metadata"]["deletionTimestamp"].is_null() {
            return Ok((*old).clone());
        }
        let mut marked = (*old).clone();
        marked["metadata"]["deletionTimestamp"] = json!(clock::now_rfc3339());
        marked["metadata"]["deletionGracePeriodSeconds"] = json!(0);
        return Ok(c.store.put(&rt.key(), ns, name, marked));
    }
    let removed = c
        .store
        .remove(&rt.key(), ns, name)
        .unwrap_or_else(|| (*old).clone());
    if rt.kind == "CustomResourceDefinition" {
        remove_custom_resources(c, &removed);
        c.refresh_custom_resources();
    }
    let policy = opts.propagation.as_deref().unwrap_or("Background");
    collect_garbage(c, rt, &removed, policy);
    Ok(removed)
}

/// Terminates a namespace: marks it, removes everything in it, removes it.
fn delete_namespace(c: &Cluster, name: &str, old: Value) -> Value {
    let mut terminating = old;
    terminating["status"]["phase"] = json!("Terminating");
    terminating["metadata"]["deletionTimestamp"] = json!(clock::now_rfc3339());
    c.store.put("namespaces", "", name, terminating);
    for rt in c.registry().all().iter().filter(|t| t.namespaced) {
        let (items, _) = c.store.list(&rt.key(), Some(name));
        for item in items {
            let n = item["metadata"]["name"].as_str().unwrap_or_default();
            c.store.remove(&rt.key(), name, n);
        }
    }
    c.store.remove("namespaces", "", name).unwrap_or_default()
}

fn remove_custom_resources(c: &Cluster, crd: &Value) {
    for rt in crate::resources::custom_types(crd) {
        let (items, _) = c.store.list(&rt.key(), None);
        for item in items {
            let ns = item["metadata"]["namespace"].as_str().unwrap_or_default();
            let n = item["metadata"]["name"].as_str().unwrap_or_default();
            c.store.remove(&rt.key(), ns, n);
        }
    }
}

/// Deletes (or, with `Orphan`, releases) the dependents of a removed owner.
fn collect_garbage(c: &Cluster, owner_rt: &ResourceType, owner: &Value, policy: &str) {
    let Some(uid) = owner["metadata"]["uid"].as_str() else {
        return;
    };
    let owner_ns = owner["metadata"]["namespace"].as_str();
    for rt in c.registry().all() {
        let scope = if owner_rt.namespaced { owner_ns } else { None };
        if owner_rt.namespaced && !rt.namespaced {
            continue;
        }
        let (items, _) = c.store.list(&rt.key(), scope);
        for item in items {
            let refs = item["metadata"]["ownerReferences"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if !refs.iter().any(|r| r["uid"] == uid) {
                continue;
            }
            let ns = item["metadata"]["namespace"].as_str().unwrap_or_default();
            let name = item["metadata"]["name"].as_str().unwrap_or_default();
            if policy == "Orphan" {
                let mut released = (*item).clone();
                let kept: Vec<Value> = refs.into_iter().filter(|r| r["uid"] != uid).collect();
                released["metadata"]["ownerReferences"] = json!(kept);
                c.store.put(&rt.key(), ns, name, released);
            } else {
                let _ = delete_locked(c, rt, ns, name, &DeleteOptions::default());
            }
        }
    }
}

/// DELETE on a collection: every object matching the selectors.
pub async fn delete_collection(
    c: &Cluster,
    rt: &ResourceType,
    items: Vec<Value>,
    opts: &DeleteOptions,
) -> Vec<Value> {
    let _guard = c.writes.lock().await;
    items
        .iter()
        .filter_map(|item| {
            let ns = item["metadata"]["namespace"].as_str().unwrap_or_default();
            let name = item["metadata"]["name"].as_str().unwrap_or_default();
            delete_locked(c, rt, ns, name, opts).ok()
        })
        .collect()
}
