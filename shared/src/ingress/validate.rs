//! Shape checks of one MultiClusterService or MultiClusterIngress on its
//! own, without the fleet: names, link shape, ports, hosts, paths,
//! annotations. What needs the fleet or the other resources (links naming
//! members, backends naming services, quotas) is in [`super::review`].

use std::collections::BTreeMap;

use super::error::FieldError;
use super::link::ClusterLink;
use super::mci::{
    MCI_KIND, MultiClusterIngress, PRE_SHARED_CERTS_ANNOTATION, STATIC_IP_ANNOTATION, TEMPLATE_SPEC,
};
use super::mcs::{MCS_KIND, MultiClusterService};
use super::object::{API_VERSION, BackendRef, ObjectMeta};
use super::syntax;
use crate::ids::check_dns1123_label;

/// Every shape problem of `mcs`, in field order; empty when it is valid.
pub fn validate_mcs(mcs: &MultiClusterService) -> Vec<FieldError> {
    let mut errors = Vec::new();
    check_type(&mut errors, &mcs.api_version, &mcs.kind, MCS_KIND);
    check_meta(&mut errors, &mcs.metadata, "MultiClusterService");

    let at = "spec.template.spec";
    let spec = &mcs.spec.template.spec;
    if spec.selector.is_empty() {
        errors.push(FieldError::new(
            format!("{at}.selector"),
            "give at least one label, e.g. app: foo; without a selector no pods back the service",
        ));
    }
    for (key, value) in &spec.selector {
        let field = format!("{at}.selector.{key}");
        if let Err(m) = syntax::check_label_key(key).and(syntax::check_label_value(value)) {
            errors.push(FieldError::new(field, m));
        }
    }

    if spec.ports.is_empty() {
        errors.push(FieldError::new(
            format!("{at}.ports"),
            "give at least one port, e.g. {name: web, protocol: TCP, port: 80, targetPort: 80}",
        ));
    }
    let mut names = BTreeMap::new();
    let mut numbers = BTreeMap::new();
    for (i, port) in spec.ports.iter().enumerate() {
        let at = format!("{at}.ports[{i}]");
        match &port.name {
            Some(name) => {
                if let Err(m) = syntax::check_port_name(name) {
                    errors.push(FieldError::new(format!("{at}.name"), m));
                } else if let Some(first) = names.insert(name.as_str(), i) {
                    errors.push(FieldError::new(
                        format!("{at}.name"),
                        format!("port name {name:?} is already used by ports[{first}]; names must be unique"),
                    ));
                }
            }
            None if spec.ports.len() > 1 => errors.push(FieldError::new(
                format!("{at}.name"),
                "name every port when there is more than one",
            )),
            None => {}
        }
        if let Some(protocol) = &port.protocol
            && let Err(m) = syntax::check_protocol(protocol)
        {
            errors.push(FieldError::new(format!("{at}.protocol"), m));
        }
        let given = required(
            &mut errors,
            format!("{at}.port"),
            port.port.as_ref(),
            "port is required: a number from 1 to 65535",
            |n| syntax::check_port_number(*n),
        );
        if let Some(&n) = given
            && let Some(first) = numbers.insert(n, i)
        {
            errors.push(FieldError::new(
                format!("{at}.port"),
                format!("port {n} is already used by ports[{first}]; ports must be unique"),
            ));
        }
        if let Some(target) = &port.target_port
            && let Err(m) = syntax::check_port_ref(target)
        {
            errors.push(FieldError::new(format!("{at}.targetPort"), m));
        }
    }

    let mut links: BTreeMap<ClusterLink, usize> = BTreeMap::new();
    for (i, selector) in mcs.spec.clusters.iter().enumerate() {
        let field = format!("spec.clusters[{i}].link");
        match selector.link.parse::<ClusterLink>() {
            Err(e) => errors.push(FieldError::new(field, e.to_string())),
            Ok(link) => {
                if let Some(first) = links.get(&link) {
                    errors.push(FieldError::new(
                        field,
                        format!("{link} is already listed at spec.clusters[{first}]; list each cluster once"),
                    ));
                } else {
                    links.insert(link, i);
                }
            }
        }
    }
    errors
}

