//! Syntax of the values a manifest carries: port numbers and names,
//! protocols, label selectors, hosts and paths. Each check returns the
//! sentence the editor shows under the field.

use super::object::IntOrString;
use crate::ids::check_dns1123_label;

/// Ports are 1–65535.
pub fn check_port_number(port: i64) -> Result<(), String> {
    if (1..=65535).contains(&port) {
        Ok(())
    } else {
        Err(format!(
            "{port} is not a port; expected a number from 1 to 65535"
        ))
    }
}

/// A port name (IANA service name): at most 15 lowercase letters, digits
/// and single '-', with at least one letter, not starting or ending in '-'.
pub fn check_port_name(name: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("port name {name:?} is not valid: {why}"));
    if name.is_empty() {
        return bad("it must not be empty");
    }
    if name.len() > 15 {
        return bad("it must be at most 15 characters");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return bad("it may contain only lowercase letters, digits and '-'");
    }
    if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        return bad("'-' may not start or end it, nor be doubled");
    }
    if !name.chars().any(|c| c.is_ascii_lowercase()) {
        return bad("it needs at least one letter (a number is a port, not a name)");
    }
    Ok(())
}

/// A port given by number or by name.
pub fn check_port_ref(port: &IntOrString) -> Result<(), String> {
    match port {
        IntOrString::Int(n) => check_port_number(*n),
        IntOrString::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => Err(
            format!("{s:?} is a quoted number; write it without quotes, or give a port name"),
        ),
        IntOrString::String(s) => check_port_name(s),
    }
}

/// The load balancer sends HTTP(S), so MultiClusterService ports are TCP.
pub fn check_protocol(protocol: &str) -> Result<(), String> {
    match protocol {
        "TCP" => Ok(()),
        p if p.eq_ignore_ascii_case("tcp") => Err(format!("write {p:?} in capitals: \"TCP\"")),
        p => Err(format!(
            "protocol {p:?} cannot be load balanced: multi-cluster ingress carries HTTP(S), so ports must be \"TCP\""
        )),
    }
}

/// A label key: an optional DNS subdomain prefix and '/', then a name of at
/// most 63 letters, digits, '-', '_' or '.', starting and ending
/// alphanumeric.
pub fn check_label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        check_subdomain(prefix).map_err(|why| format!("label key {key:?}: prefix {why}"))?;
    }
    check_label_name(name).map_err(|why| format!("label key {key:?} is not valid: {why}"))
}

/// A label value: empty, or like a label key's name part.
pub fn check_label_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    check_label_name(value).map_err(|why| format!("label value {value:?} is not valid: {why}"))
}

fn check_label_name(name: &str) -> Result<(), String> {
    let alnum = |c: char| c.is_ascii_alphanumeric();
    if name.is_empty() || name.len() > 63 {
        return Err("it must have 1 to 63 characters".into());
    }
    if !name
        .chars()
        .all(|c| alnum(c) || matches!(c, '-' | '_' | '.'))
    {
        return Err("it may contain only letters, digits, '-', '_' and '.'".into());
    }
    if !name.starts_with(alnum) || !name.ends_with(alnum) {
        return Err("it must start and end with a letter or digit".into());
    }
    Ok(())
}

/// A DNS-1123 subdomain: dot-separated labels, at most 253 characters.
fn check_subdomain(value: &str) -> Result<(), String> {
    if value.len() > 253 {
        return Err(format!("{value:?} is longer than 253 characters"));
    }
    for label in value.split('.') {
        check_dns1123_label("name", label)
            .map_err(|e| format!("{value:?} is not a DNS name: part {label:?}: {}", e.reason))?;
    }
    Ok(())
}

/// A rule's host: a lowercase DNS name such as `foo.example.com`, or a
/// wildcard `*.example.com`; not an IP address.
pub fn check_host(host: &str) -> Result<(), String> {
    let expected = "expected a DNS name such as \"foo.example.com\" or \"*.example.com\"";
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Err(format!("{host:?} is an IP address; {expected}"));
    }
    if host.contains(':') {
        return Err(format!("{host:?} carries a port; {expected}"));
    }
    let name = host.strip_prefix("*.").unwrap_or(host);
    if name.contains('*') {
        return Err(format!(
            "{host:?}: '*' may only stand alone as the first part; {expected}"
        ));
    }
    if host.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!("{host:?} must be lower case; {expected}"));
    }
    check_subdomain(name).map_err(|why| format!("{why}; {expected}"))
}

/// A path: starts with '/', no spaces, query or fragment; '*' only as the
/// last character right after '/' (`/foo/*`).
pub fn check_path(path: &str) -> Result<(), String> {
    let expected = "expected a path such as \"/\", \"/foo\" or \"/foo/*\"";
    if !path.starts_with('/') {
        return Err(format!("{path:?} must start with '/'; {expected}"));
    }
    if let Some(c) = path
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#'))
    {
        return Err(format!("{path:?} may not contain {c:?}; {expected}"));
    }
    match path.find('*') {
        None => Ok(()),
        Some(i) if i + 1 == path.len() && path[..i].ends_with('/') => Ok(()),
        Some(_) => Err(format!(
            "{path:?}: '*' may only end the path, right after '/'; {expected}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert!(check_port_number(80).is_ok() && check_port_number(65535).is_ok());
        assert!(check_port_number(0).unwrap_err().contains("1 to 65535"));
        assert!(check_port_number(70000).is_err());
        assert!(check_port_name("web").is_ok() && check_port_name("http-2").is_ok());
        for bad in [
            "",
            "Web",
            "-web",
            "web-",
            "w--b",
            "8080",
            "a-very-long-port-name",
        ] {
            assert!(check_port_name(bad).is_err(), "{bad}");
        }
        assert!(
            check_port_ref(&IntOrString::from("80"))
                .unwrap_err()
                .contains("without quotes")
        );
        assert!(check_port_ref(&IntOrString::Int(80)).is_ok());
    }

    #[test]
    fn protocols() {
        assert!(check_protocol("TCP").is_ok());
        assert!(check_protocol("tcp").unwrap_err().contains("capitals"));
        assert!(check_protocol("UDP").unwrap_err().contains("HTTP(S)"));
    }

    #[test]
    fn labels() {
        assert!(check_label_key("app").is_ok());
        assert!(check_label_key("app.kubernetes.io/name").is_ok());
        assert!(check_label_key("Bad Key").is_err());
        assert!(check_label_key("Bad_Prefix/x").is_err());
        assert!(check_label_value("").is_ok() && check_label_value("foo-1.2").is_ok());
        assert!(check_label_value("-x").is_err());
    }

    #[test]
    fn hosts() {
        for good in ["foo.example.com", "*.example.com", "localhost"] {
            assert!(check_host(good).is_ok(), "{good}");
        }
        for bad in [
            "203.0.113.7",
            "foo.example.com:80",
            "Foo.example.com",
            "foo.*.com",
            "foo..com",
            "-foo.com",
            "foo_bar.com",
            "",
        ] {
            let err = check_host(bad).unwrap_err();
            assert!(err.contains("expected a DNS name"), "{bad}: {err}");
        }
    }

    #[test]
    fn paths() {
        for good in ["/", "/foo", "/foo/*", "/*", "/a-b/c.d"] {
            assert!(check_path(good).is_ok(), "{good}");
        }
        for bad in ["foo", "/foo*", "/*/x", "/a b", "/q?x=1", "/x#y", ""] {
            let err = check_path(bad).unwrap_err();
            assert!(err.contains("expected a path"), "{bad}: {err}");
        }
    }
}
