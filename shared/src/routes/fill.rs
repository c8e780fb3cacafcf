//! Filling the path templates of [`super`] with values, each encoded as
//! one path segment.

use std::fmt::{self, Write as _};

use super::{
    ACCOUNT, CA_GRANT_APPROVE, CA_GRANT_REVOKE, CA_ROOT_PUBLISH, CA_ROOT_RETIRE, CA_ROOT_ROTATE,
    CSR,
};

/// The names of `template`'s `{param}` segments, in order.
pub fn params(template: &str) -> impl Iterator<Item = &str> {
    template
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
}

/// `template` with its `{param}` segments replaced in order by `values`,
/// each percent-encoded as one path segment (a value holding `/` stays one
/// segment). A param without a value is left as it is, which the backend
/// answers with a 404; the tests hold every caller to the right count.
pub fn fill(template: &str, values: &[&dyn fmt::Display]) -> String {
    let mut values = values.iter();
    let mut path = String::with_capacity(template.len() + 16);
    for (i, segment) in template.split('/').enumerate() {
        if i > 0 {
            path.push('/');
        }
        let is_param = segment.starts_with('{') && segment.ends_with('}');
        match is_param.then(|| values.next()).flatten() {
            Some(value) => encode_segment(&mut path, &value.to_string()),
            None => path.push_str(segment),
        }
    }
    path
}

/// Appends `value` to `out`, percent-encoding all but the unreserved
/// characters of RFC 3986, so whatever a user typed reaches the backend as
/// the one segment it was (and is refused there if it is not a name).
fn encode_segment(out: &mut String, value: &str) {
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b));
            }
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
}

/// [`ACCOUNT`] for account `name`.
pub fn account(name: &str) -> String {
    fill(ACCOUNT, &[&name])
}

/// [`CA_ROOT_ROTATE`] for the root with `fingerprint`.
pub fn ca_root_rotate(fingerprint: &str) -> String {
    fill(CA_ROOT_ROTATE, &[&fingerprint])
}

/// [`CA_ROOT_PUBLISH`] for the root with `fingerprint`.
pub fn ca_root_publish(fingerprint: &str) -> String {
    fill(CA_ROOT_PUBLISH, &[&fingerprint])
}

/// [`CA_ROOT_RETIRE`] for the root with `fingerprint`.
pub fn ca_root_retire(fingerprint: &str) -> String {
    fill(CA_ROOT_RETIRE, &[&fingerprint])
}

/// [`CA_GRANT_APPROVE`] for grant `id`.
pub fn ca_grant_approve(id: &str) -> String {
    fill(CA_GRANT_APPROVE, &[&id])
}

/// [`CA_GRANT_REVOKE`] for grant `id`.
pub fn ca_grant_revoke(id: &str) -> String {
    fill(CA_GRANT_REVOKE, &[&id])
}

/// [`CSR`] for request `name` on `cluster`.
pub fn csr(cluster: &str, name: &str) -> String {
    fill(CSR, &[&cluster, &name])
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::routes::{API_PREFIX, CLUSTER, CSR_APPROVE, MESH_INSTALL, TEMPLATES};

    #[test]
    fn every_template_is_filled_completely() {
        for template in TEMPLATES {
            assert!(template.starts_with(API_PREFIX), "{template}");
            let names: Vec<&str> = params(template).collect();
            let values: Vec<String> = (0..names.len()).map(|i| format!("v{i}")).collect();
            let refs: Vec<&dyn fmt::Display> =
                values.iter().map(|v| v as &dyn fmt::Display).collect();
            let path = fill(template, &refs);
            assert!(!path.contains(['{', '}']), "{template} -> {path}");
            let expected = names
                .iter()
                .zip(&values)
                .fold(template.to_string(), |t, (name, value)| {
                    t.replacen(&format!("{{{name}}}"), value, 1)
                });
            assert_eq!(path, expected);
        }
    }

    #[test]
    fn templates_are_named_once() {
        let distinct: HashSet<&&str> = TEMPLATES.iter().collect();
        assert_eq!(distinct.len(), TEMPLATES.len());
    }

    #[test]
    fn values_are_encoded_as_one_segment() {
        assert_eq!(
            fill(CSR_APPROVE, &[&"gke-eu", &"istiod a/b?c"]),
            "/api/csrs/gke-eu/istiod%20a%2Fb%3Fc/approve"
        );
        assert_eq!(fill(CLUSTER, &[&"gke-eu"]), "/api/clusters/gke-eu");
        assert_eq!(fill(MESH_INSTALL, &[&7_u32]), "/api/mesh/installs/7");
    }

    #[test]
    fn a_missing_value_leaves_the_param() {
        assert_eq!(fill(CSR, &[&"gke-eu"]), "/api/csrs/gke-eu/{name}");
        assert_eq!(csr("gke-eu", "istiod"), "/api/csrs/gke-eu/istiod");
        assert_eq!(account("ada"), "/api/accounts/ada");
    }
}