/// Every shape problem of `mci`, in field order; empty when it is valid.
pub fn validate_mci(mci: &MultiClusterIngress) -> Vec<FieldError> {
    let mut errors = Vec::new();
    check_type(&mut errors, &mci.api_version, &mci.kind, MCI_KIND);
    check_meta(&mut errors, &mci.metadata, "MultiClusterIngress");
    check_mci_annotations(&mut errors, mci);

    let spec = &mci.spec.template.spec;
    if let Some(backend) = &spec.backend {
        check_backend(&mut errors, &format!("{TEMPLATE_SPEC}.backend"), backend);
    }
    // (host, path) → where it was first routed; a host-wide backend is "/*".
    let mut routed = BTreeMap::new();
    for (i, rule) in spec.rules.iter().enumerate() {
        let at = format!("{TEMPLATE_SPEC}.rules[{i}]");
        let host = rule.host.as_deref().unwrap_or("");
        if let Some(h) = &rule.host
            && let Err(m) = syntax::check_host(h)
        {
            errors.push(FieldError::new(format!("{at}.host"), m));
        }
        let paths = rule.http.as_ref().map(|h| h.paths.as_slice());
        match (&rule.backend, paths) {
            (Some(_), Some(_)) => errors.push(FieldError::new(
                at.clone(),
                "give either backend (every path) or http.paths, not both",
            )),
            (None, None) => errors.push(FieldError::new(
                at.clone(),
                "give a backend {serviceName, servicePort} or http.paths for this rule",
            )),
            (None, Some([])) => errors.push(FieldError::new(
                format!("{at}.http.paths"),
                "give at least one path with a backend",
            )),
            _ => {}
        }
        if let Some(backend) = &rule.backend {
            let field = format!("{at}.backend");
            check_backend(&mut errors, &field, backend);
            route_once(&mut errors, &mut routed, field, host, "/*");
        }
        for (j, p) in paths.unwrap_or_default().iter().enumerate() {
            let at = format!("{at}.http.paths[{j}]");
            if let Some(path) = &p.path
                && let Err(m) = syntax::check_path(path)
            {
                errors.push(FieldError::new(format!("{at}.path"), m));
            }
            match &p.backend {
                Some(backend) => check_backend(&mut errors, &format!("{at}.backend"), backend),
                None => errors.push(FieldError::new(
                    format!("{at}.backend"),
                    "give the backend {serviceName, servicePort} this path goes to",
                )),
            }
            route_once(
                &mut errors,
                &mut routed,
                format!("{at}.path"),
                host,
                p.path.as_deref().unwrap_or("/*"),
            );
        }
    }
    if mci.backends().is_empty() {
        errors.push(FieldError::new(
            TEMPLATE_SPEC,
            "give a default backend or at least one rule with a backend; the ingress routes nowhere",
        ));
    }
    for (i, tls) in spec.tls.iter().enumerate() {
        if let Err(e) = check_subdomain_name(&tls.secret_name) {
            errors.push(FieldError::new(
                format!("{TEMPLATE_SPEC}.tls[{i}].secretName"),
                format!("{e}; expected the name of a Secret in the same namespace"),
            ));
        }
    }
    errors
}

/// Records that `field` routes `host` and `path`, or reports that an
/// earlier field already does.
fn route_once<'a>(
    errors: &mut Vec<FieldError>,
    routed: &mut BTreeMap<(&'a str, &'a str), String>,
    field: String,
    host: &'a str,
    path: &'a str,
) {
    if let Some(first) = routed.get(&(host, path)) {
        let host = if host.is_empty() { "every host" } else { host };
        errors.push(FieldError::new(
            field,
            format!("{host} {path} is already routed by {first}; route each host and path once"),
        ));
    } else {
        routed.insert((host, path), field);
    }
}

