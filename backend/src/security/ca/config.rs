//! Where the mesh CA's token is: a PKCS#11 module, the label of a token it
//! offers, and the file holding the user PIN (a network HSM in production,
//! the embedded SoftHSM2 token on the sandbox).

use std::path::{Path, PathBuf};

use cryptoki::types::AuthPin;

use super::CaError;

/// Debian's SoftHSM2 module, the embedded default.
pub const SOFTHSM2_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// A token the console signs through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenConfig {
    /// The PKCS#11 module (shared library) to load.
    pub module: PathBuf,
    /// The label of the token (`CKA_LABEL` of its token info).
    pub token_label: String,
    /// A file whose first line is the user PIN.
    pub pin_file: PathBuf,
}

impl TokenConfig {
    /// The user PIN: the pin file's first line.
    pub(crate) fn read_pin(&self) -> Result<AuthPin, CaError> {
        read_pin_file(&self.pin_file, &self.token_label)
    }
}

fn read_pin_file(path: &Path, label: &str) -> Result<AuthPin, CaError> {
    let failed = |reason: String| CaError::PinFile {
        label: label.to_owned(),
        path: path.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?;
    let pin = text.lines().next().unwrap_or_default().trim();
    if pin.is_empty() {
        return Err(failed("the file is empty".into()));
    }
    Ok(AuthPin::from(pin.to_owned()))
}
