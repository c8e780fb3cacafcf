//! PEM in and out for certificates: LF line endings (what Kubernetes
//! secrets and istiod expect) and strict parsing of `CERTIFICATE` blocks.

use pem::{EncodeConfig, LineEnding, Pem};

use super::CaError;

/// One `CERTIFICATE` block.
pub fn certificate_pem(der: &[u8]) -> String {
    pem::encode_config(
        &Pem::new("CERTIFICATE", der),
        EncodeConfig::new().set_line_ending(LineEnding::LF),
    )
}

/// The DER of every `CERTIFICATE` block in `text` (`what` names the field
/// in errors); anything else in a PEM block is refused.
pub fn certificates(text: &str, what: &str) -> Result<Vec<Vec<u8>>, CaError> {
    let blocks = pem::parse_many(text)
        .map_err(|e| CaError::InvalidBundle(format!("{what} is not PEM: {e}")))?;
    if blocks.is_empty() {
        return Err(CaError::InvalidBundle(format!(
            "{what} holds no certificate"
        )));
    }
    blocks
        .into_iter()
        .map(|block| match block.tag() {
            "CERTIFICATE" => Ok(block.into_contents()),
            other => Err(CaError::InvalidBundle(format!(
                "{what} holds a {other} block where a CERTIFICATE belongs"
            ))),
        })
        .collect()
}

/// Exactly one certificate.
pub fn single_certificate(text: &str, what: &str) -> Result<Vec<u8>, CaError> {
    let mut all = certificates(text, what)?;
    match (all.pop(), all.is_empty()) {
        (Some(der), true) => Ok(der),
        _ => Err(CaError::InvalidBundle(format!(
            "{what} must hold exactly one certificate, not {}",
            all.len() + 1
        ))),
    }
}
