//! What a trusted reverse proxy says about the original request: the
//! client's address (`X-Forwarded-For`) and whether it arrived over TLS
//! (`X-Forwarded-Proto`). Believed only on connections from the configured
//! proxy addresses; anyone else could write these headers.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// Where a request really came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The client's address, for the sign-in limiter and the audit log.
    pub address: String,
    /// Reached over TLS: cookies get `Secure`.
    pub tls: bool,
}

/// The origin of a request received from `peer`.
pub fn origin(headers: &HeaderMap, peer: Option<SocketAddr>, trusted: &[IpAddr]) -> Origin {
    let peer_ip = peer.map(|p| p.ip());
    let direct = Origin {
        address: peer_ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
        tls: false,
    };
    if !peer_ip.is_some_and(|ip| trusted.contains(&ip)) {
        return direct;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|hop| !hop.is_empty())
        .collect();
    // The nearest hop that is not one of our proxies is the client; hops
    // further left were written by the client itself.
    let client = hops
        .iter()
        .rev()
        .find(|hop| !hop.parse::<IpAddr>().is_ok_and(|ip| trusted.contains(&ip)));
    let tls = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
    Origin {
        address: client.map_or(direct.address, |c| (*c).to_owned()),
        tls,
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn forwarded_headers_count_only_from_the_proxy() {
        let trusted = ["10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap()];
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.0.0.2"),
            ("x-forwarded-proto", "https"),
        ]);
        let via_proxy = origin(&h, Some("10.0.0.1:5000".parse().unwrap()), &trusted);
        assert_eq!(
            via_proxy,
            Origin {
                address: "198.51.100.7".into(),
                tls: true
            }
        );
        let direct = origin(&h, Some("192.0.2.1:5000".parse().unwrap()), &trusted);
        assert_eq!(
            direct,
            Origin {
                address: "192.0.2.1".into(),
                tls: false
            }
        );
        let bare = origin(
            &HeaderMap::new(),
            Some("10.0.0.1:1".parse().unwrap()),
            &trusted,
        );
        assert_eq!(bare.address, "10.0.0.1");
        assert!(!bare.tls);
        assert_eq!(origin(&h, None, &trusted).address, "unknown");
    }
}
