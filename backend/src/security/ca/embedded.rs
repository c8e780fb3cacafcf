//! The embedded token: Debian's SoftHSM2 with its configuration, token
//! files and PIN file in one directory (`<state-dir>/softhsm` for the
//! console on the sandbox, `target/softhsm` for tests).
//!
//! SoftHSM2 reads its configuration only from the environment variable
//! `SOFTHSM2_CONF`, at the library's initialisation. Whoever starts the
//! process sets it (`cargo xtask run`, the workspace's `.cargo/config.toml`
//! for tests); `meshdeck` itself restarts once with it set when it is
//! missing ([`restart_with_conf`]), because changing the environment of a
//! running process is not sound.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{CaError, SOFTHSM2_MODULE, TokenConfig};

/// The label of the console's embedded token.
pub const LABEL: &str = "meshdeck";
/// The environment variable SoftHSM2 reads its configuration path from.
pub const CONF_ENV: &str = "SOFTHSM2_CONF";
/// Set on the restarted process, so a restart can never loop.
const RESTARTED_ENV: &str = "MESHDECK_SOFTHSM2_RESTARTED";

/// The SoftHSM2 configuration of the embedded token under `state_dir`, as
/// an absolute path (the library resolves nothing relative).
pub fn conf_path(state_dir: &Path) -> Result<PathBuf, CaError> {
    std::path::absolute(state_dir.join("softhsm").join("softhsm2.conf"))
        .map_err(|e| CaError::Embedded(format!("cannot resolve {}: {e}", state_dir.display())))
}

/// Whether this process's `SOFTHSM2_CONF` names `conf`.
pub fn env_names(conf: &Path) -> bool {
    std::env::var_os(CONF_ENV)
        .and_then(|value| std::path::absolute(PathBuf::from(value)).ok())
        .is_some_and(|value| value == conf)
}

/// Replaces this process with itself, same arguments, `SOFTHSM2_CONF` set
/// to `conf`. Returns only on failure.
pub fn restart_with_conf(conf: &Path) -> CaError {
    if std::env::var_os(RESTARTED_ENV).is_some() {
        return CaError::Embedded(format!(
            "restarted with {CONF_ENV}={} but the variable does not reach the process",
            conf.display()
        ));
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return CaError::Embedded(format!("cannot find the running executable: {e}")),
    };
    let err = std::os::unix::process::CommandExt::exec(
        Command::new(&exe)
            .args(std::env::args_os().skip(1))
            .env(CONF_ENV, conf)
            .env(RESTARTED_ENV, "1"),
    );
    CaError::Embedded(format!(
        "cannot restart {} with {CONF_ENV} set: {err}",
        exe.display()
    ))
}

/// The token `label` in the SoftHSM2 configuration `SOFTHSM2_CONF` names,
/// created if missing (see [`ensure_token`]). Tests use this: the
/// workspace's `.cargo/config.toml` points the variable at
/// `target/softhsm/softhsm2.conf`.
pub fn token_from_env(label: &str) -> Result<TokenConfig, CaError> {
    let conf = std::env::var_os(CONF_ENV).ok_or_else(|| {
        CaError::Embedded(format!(
            "{CONF_ENV} is not set (run through cargo: the workspace's .cargo/config.toml sets it)"
        ))
    })?;
    let conf = std::path::absolute(PathBuf::from(conf))
        .map_err(|e| CaError::Embedded(format!("cannot resolve {CONF_ENV}: {e}")))?;
    ensure_token(&conf, label)
}

/// Makes sure the SoftHSM2 configuration `conf` exists (token files in
/// `tokens/` beside it) and holds an initialised token `label` whose user
/// PIN is in `<label>.pin` (mode 0600) beside it. Idempotent; threads and
/// processes calling it at once take turns on a lock file.
pub fn ensure_token(conf: &Path, label: &str) -> Result<TokenConfig, CaError> {
    if !Path::new(SOFTHSM2_MODULE).is_file() {
        return Err(CaError::Embedded(format!(
            "SoftHSM2 is not installed ({SOFTHSM2_MODULE} is missing): install the Debian package softhsm2 (cargo xtask run/test do), or give --pkcs11-module"
        )));
    }
    let dir = conf
        .parent()
        .ok_or_else(|| CaError::Embedded(format!("{} has no directory", conf.display())))?;
    let io = |what: &str, path: &Path| {
        let what = format!("cannot {what} {}", path.display());
        move |e: std::io::Error| CaError::Embedded(format!("{what}: {e}"))
    };
    let tokens = dir.join("tokens");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&tokens)
        .map_err(io("create", &tokens))?;
    let lock_path = dir.join(".lock");
    let lock = File::create(&lock_path).map_err(io("create", &lock_path))?;
    lock.lock().map_err(io("lock", &lock_path))?;

    hsm::softhsm::ensure_conf(conf).map_err(io("write", conf))?;

    let config = TokenConfig {
        module: PathBuf::from(SOFTHSM2_MODULE),
        token_label: label.to_owned(),
        pin_file: dir.join(format!("{label}.pin")),
    };
    // The PIN file appears only once its token is initialised, so it marks
    // the token: asking SoftHSM2 instead is unreliable while another process
    // is writing to the token's files.
    if config.pin_file.is_file() {
        return Ok(config);
    }
    if has_token(conf, label)? {
        return Err(CaError::Embedded(format!(
            "token {label:?} exists in {} but its PIN file {} is gone; remove {} to start over (its mesh roots are lost)",
            tokens.display(),
            config.pin_file.display(),
            tokens.display()
        )));
    }
    let pin = hex::encode(rand::random::<[u8; 16]>());
    let so_pin = hex::encode(rand::random::<[u8; 16]>());
    let partial = dir.join(format!("{label}.pin.partial"));
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)
        .map_err(io("create", &partial))?;
    writeln!(file, "{pin}").map_err(io("write", &partial))?;
    // The PINs are on the command line for a moment: softhsm2-util reads
    // them from a terminal otherwise. This is the local embedded token.
    softhsm2_util(
        conf,
        &[
            "--init-token",
            "--free",
            "--label",
            label,
            "--pin",
            &pin,
            "--so-pin",
            &so_pin,
        ],
    )?;
    std::fs::rename(&partial, &config.pin_file).map_err(io("write", &config.pin_file))?;
    Ok(config)
}

/// Whether the configuration `conf` has an initialised token `label`.
fn has_token(conf: &Path, label: &str) -> Result<bool, CaError> {
    let slots = softhsm2_util(conf, &["--show-slots"])?;
    Ok(slots.lines().any(|line| {
        line.trim()
            .strip_prefix("Label:")
            .is_some_and(|l| l.trim() == label)
    }))
}

fn softhsm2_util(conf: &Path, args: &[&str]) -> Result<String, CaError> {
    let out = Command::new("softhsm2-util")
        .args(args)
        .env(CONF_ENV, conf)
        .output()
        .map_err(|e| CaError::Embedded(format!("cannot run softhsm2-util: {e}")))?;
    if !out.status.success() {
        return Err(CaError::Embedded(format!(
            "softhsm2-util {} failed ({}): {}",
            args.first().copied().unwrap_or_default(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
