//! The embedded HSM: Debian's SoftHSM2, whose configuration names the
//! directory holding its token files. SoftHSM2 reads the configuration's
//! path only from `SOFTHSM2_CONF`, when the module is initialised.

use std::path::{Path, PathBuf};

/// The environment variable SoftHSM2 reads its configuration path from.
pub const CONF_ENV: &str = "SOFTHSM2_CONF";

/// The configuration for token files in `tokens`.
pub fn conf_text(tokens: &Path) -> String {
    format!(
        "# meshdeck's embedded PKCS#11 token (SoftHSM2)\n\
         directories.tokendir = {}\n\
         objectstore.backend = file\n\
         log.level = ERROR\n\
         slots.removable = false\n",
        tokens.display()
    )
}

/// Makes sure `conf` exists with its token directory `tokens/` beside it
/// (replaced in one rename when it differs, so a reader never sees half).
pub fn ensure_conf(conf: &Path) -> std::io::Result<PathBuf> {
    let dir = conf.parent().unwrap_or_else(|| Path::new("."));
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens)?;
    let text = conf_text(&tokens);
    if std::fs::read_to_string(conf).ok().as_deref() != Some(text.as_str()) {
        let partial = dir.join(format!("softhsm2.conf.partial-{}", std::process::id()));
        std::fs::write(&partial, &text)?;
        std::fs::rename(&partial, conf)?;
    }
    Ok(tokens)
}

/// For tests run by cargo (the workspace's `.cargo/config.toml` sets
/// `SOFTHSM2_CONF`): the configuration ensured and SoftHSM2's module path.
pub fn module_from_env() -> Result<&'static Path, String> {
    let conf = std::env::var_os(CONF_ENV).ok_or_else(|| {
        format!("{CONF_ENV} is not set (run through cargo: the workspace sets it)")
    })?;
    let conf = std::path::absolute(conf).map_err(|e| format!("{CONF_ENV}: {e}"))?;
    ensure_conf(&conf).map_err(|e| format!("cannot write {}: {e}", conf.display()))?;
    Ok(Path::new(crate::SOFTHSM2_MODULE))
}
