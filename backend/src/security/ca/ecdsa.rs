//! The two encodings between PKCS#11 and X.509 for EC P-256 keys: a token
//! returns `CKA_EC_POINT` wrapped in a DER OCTET STRING and signatures as raw
//! `r ‖ s`, while certificates carry the bare point and a DER
//! `ECDSA-Sig-Value`.

/// DER of the named curve `prime256v1` (`CKA_EC_PARAMS` of a P-256 key).
pub const P256_PARAMS: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// Length of an uncompressed P-256 point (`04 ‖ x ‖ y`).
const POINT_LEN: usize = 65;

/// The uncompressed point inside `CKA_EC_POINT`. PKCS#11 says it is
/// DER-wrapped; a few modules return it bare, which is accepted too.
pub fn unwrap_ec_point(attribute: &[u8]) -> Option<Vec<u8>> {
    let point = match attribute {
        [0x04, len, rest @ ..] if usize::from(*len) == rest.len() && rest.len() == POINT_LEN => {
            rest
        }
        bare if bare.len() == POINT_LEN => bare,
        _ => return None,
    };
    (point.first() == Some(&0x04)).then(|| point.to_vec())
}

/// `SEQUENCE { INTEGER r, INTEGER s }` from a raw `r ‖ s` signature.
pub fn der_signature(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.is_empty() || !raw.len().is_multiple_of(2) || raw.len() > 132 {
        return None;
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let mut body = der_integer(r);
    body.extend(der_integer(s));
    let mut out = vec![0x30];
    push_len(&mut out, body.len());
    out.extend(body);
    Some(out)
}

/// A positive DER INTEGER from big-endian bytes: minimal, with a leading
/// zero when the top bit is set.
fn der_integer(bytes: &[u8]) -> Vec<u8> {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    let digits = match &bytes[first..] {
        [] => &[0u8][..],
        d => d,
    };
    let mut content = Vec::with_capacity(digits.len() + 1);
    if digits[0] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(digits);
    let mut out = vec![0x02];
    push_len(&mut out, content.len());
    out.extend(content);
    out
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    // Signatures of the curves a token offers stay below 256 bytes.
    if len < 0x80 {
        out.push(len as u8);
    } else {
        out.push(0x81);
        out.push(len as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec_point_is_unwrapped_from_its_octet_string_or_taken_bare() {
        let mut point = vec![0x04];
        point.extend([7u8; 64]);
        let mut wrapped = vec![0x04, 65];
        wrapped.extend(&point);
        assert_eq!(unwrap_ec_point(&wrapped), Some(point.clone()));
        assert_eq!(unwrap_ec_point(&point), Some(point.clone()));
        assert_eq!(unwrap_ec_point(&wrapped[..40]), None);
        let mut compressed = vec![0x04, 33, 0x02];
        compressed.extend([1u8; 32]);
        assert_eq!(unwrap_ec_point(&compressed), None);
    }

    #[test]
    fn signature_integers_are_minimal_and_positive() {
        let mut raw = vec![0u8; 64];
        raw[0] = 0x80; // r needs a leading zero
        raw[32] = 0;
        raw[33] = 0; // s loses two leading zeros
        raw[34] = 0x12;
        let der = der_signature(&raw).unwrap();
        assert_eq!(der[0], 0x30);
        assert_eq!(usize::from(der[1]), der.len() - 2);
        assert_eq!(&der[2..5], &[0x02, 33, 0x00]);
        assert_eq!(der[5], 0x80);
        let s = &der[2 + 2 + 33..];
        assert_eq!(&s[..3], &[0x02, 30, 0x12]);
        assert_eq!(der_signature(&[1, 2, 3]), None);
    }
}
