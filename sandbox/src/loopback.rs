//! The guard of the endpoints that take no credentials because they listen
//! on loopback only (the faults admin endpoint, the fleet API). Loopback
//! alone does not keep a browser out: a page elsewhere can point a name it
//! controls at 127.0.0.1 (DNS rebinding) or post to the port directly. So
//! a request is served only when its `Host` names loopback (`localhost`
//! or a loopback address) with the port the endpoint listens on, and it
//! is not a cross-origin browser request: an `Origin` must be that same
//! loopback origin, and `Sec-Fetch-Site` must be `same-origin` or `none`
//! (`same-site` too is refused: another port of localhost is same-site).

use axum::http::{HeaderMap, header};

/// Why a request to a loopback endpoint is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the Host header is missing; this endpoint answers loopback requests only")]
    NoHost,
    #[error(
        "the Host header {0:?} does not name this endpoint on loopback (127.0.0.1, localhost or [::1] with its port)"
    )]
    ForeignHost(String),
    #[error("cross-origin requests are refused (Origin {0:?})")]
    CrossOrigin(String),
    #[error("cross-site browser requests are refused (Sec-Fetch-Site {0:?})")]
    CrossSite(String),
}

/// Whether `headers` are those of a same-origin request to the endpoint
/// listening on loopback `port`.
pub fn check(headers: &HeaderMap, port: u16) -> Result<(), Refusal> {
    let host = headers
        .get(header::HOST)
        .ok_or(Refusal::NoHost)?
        .to_str()
        .map_err(|_| Refusal::ForeignHost("<not text>".into()))?;
    if !is_loopback_authority(host, port) {
        return Err(Refusal::ForeignHost(host.to_owned()));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("<not text>");
        let same = origin
            .strip_prefix("http://")
            .is_some_and(|authority| is_loopback_authority(authority, port));
        if !same {
            return Err(Refusal::CrossOrigin(origin.to_owned()));
        }
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("<not text>");
        if !matches!(site, "same-origin" | "none") {
            return Err(Refusal::CrossSite(site.to_owned()));
        }
    }
    Ok(())
}

/// `host:port` where host is `localhost` or a loopback address and port
/// is `port` (an omitted port is 80).
fn is_loopback_authority(authority: &str, port: u16) -> bool {
    let (host, given) = match authority.rsplit_once(':') {
        // `[::1]` alone: the colons are the address's.
        Some((host, p)) if !p.contains(']') => (host, p.parse::<u16>().ok()),
        _ => (authority, Some(80)),
    };
    if given != Some(port) {
        return false;
    }
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let literal = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    literal
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().expect("a header value"));
        }
        map
    }

    #[test]
    fn only_loopback_hosts_with_the_port_are_served() {
        for host in [
            "127.0.0.1:7070",
            "localhost:7070",
            "LOCALHOST:7070",
            "[::1]:7070",
        ] {
            assert_eq!(check(&headers(&[("host", host)]), 7070), Ok(()), "{host}");
        }
        for host in [
            "evil.example:7070",
            "127.0.0.1:7071",
            "127.0.0.1",
            "localhost.evil.example:7070",
            "127.0.0.1.nip.io:7070",
            "[::1]",
            "0.0.0.0:7070",
        ] {
            assert_eq!(
                check(&headers(&[("host", host)]), 7070),
                Err(Refusal::ForeignHost(host.into())),
                "{host}"
            );
        }
        assert_eq!(check(&HeaderMap::new(), 7070), Err(Refusal::NoHost));
    }

    #[test]
    fn cross_origin_browser_requests_are_refused() {
        let host = ("host", "127.0.0.1:7070");
        let ok = [("origin", "http://127.0.0.1:7070")];
        assert_eq!(check(&headers(&[host, ok[0]]), 7070), Ok(()));
        for origin in [
            "http://evil.example",
            "null",
            "http://localhost:3000",
            "https://127.0.0.1:7070",
        ] {
            assert_eq!(
                check(&headers(&[host, ("origin", origin)]), 7070),
                Err(Refusal::CrossOrigin(origin.into())),
                "{origin}"
            );
        }
        for site in ["cross-site", "same-site"] {
            assert_eq!(
                check(&headers(&[host, ("sec-fetch-site", site)]), 7070),
                Err(Refusal::CrossSite(site.into()))
            );
        }
        assert_eq!(
            check(&headers(&[host, ("sec-fetch-site", "none")]), 7070),
            Ok(())
        );
    }
}
