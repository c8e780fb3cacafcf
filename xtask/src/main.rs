//! The README's two commands.
//!
//! - `cargo xtask run [--listen ADDR] [backend options…]`: install what is
//!   missing, build the console in release mode, start the local OpenBao
//!   (unless `--vault-addr` names another) and the backend on the embedded
//!   sandbox fleet, and print the URL to open.
//! - `cargo xtask test`: install what is missing, then formatting, clippy
//!   (host and wasm32), host tests (the metrics scraped by Debian's
//!   Prometheus among them), the wasm32 test of the shared ingress
//!   logic (under node), the backend suite again on a throwaway PostgreSQL,
//!   the release SPA build and the real-browser journeys.
//! - `cargo xtask console`: only build the console into `dist/` (what the
//!   container image's build stage runs).

mod oidc;
mod postgres;
mod prometheus;
mod shell;
mod tools;
mod vault;

use std::process::ExitCode;

use shell::{Shell, Step};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next();
    let rest: Vec<String> = args.collect();
    let result = match command.as_deref() {
        Some("run") => run(&rest),
        Some("test") => test(&rest),
        // The console alone, into dist/ (the container image's build stage).
        Some("console") => Shell::new().and_then(|sh| {
            tools::ensure_build_tools(&sh)?;
            build_spa(&sh)
        }),
        _ => {
            eprintln!(
                "usage: cargo xtask run [--listen ADDR] | cargo xtask test | cargo xtask console"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("\nxtask: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(backend_args: &[String]) -> Result<(), String> {
    let sh = Shell::new()?;
    tools::ensure_build_tools(&sh)?;
    tools::ensure_softhsm(&sh)?;
    let own_vault = option_value(backend_args, "--vault-addr").is_some()
        || std::env::var_os("MESHDECK_VAULT_ADDR").is_some();
    let bao = if own_vault {
        None
    } else {
        Some(tools::ensure_bao(&sh)?)
    };
    build_spa(&sh)?;
    sh.step(Step::new("build the backend (release)").cargo([
        "build",
        "--release",
        "--locked",
        "-p",
        "meshdeck-backend",
    ]))?;
    let binary = sh.root.join("target/release/meshdeck");
    let mut args = vec![
        "--sandbox".to_owned(),
        "--dist".to_owned(),
        sh.root.join("dist").display().to_string(),
    ];
    let state_dir = match option_value(backend_args, "--state-dir") {
        Some(dir) => sh.root.join(dir),
        None => {
            let dir = sh.root.join(".state");
            args.push("--state-dir".into());
            args.push(dir.display().to_string());
            dir
        }
    };
    // Alive past the exec: the server stays in the console's process
    // group, so Ctrl-C stops both.
    let vault = match &bao {
        Some(bao) => {
            let vault = vault::start_local_vault(&sh, bao, &state_dir)?;
            eprintln!(
                "xtask: local OpenBao at {} (log: {})",
                vault.addr,
                state_dir.join("vault/server.log").display()
            );
            args.push("--vault-addr".into());
            args.push(vault.addr.clone());
            args.push("--vault-token-file".into());
            args.push(vault.token_file.display().to_string());
            Some(vault)
        }
        None => None,
    };
    args.extend(backend_args.iter().cloned());
    // SoftHSM2 finds the embedded token (which the backend creates at its
    // first start) only through this variable. A token of one's own
    // (--pkcs11-module) keeps its own configuration.
    let own_token = option_value(backend_args, "--pkcs11-module").is_some()
        || std::env::var_os("MESHDECK_PKCS11_MODULE").is_some();
    let mut env = Vec::new();
    if !own_token {
        let conf = state_dir.join("softhsm").join("softhsm2.conf");
        env.push(("SOFTHSM2_CONF", conf.display().to_string()));
    }
    let exec_failed = sh.exec(&binary, &args, &env);
    if let Some(vault) = vault {
        vault.stop()?;
    }
    exec_failed
}

/// The value of `--name VALUE` or `--name=VALUE` among `args`.
fn option_value<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().enumerate().find_map(|(i, arg)| {
        if arg == name {
            args.get(i + 1).map(String::as_str)
        } else {
            arg.strip_prefix(name)?.strip_prefix('=')
        }
    })
}

fn test(extra: &[String]) -> Result<(), String> {
    if let Some(arg) = extra.first() {
        return Err(format!(
            "`cargo xtask test` takes no arguments (got {arg:?})"
        ));
    }
    let sh = Shell::new()?;
    tools::ensure_build_tools(&sh)?;
    tools::ensure_browser(&sh)?;
    tools::ensure_softhsm(&sh)?;
    let kubectl = tools::ensure_kubectl(&sh)?;
    let bao = tools::ensure_bao(&sh)?.display().to_string();
    let postgres_bin = tools::ensure_postgres(&sh)?;
    let openapi_validator = tools::ensure_openapi_validator(&sh)?.display().to_string();
    let [prometheus, promtool] = prometheus::ensure_prometheus(&sh)?.env();
    let oidc_provider = oidc::ensure_oidc_provider(&sh)?.display().to_string();
    sh.step(Step::new("formatting").cargo(["fmt", "--all", "--check"]))?;
    sh.step(Step::new("clippy (host)").cargo([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;
    sh.step(Step::new("clippy (wasm32: shared, frontend)").cargo([
        "clippy",
        "-p",
        "meshdeck-shared",
        "-p",
        "meshdeck-frontend",
        "--target",
        "wasm32-unknown-unknown",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;
    sh.step(
        Step::new("host tests (the sandbox judged by kubectl and kube)")
            .cargo([
                "test",
                "--workspace",
                "--exclude",
                "meshdeck-e2e",
                "--locked",
            ])
            .env("MESHDECK_KUBECTL", kubectl.display().to_string())
            .env("MESHDECK_BAO", bao.clone())
            .env("MESHDECK_OPENAPI_VALIDATOR", openapi_validator.clone())
            .env(prometheus.0, prometheus.1.clone())
            .env(promtool.0, promtool.1.clone())
            .env("MESHDECK_OIDC_PROVIDER", oidc_provider.clone()),
    )?;
    sh.step(
        Step::new("wasm32 test of the shared ingress logic (node)")
            .cargo([
                "test",
                "-p",
                "meshdeck-shared",
                "--target",
                "wasm32-unknown-unknown",
                "--test",
                "wasm_ingress",
                "--locked",
            ])
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                "wasm-bindgen-test-runner",
            ),
    )?;
    {
        let server = postgres::Postgres::start(&sh, &postgres_bin)?;
        sh.step(
            Step::new("backend suite on PostgreSQL")
                // Same package selection as the host tests, so the api
                // binary they built is reused, not rebuilt with other
                // features.
                .cargo([
                    "test",
                    "--workspace",
                    "--exclude",
                    "meshdeck-e2e",
                    "--test",
                    "api",
                    "--locked",
                ])
                .env("MESHDECK_TEST_DATABASE_URL", server.url.clone())
                .env("MESHDECK_KUBECTL", kubectl.display().to_string())
                .env("MESHDECK_BAO", bao.clone())
                .env("MESHDECK_OPENAPI_VALIDATOR", openapi_validator)
                .env(prometheus.0, prometheus.1)
                .env(promtool.0, promtool.1)
                .env("MESHDECK_OIDC_PROVIDER", oidc_provider.clone()),
        )?;
    }
    build_spa(&sh)?;
    sh.step(
        Step::new("real-browser journeys")
            .cargo(["test", "-p", "meshdeck-e2e", "--locked"])
            .env("MESHDECK_DIST", sh.root.join("dist").display().to_string())
            .env("MESHDECK_BAO", bao)
            .env("MESHDECK_OIDC_PROVIDER", oidc_provider),
    )?;
    eprintln!("\nxtask: all checks passed");
    Ok(())
}

/// Builds the console without Trunk (compiling Trunk costs a fresh machine
/// ~11 minutes): the release wasm, wasm-bindgen, wasm-opt from npm, then
/// `assemble.mjs` lays dist/ out as `trunk build` does and
/// `precompress.mjs` writes the copies the backend serves.
fn build_spa(sh: &Shell) -> Result<(), String> {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| sh.root.join("target"));
    let wasm = target.join("wasm32-unknown-unknown/wasm-release/meshdeck-frontend.wasm");
    let out = target.join("spa");
    let bindgen_wasm = out.join("meshdeck-frontend_bg.wasm");
    let (wasm, out, bindgen_wasm) = (
        wasm.display().to_string(),
        out.display().to_string(),
        bindgen_wasm.display().to_string(),
    );
    sh.step(Step::new("build the console (release wasm)").cargo([
        "build",
        "--locked",
        "-p",
        "meshdeck-frontend",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
    ]))?;
    sh.step(
        Step::new("bind the console to JavaScript (wasm-bindgen)").program(
            "wasm-bindgen",
            [
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                "meshdeck-frontend",
                "--out-dir",
                &out,
                &wasm,
            ],
        ),
    )?;
    sh.step(Step::new("shrink the console (wasm-opt -Oz)").program(
        "wasm-opt",
        ["-Oz", "--output", &bindgen_wasm, &bindgen_wasm],
    ))?;
    sh.step(Step::new("lay the console out in dist/").program(
        "node",
        ["xtask/assemble.mjs", &out, "meshdeck-frontend", "dist"],
    ))?;
    // The backend serves these as they are (brotli q11, gzip -9), never
    // compressing the console per request.
    sh.step(
        Step::new("precompress the console (brotli, gzip)")
            .program("node", ["xtask/precompress.mjs", "dist"]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_read_in_both_spellings() {
        let args: Vec<String> = [
            "--listen",
            "0.0.0.0:80",
            "--state-dir=/srv/md",
            "--pkcs11-module",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(option_value(&args, "--state-dir"), Some("/srv/md"));
        assert_eq!(option_value(&args, "--listen"), Some("0.0.0.0:80"));
        assert_eq!(option_value(&args, "--pkcs11-module"), None);
        assert_eq!(option_value(&args, "--state"), None);
    }
}
