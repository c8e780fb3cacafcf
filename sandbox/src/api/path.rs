//! Parsing a REST path (`/api/v1/namespaces/web/pods/a/log`,
//! `/apis/apps/v1/deployments`) into what it addresses.

/// What a path under `/api` or `/apis` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `/apis/<group>`: the APIGroup.
    Group(String),
    /// `/api/v1`, `/apis/<group>/<version>`: the APIResourceList.
    GroupVersion { group: String, version: String },
    /// A collection, an object, or an object's subresource.
    Resource(ResourcePath),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePath {
    pub group: String,
    pub version: String,
    pub plural: String,
    /// The namespace the path is scoped to, if any.
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

/// Subresources of namespaces themselves; any other word after
/// `/namespaces/<ns>/` is a namespaced resource.
const NAMESPACE_SUBRESOURCES: &[&str] = &["status", "finalize"];

/// Parses the segments after `/api` (`core`) or `/apis`.
pub fn parse(core: bool, rest: &str) -> Option<Target> {
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let (group, version, rest) = if core {
        let (version, rest) = segs.split_first()?;
        (String::new(), (*version).to_owned(), rest)
    } else {
        match segs.as_slice() {
            [group] => return Some(Target::Group((*group).to_owned())),
            [group, version, rest @ ..] => ((*group).to_owned(), (*version).to_owned(), rest),
            _ => return None,
        }
    };
    let resource =
        |plural: &str, namespace: Option<&str>, name: Option<&str>, sub: Option<&str>| {
            Some(Target::Resource(ResourcePath {
                group: group.clone(),
                version: version.clone(),
                plural: plural.to_owned(),
                namespace: namespace.map(str::to_owned),
                name: name.map(str::to_owned),
                subresource: sub.map(str::to_owned),
            }))
        };
    match rest {
        [] => Some(Target::GroupVersion {
            group: group.clone(),
            version: version.clone(),
        }),
        ["namespaces", ns, sub] if NAMESPACE_SUBRESOURCES.contains(sub) => {
            resource("namespaces", None, Some(ns), Some(sub))
        }
        ["namespaces", ns, plural] => resource(plural, Some(ns), None, None),
        ["namespaces", ns, plural, name] => resource(plural, Some(ns), Some(name), None),
        ["namespaces", ns, plural, name, sub] => resource(plural, Some(ns), Some(name), Some(sub)),
        [plural] => resource(plural, None, None, None),
        [plural, name] => resource(plural, None, Some(name), None),
        [plural, name, sub] => resource(plural, None, Some(name), Some(sub)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(t: Option<Target>) -> ResourcePath {
        match t {
            Some(Target::Resource(r)) => r,
            other => panic!("not a resource: {other:?}"),
        }
    }

    #[test]
    fn core_and_group_paths() {
        let r = res(parse(true, "v1/namespaces/web/pods/a/log"));
        assert_eq!((r.group.as_str(), r.plural.as_str()), ("", "pods"));
        assert_eq!(r.namespace.as_deref(), Some("web"));
        assert_eq!(r.name.as_deref(), Some("a"));
        assert_eq!(r.subresource.as_deref(), Some("log"));

        let r = res(parse(false, "apps/v1/deployments"));
        assert_eq!((r.group.as_str(), r.version.as_str()), ("apps", "v1"));
        assert_eq!(r.namespace, None);
        assert_eq!(r.name, None);
    }

    #[test]
    fn namespaces_are_objects_and_scopes() {
        let r = res(parse(true, "v1/namespaces/web"));
        assert_eq!(
            (r.plural.as_str(), r.name.as_deref()),
            ("namespaces", Some("web"))
        );
        let r = res(parse(true, "v1/namespaces/web/finalize"));
        assert_eq!(
            (r.plural.as_str(), r.subresource.as_deref()),
            ("namespaces", Some("finalize"))
        );
        let r = res(parse(true, "v1/namespaces/web/services"));
        assert_eq!(
            (r.plural.as_str(), r.namespace.as_deref()),
            ("services", Some("web"))
        );
    }

    #[test]
    fn discovery_paths() {
        assert_eq!(parse(false, "apps"), Some(Target::Group("apps".into())));
        assert_eq!(
            parse(true, "v1"),
            Some(Target::GroupVersion {
                group: String::new(),
                version: "v1".into()
            })
        );
        assert_eq!(parse(true, ""), None);
        assert_eq!(parse(true, "v1/a/b/c/d"), None);
    }
}
