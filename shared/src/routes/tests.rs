//! Every path template fills completely and once.

use std::collections::HashSet;

use super::*;

#[test]
fn every_template_is_filled_completely() {
    for template in TEMPLATES {
        assert!(template.starts_with(API_PREFIX), "{template}");
        let names: Vec<&str> = params(template).collect();
        let values: Vec<String> = (0..names.len()).map(|i| format!("v{i}")).collect();
        let refs: Vec<&dyn fmt::Display> = values.iter().map(|v| v as &dyn fmt::Display).collect();
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
