//! Whether one PolicyRule grants a request, by kube-apiserver's matching:
//! `*` matches any verb, group or resource; `pods/log` names a
//! subresource and `*/log` that subresource of any resource; a rule with
//! `resourceNames` grants only requests naming one of them.

use serde_json::Value;

use super::Attributes;

/// Whether `rule` grants `attributes`.
pub fn grants(rule: &Value, attributes: &Attributes) -> bool {
    let listed = |field: &str| -> Vec<&str> {
        rule[field]
            .as_array()
            .map(|v| v.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    };
    let verbs = listed("verbs");
    let groups = listed("apiGroups");
    let resources = listed("resources");
    let names = listed("resourceNames");
    let verb = verbs.iter().any(|v| *v == "*" || *v == attributes.verb);
    let group = groups.iter().any(|g| *g == "*" || *g == attributes.group);
    let wanted = attributes.resource_path();
    let resource = resources.iter().any(|r| {
        *r == "*"
            || *r == wanted
            || attributes
                .subresource
                .as_ref()
                .is_some_and(|sub| r.strip_prefix("*/") == Some(sub.as_str()))
    });
    let name = names.is_empty()
        || attributes
            .name
            .as_ref()
            .is_some_and(|n| names.contains(&n.as_str()));
    verb && group && resource && name
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(
        verb: &str,
        group: &str,
        resource: &str,
        sub: Option<&str>,
        name: Option<&str>,
    ) -> Attributes {
        Attributes {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: sub.map(Into::into),
            namespace: None,
            name: name.map(Into::into),
        }
    }

    #[test]
    fn a_subresource_needs_its_own_rule() {
        let rule = json!({"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]});
        assert!(grants(&rule, &request("get", "", "pods", None, Some("a"))));
        assert!(!grants(
            &rule,
            &request("get", "", "pods", Some("log"), Some("a"))
        ));
        assert!(!grants(&rule, &request("watch", "", "pods", None, None)));
        assert!(!grants(
            &rule,
            &request("get", "apps", "pods", None, Some("a"))
        ));
        let logs = json!({"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]});
        assert!(grants(
            &logs,
            &request("get", "", "pods", Some("log"), Some("a"))
        ));
        assert!(!grants(&logs, &request("get", "", "pods", None, Some("a"))));
        let any_status = json!({"apiGroups": ["*"], "resources": ["*/status"], "verbs": ["patch"]});
        assert!(grants(
            &any_status,
            &request("patch", "apps", "deployments", Some("status"), Some("d"))
        ));
        assert!(!grants(
            &any_status,
            &request("patch", "apps", "deployments", None, Some("d"))
        ));
    }

    #[test]
    fn resource_names_limit_a_rule_to_those_objects() {
        let rule = json!({"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"],
                          "resourceNames": ["cacerts"]});
        assert!(grants(
            &rule,
            &request("get", "", "secrets", None, Some("cacerts"))
        ));
        assert!(!grants(
            &rule,
            &request("get", "", "secrets", None, Some("other"))
        ));
        assert!(!grants(&rule, &request("list", "", "secrets", None, None)));
        let all = json!({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]});
        assert!(grants(
            &all,
            &request("deletecollection", "x.io", "things", None, None)
        ));
    }
}
