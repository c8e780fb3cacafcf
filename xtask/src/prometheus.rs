//! Debian's Prometheus for the metrics test: the server that scrapes an
//! in-process console and `promtool`, which judges its exposition. Only
//! the binaries are used; the test starts its own server on a loopback
//! port with a throwaway configuration and storage, never the Debian
//! service.

use std::path::{Path, PathBuf};

use crate::shell::Shell;
use crate::tools::apt_install;

const PROMETHEUS: &str = "/usr/bin/prometheus";
const PROMTOOL: &str = "/usr/bin/promtool";

/// Where the test finds the two binaries (`MESHDECK_PROMETHEUS`,
/// `MESHDECK_PROMTOOL`).
pub struct Prometheus {
    pub server: PathBuf,
    pub promtool: PathBuf,
}

impl Prometheus {
    /// The variables the backend's tests read.
    pub fn env(&self) -> [(&'static str, String); 2] {
        [
            ("MESHDECK_PROMETHEUS", self.server.display().to_string()),
            ("MESHDECK_PROMTOOL", self.promtool.display().to_string()),
        ]
    }
}

/// Installs Debian's `prometheus` (which ships `promtool`) when either
/// binary is missing.
pub fn ensure_prometheus(sh: &Shell) -> Result<Prometheus, String> {
    let present = || Path::new(PROMETHEUS).is_file() && Path::new(PROMTOOL).is_file();
    if !present() {
        apt_install(sh, &["prometheus"])?;
    }
    if !present() {
        return Err(format!(
            "prometheus is installed but {PROMETHEUS} or {PROMTOOL} is missing"
        ));
    }
    Ok(Prometheus {
        server: PROMETHEUS.into(),
        promtool: PROMTOOL.into(),
    })
}
