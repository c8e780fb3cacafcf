//! The derived Services (SPEC §4.2): for each MultiClusterService and each
//! selected member, a headless Service `mci-<mcs>-svc-<hash>` in the same
//! namespace, with the annotations below. The sandbox controller and the
//! console both name it with [`derived_service_name`].
//!
//! The hash is ours, not Google's: 16 base-36 digits of the 128-bit FNV-1a
//! hash of `"<namespace>/<mcs>"` (the value modulo 36^16, most significant
//! digit first). It is pure integer arithmetic, so wasm32 and the host agree.

/// Annotation asking for NEGs on the exposed ports.
pub const NEG_ANNOTATION: &str = "cloud.google.com/neg";
/// Annotation in which the NEG controller reports its NEGs.
pub const NEG_STATUS_ANNOTATION: &str = "cloud.google.com/neg-status";
/// Annotation naming the MultiClusterService a derived Service belongs to.
pub const PARENT_ANNOTATION: &str = "networking.gke.io/multiclusterservice-parent";

const HASH_DIGITS: usize = 16;
/// Longest MCS name kept whole: `mci-` + name + `-svc-` + 16 digits ≤ 63.
const MAX_NAME_PART: usize = 63 - 4 - 5 - HASH_DIGITS;

/// 128-bit FNV-1a.
fn fnv1a_128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    bytes
        .iter()
        .fold(OFFSET, |h, &b| (h ^ u128::from(b)).wrapping_mul(PRIME))
}

/// The 16-digit base-36 hash of a MultiClusterService.
pub fn derived_hash(namespace: &str, mcs: &str) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut h = fnv1a_128(format!("{namespace}/{mcs}").as_bytes());
    let mut out = [b'0'; HASH_DIGITS];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(h % 36) as usize];
        h /= 36;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

/// `mci-<mcs>-svc-<hash>`; a long MCS name is cut so the whole stays a
/// valid 63-character Service name (the hash keeps it unique).
pub fn derived_service_name(namespace: &str, mcs: &str) -> String {
    let cut = mcs.get(..MAX_NAME_PART).unwrap_or(mcs);
    let cut = cut.trim_end_matches('-');
    format!("mci-{cut}-svc-{}", derived_hash(namespace, mcs))
}

/// The `networking.gke.io/multiclusterservice-parent` value:
/// `{"Namespace":"blue","Name":"foo"}`.
pub fn parent_annotation(namespace: &str, mcs: &str) -> String {
    format!(
        r#"{{"Namespace":{},"Name":{}}}"#,
        json_string(namespace),
        json_string(mcs)
    )
}

/// The `cloud.google.com/neg` value exposing `ports`:
/// `{"exposed_ports":{"80":{}}}`.
pub fn neg_annotation(ports: impl IntoIterator<Item = i64>) -> String {
    let mut ports: Vec<i64> = ports.into_iter().collect();
    ports.sort_unstable();
    ports.dedup();
    let body: Vec<String> = ports.iter().map(|p| format!(r#""{p}":{{}}"#)).collect();
    format!(r#"{{"exposed_ports":{{{}}}}}"#, body.join(","))
}

/// A JSON string literal (names are DNS labels, but quote safely anyway).
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_the_published_vectors() {
        // From the FNV reference test suite.
        assert_eq!(fnv1a_128(b""), 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d);
        assert_eq!(fnv1a_128(b"a"), 0xd228_cb69_6f1a_8caf_7891_2b70_4e4a_8964);
    }

    #[test]
    fn names_are_stable_and_shaped_like_gkes() {
        let name = derived_service_name("blue", "foo");
        assert_eq!(name, derived_service_name("blue", "foo"));
        assert!(
            name.starts_with("mci-foo-svc-") && name.len() == 12 + 16,
            "{name}"
        );
        assert!(
            name[12..]
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        assert_ne!(name, derived_service_name("red", "foo"));
        assert_ne!(name, derived_service_name("blue", "bar"));
        // Pinned so a change to the hash shows up as a failing test: the
        // sandbox and the console must agree with data already stored.
        assert_eq!(name, format!("mci-foo-svc-{}", derived_hash("blue", "foo")));
        assert_eq!(derived_hash("blue", "foo"), PINNED_BLUE_FOO);
    }

    const PINNED_BLUE_FOO: &str = "nqow6dmqz698kdce";

    #[test]
    fn long_names_are_cut_to_a_valid_service_name() {
        let mcs = format!("{}-x", "a".repeat(36));
        let name = derived_service_name("blue", &mcs);
        assert!(name.len() <= 63, "{name}");
        crate::ids::check_dns1123_label("service", &name).unwrap();
        let long = "b".repeat(63);
        assert_eq!(derived_service_name("blue", &long).len(), 63);
    }

    #[test]
    fn annotations() {
        assert_eq!(
            parent_annotation("blue", "foo"),
            r#"{"Namespace":"blue","Name":"foo"}"#
        );
        assert_eq!(
            parent_annotation("a\"b", "c"),
            r#"{"Namespace":"a\"b","Name":"c"}"#
        );
        assert_eq!(
            neg_annotation([8080, 80, 80]),
            r#"{"exposed_ports":{"80":{},"8080":{}}}"#
        );
        assert_eq!(neg_annotation([]), r#"{"exposed_ports":{}}"#);
    }
}
