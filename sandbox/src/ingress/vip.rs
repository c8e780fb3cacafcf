//! MultiClusterIngress VIPs from 203.0.113.0/24 (TEST-NET-3): an ingress
//! keeps the address it has; a new one starts at a slot hashed from its
//! namespace and name and takes the next free one, so the same ingress
//! gets the same address again (after a config cluster switch too) and no
//! two ever share one. A `networking.gke.io/static-ip` annotation, the
//! reserved address GKE would use, wins.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// The range VIPs come from.
pub const VIP_RANGE: &str = "203.0.113.0/24";
const PREFIX: [u8; 3] = [203, 0, 113];
/// `.1` to `.254`: neither the network nor the broadcast address.
const HOSTS: u32 = 254;

/// One ingress as the allocator needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Claim<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    /// `status.VIP` now.
    pub current: Option<&'a str>,
    /// The `networking.gke.io/static-ip` annotation.
    pub static_ip: Option<&'a str>,
}

/// Whether `ip` is a host address of [`VIP_RANGE`].
pub fn in_range(ip: &str) -> bool {
    ip.parse::<Ipv4Addr>().is_ok_and(|ip| {
        let [a, b, c, d] = ip.octets();
        [a, b, c] == PREFIX && (1..=254).contains(&d)
    })
}

/// The VIP of each claim, in order (earlier claims win a contested
/// address); `None` when the range is full.
pub(crate) fn allocate(claims: &[Claim<'_>]) -> Vec<Option<String>> {
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut out: Vec<Option<String>> = vec![None; claims.len()];
    // Static addresses, then addresses already held, then new ones, so a
    // newcomer's hash slot never takes an address someone holds.
    for (i, claim) in claims.iter().enumerate() {
        if let Some(ip) = claim.static_ip.filter(|ip| ip.parse::<Ipv4Addr>().is_ok()) {
            taken.insert(ip.to_owned());
            out[i] = Some(ip.to_owned());
        }
    }
    for (i, claim) in claims.iter().enumerate() {
        if out[i].is_none()
            && let Some(ip) = claim.current.filter(|ip| in_range(ip))
            && taken.insert(ip.to_owned())
        {
            out[i] = Some(ip.to_owned());
        }
    }
    for (i, claim) in claims.iter().enumerate() {
        if out[i].is_some() {
            continue;
        }
        let start = fnv32(&format!("{}/{}", claim.namespace, claim.name)) % HOSTS;
        let free = (0..HOSTS)
            .map(|k| host((start + k) % HOSTS + 1))
            .find(|ip| !taken.contains(ip));
        if let Some(ip) = &free {
            taken.insert(ip.clone());
        }
        out[i] = free;
    }
    out
}

fn host(n: u32) -> String {
    let [a, b, c] = PREFIX;
    format!("{a}.{b}.{c}.{n}")
}

fn fnv32(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim<'a>(name: &'a str, current: Option<&'a str>) -> Claim<'a> {
        Claim {
            namespace: "blue",
            name,
            current,
            static_ip: None,
        }
    }

    #[test]
    fn stable_unique_and_in_range() {
        let claims: Vec<String> = (0..254).map(|i| format!("mci-{i}")).collect();
        let first: Vec<Claim<'_>> = claims.iter().map(|n| claim(n, None)).collect();
        let vips = allocate(&first);
        let unique: BTreeSet<&String> = vips.iter().flatten().collect();
        assert_eq!(unique.len(), 254, "every host address once");
        assert!(vips.iter().flatten().all(|ip| in_range(ip)));
        // A second pass with what was given keeps it all.
        let again: Vec<Claim<'_>> = claims
            .iter()
            .zip(&vips)
            .map(|(n, ip)| claim(n, ip.as_deref()))
            .collect();
        assert_eq!(allocate(&again), vips);
        // And the range is then full.
        let mut more = again.clone();
        more.push(claim("one-too-many", None));
        assert_eq!(allocate(&more).last(), Some(&None));
    }

    #[test]
    fn the_same_ingress_gets_the_same_address_from_scratch() {
        let a = allocate(&[claim("foobar-ingress", None)]);
        let b = allocate(&[claim("other", None), claim("foobar-ingress", None)]);
        assert!(a[0].is_some());
        assert_eq!(b[1], a[0], "unless its slot was taken first");
    }

    #[test]
    fn held_addresses_win_over_new_claims_and_duplicates_lose() {
        let slot = allocate(&[claim("new", None)])[0].clone().unwrap();
        let vips = allocate(&[
            claim("new", None),
            claim("holder", Some(&slot)),
            claim("copy", Some(&slot)),
        ]);
        assert_eq!(vips[1].as_deref(), Some(slot.as_str()));
        assert_ne!(vips[0], vips[1]);
        assert_ne!(vips[2], vips[1]);
        assert!(!in_range("203.0.113.0") && !in_range("203.0.114.7") && in_range("203.0.113.254"));
    }

    #[test]
    fn a_static_ip_is_used() {
        let mut c = claim("x", Some("203.0.113.9"));
        c.static_ip = Some("34.102.201.47");
        assert_eq!(allocate(&[c]), vec![Some("34.102.201.47".to_owned())]);
    }
}