fn check_type(errors: &mut Vec<FieldError>, api_version: &str, kind: &str, expected: &str) {
    if api_version != API_VERSION {
        errors.push(FieldError::new(
            "apiVersion",
            format!("{api_version:?} is not the API of {expected}; expected \"{API_VERSION}\""),
        ));
    }
    if kind != expected {
        errors.push(FieldError::new(
            "kind",
            format!("{kind:?} is not this resource; expected \"{expected}\""),
        ));
    }
}

fn check_meta(errors: &mut Vec<FieldError>, meta: &ObjectMeta, what: &'static str) {
    if let Err(e) = check_dns1123_label(what, &meta.name) {
        errors.push(FieldError::new(
            "metadata.name",
            format!("{}, e.g. \"foo\"", e.reason.replacen("it ", "the name ", 1)),
        ));
    }
    if let Some(ns) = &meta.namespace
        && let Err(e) = check_dns1123_label("namespace", ns)
    {
        errors.push(FieldError::new(
            "metadata.namespace",
            format!("namespace {ns:?} is not valid: {}", e.reason),
        ));
    }
}

fn check_backend(errors: &mut Vec<FieldError>, at: &str, backend: &BackendRef) {
    if backend.service_name.is_empty() {
        errors.push(FieldError::new(
            format!("{at}.serviceName"),
            "give the name of a MultiClusterService in this namespace",
        ));
    } else if let Err(e) = check_dns1123_label("serviceName", &backend.service_name) {
        errors.push(FieldError::new(
            format!("{at}.serviceName"),
            format!("{e}; expected the name of a MultiClusterService in this namespace"),
        ));
    }
    required(
        errors,
        format!("{at}.servicePort"),
        backend.service_port.as_ref(),
        "give the port of the MultiClusterService: its number (80) or name (web)",
        syntax::check_port_ref,
    );
}

/// A required field: `value` when given and `check` passes it; otherwise
/// the problem (`missing` when absent) on `field`.
fn required<'a, T, E: std::fmt::Display>(
    errors: &mut Vec<FieldError>,
    field: String,
    value: Option<&'a T>,
    missing: &'static str,
    check: impl Fn(&T) -> Result<(), E>,
) -> Option<&'a T> {
    let Some(value) = value else {
        errors.push(FieldError::new(field, missing));
        return None;
    };
    match check(value) {
        Ok(()) => Some(value),
        Err(m) => {
            errors.push(FieldError::new(field, m.to_string()));
            None
        }
    }
}

fn check_mci_annotations(errors: &mut Vec<FieldError>, mci: &MultiClusterIngress) {
    if let Some(ip) = mci.static_ip() {
        let is_address = ip.parse::<std::net::IpAddr>().is_ok()
            || (ip.starts_with("https://") || ip.starts_with("projects/"))
                && ip.contains("/global/addresses/");
        if !is_address {
            errors.push(FieldError::new(
                format!("metadata.annotations.{STATIC_IP_ANNOTATION}"),
                format!(
                    "{ip:?} is not a reserved address; expected an IP such as \"34.102.201.47\" or an address URL ending in /global/addresses/NAME"
                ),
            ));
        }
    }
    let certs = mci.metadata.annotation(PRE_SHARED_CERTS_ANNOTATION);
    if certs.is_some_and(|c| c.trim().is_empty()) {
        errors.push(FieldError::new(
            format!("metadata.annotations.{PRE_SHARED_CERTS_ANNOTATION}"),
            "name at least one certificate, or remove the annotation",
        ));
    }
    for cert in mci.pre_shared_certs() {
        if let Err(e) = check_dns1123_label("certificate", cert) {
            errors.push(FieldError::new(
                format!("metadata.annotations.{PRE_SHARED_CERTS_ANNOTATION}"),
                format!("{e}; expected comma-separated SSL certificate names"),
            ));
        }
    }
}

fn check_subdomain_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name must not be empty".into());
    }
    for part in name.split('.') {
        check_dns1123_label("name", part).map_err(|e| format!("{name:?}: {}", e.reason))?;
    }
    Ok(())
}
