//! The persistent local OpenBao that `cargo xtask run` gives the embedded
//! console: istiod's HSM PINs live in it, and the SoftHSM slots they open
//! persist in the state directory, so the Vault must persist beside them.
//!
//! Everything is in `<state-dir>/vault/`: `config.hcl`, the integrated
//! storage in `data/`, `server.log`, `init.json` (unseal key and root
//! token, 0600), `token` (the root token, 0600) and `server.pid`.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::shell::Shell;

/// How long the server may take to answer, and then to become active.
const STARTUP: Duration = Duration::from_secs(20);

/// A running, unsealed server with KV v2 at `secret/`. Dropping it stops
/// the server; `cargo xtask run` never drops it but execs the backend, so
/// the server lives on in the console's process group.
pub struct LocalVault {
    /// `http://127.0.0.1:PORT`
    pub addr: String,
    /// Holds the root token.
    pub token_file: PathBuf,
    pub child: Child,
    port: u16,
}

/// Starts (initialising on first use) and unseals the server whose files
/// are in `<state_dir>/vault`.
pub fn start_local_vault(sh: &Shell, bao: &Path, state_dir: &Path) -> Result<LocalVault, String> {
    let dir = state_dir.join("vault");
    let data = dir.join("data");
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&data)
        .map_err(|e| format!("{}: {e}", data.display()))?;
    stop_stale_server(&dir.join("server.pid"))?;

    let config_path = dir.join("config.hcl");
    let previous = fs::read_to_string(&config_path)
        .ok()
        .and_then(|c| listener_port(&c));
    // Both held until chosen, so they differ.
    let api = free_port(previous)?;
    let cluster = free_port(previous.map(|p| p.wrapping_add(1)))?;
    let (port, cluster_port) = (local_port(&api)?, local_port(&cluster)?);
    drop((api, cluster));
    write_file(&config_path, &config(&data, port, cluster_port), 0o600)?;

    let log_path = dir.join("server.log");
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| format!("{}: {e}", log_path.display()))?;
    let log_err = log
        .try_clone()
        .map_err(|e| format!("{}: {e}", log_path.display()))?;
    let child = bao_command(sh, bao, "", None)
        .arg("server")
        .arg(format!("-config={}", config_path.display()))
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(|e| format!("cannot start {} server: {e}", bao.display()))?;
    write_file(&dir.join("server.pid"), &child.id().to_string(), 0o600)?;
    let addr = format!("http://127.0.0.1:{port}");
    let mut vault = LocalVault {
        addr,
        token_file: dir.join("token"),
        child,
        port,
    };
    let ready = vault.prepare(sh, bao, &dir);
    ready.map_err(|e| format!("local OpenBao ({}): {e}", log_path.display()))?;
    Ok(vault)
}

impl LocalVault {
    /// Initialise (first start), unseal, enable KV v2 (first start) and
    /// write the token file.
    fn prepare(&mut self, sh: &Shell, bao: &Path, dir: &Path) -> Result<(), String> {
        let init_path = dir.join("init.json");
        let mut first = !self.token_file.exists();
        match self.wait_for_health(|_| true)? {
            501 => {
                if init_path.exists() {
                    return Err(format!(
                        "{} exists but the storage in {} is not initialised: remove {} to start over",
                        init_path.display(),
                        dir.join("data").display(),
                        dir.display()
                    ));
                }
                let out = run_bao(
                    sh,
                    bao,
                    &self.addr,
                    None,
                    &[
                        "operator",
                        "init",
                        "-key-shares=1",
                        "-key-threshold=1",
                        "-format=json",
                    ],
                )?;
                write_file(&init_path, &out, 0o600)?;
                first = true;
            }
            _ if !init_path.exists() => {
                return Err(format!(
                    "the server is initialised but {} is missing, so it cannot be unsealed",
                    init_path.display()
                ));
            }
            _ => {}
        }
        let init =
            fs::read_to_string(&init_path).map_err(|e| format!("{}: {e}", init_path.display()))?;
        let key = json_string(&init, "unseal_keys_b64")
            .ok_or_else(|| format!("{} has no unseal key", init_path.display()))?;
        let root_token = json_string(&init, "root_token")
            .ok_or_else(|| format!("{} has no root token", init_path.display()))?;

        if self.wait_for_health(|_| true)? == 503 {
            // Over the API, not `bao operator unseal KEY`, so the key never
            // shows in the process list.
            let body = format!("{{\"key\":\"{key}\"}}");
            match http(self.port, "PUT", "/v1/sys/unseal", Some(&body)) {
                Some((200, _)) => {}
                Some((status, answer)) => {
                    return Err(format!("unseal answered {status}: {answer}"));
                }
                None => return Err("unseal got no answer".into()),
            }
        }
        self.wait_for_health(|status| status == 200)?;

        if first {
            let enabled = run_bao(
                sh,
                bao,
                &self.addr,
                Some(&root_token),
                &["secrets", "enable", "-path=secret", "kv-v2"],
            );
            match enabled {
                Ok(_) => {}
                Err(e) if e.contains("already in use") => {}
                Err(e) => return Err(e),
            }
        }
        write_file(&self.token_file, &root_token, 0o600)
    }

    /// Polls `GET /v1/sys/health` until its status satisfies `done`
    /// (200 ready, 429 standby, 501 not initialised, 503 sealed).
    fn wait_for_health(&mut self, done: impl Fn(u16) -> bool) -> Result<u16, String> {
        let deadline = Instant::now() + STARTUP;
        let mut last = None;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("the server exited ({status})"));
            }
            last = http(self.port, "GET", "/v1/sys/health", None)
                .map(|(status, _)| status)
                .or(last);
            match last {
                Some(status) if done(status) => return Ok(status),
                _ if Instant::now() > deadline => {
                    let seen = last.map_or("no answer".into(), |s| format!("last status {s}"));
                    return Err(format!(
                        "not ready on {} within {} s ({seen})",
                        self.addr,
                        STARTUP.as_secs()
                    ));
                }
                _ => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Stops the server (SIGTERM, then SIGKILL after 10 s) and waits for it.
    pub fn stop(mut self) -> Result<(), String> {
        self.terminate()
    }

    fn terminate(&mut self) -> Result<(), String> {
        if self.child.try_wait().ok().flatten().is_some() {
            return Ok(());
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child
            .kill()
            .and_then(|()| self.child.wait().map(drop))
            .map_err(|e| format!("cannot stop the local OpenBao: {e}"))
    }
}

impl Drop for LocalVault {
    fn drop(&mut self) {
        let _ = self.terminate();
    }
}

/// The server configuration: integrated (raft) storage, since OpenBao 2
/// has no "file" storage, and no mlock setting, which it dropped too.
fn config(data: &Path, port: u16, cluster_port: u16) -> String {
    format!(
        r#"storage "raft" {{
  path    = "{data}"
  node_id = "meshdeck"
}}

listener "tcp" {{
  address         = "127.0.0.1:{port}"
  cluster_address = "127.0.0.1:{cluster_port}"
  tls_disable     = true
}}

api_addr     = "http://127.0.0.1:{port}"
cluster_addr = "http://127.0.0.1:{cluster_port}"
ui           = false
"#,
        data = data.display()
    )
}

/// The API port of an earlier configuration, reused when still free so
/// the address stays the same across restarts.
fn listener_port(config: &str) -> Option<u16> {
    config
        .lines()
        .find_map(|l| l.trim().strip_prefix("api_addr"))
        .and_then(|v| {
            v.trim_start_matches([' ', '='])
                .trim()
                .trim_matches('"')
                .rsplit(':')
                .next()
        })
        .and_then(|p| p.parse().ok())
}

fn free_port(preferred: Option<u16>) -> Result<TcpListener, String> {
    preferred
        .and_then(|port| TcpListener::bind((Ipv4Addr::LOCALHOST, port)).ok())
        .map_or_else(|| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)), Ok)
        .map_err(|e| format!("no free port for OpenBao: {e}"))
}

fn local_port(listener: &TcpListener) -> Result<u16, String> {
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port for OpenBao: {e}"))
}

/// A server left by an earlier run whose console exited without a Ctrl-C
/// still holds the storage: stop it (it is ours: its command line names
/// this directory's config.hcl).
fn stop_stale_server(pid_file: &Path) -> Result<(), String> {
    let Some(pid) = fs::read_to_string(pid_file)
        .ok()
        .and_then(|p| p.trim().parse::<u32>().ok())
    else {
        return Ok(());
    };
    let config = pid_file.with_file_name("config.hcl").display().to_string();
    let cmdline = Path::new("/proc").join(pid.to_string()).join("cmdline");
    let ours = |cmdline: &Path| {
        fs::read(cmdline)
            .map(|c| String::from_utf8_lossy(&c).contains(&config))
            .unwrap_or(false)
    };
    if !ours(&cmdline) {
        return Ok(());
    }
    eprintln!("xtask: stopping the local OpenBao left running by an earlier run (pid {pid})");
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while ours(&cmdline) {
        if Instant::now() > deadline {
            return Err(format!(
                "the earlier local OpenBao (pid {pid}) did not stop within 10 s"
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// `bao` with this server's address and, when given, a token; the
/// caller's own BAO_/VAULT_ settings must not leak in.
fn bao_command(sh: &Shell, bao: &Path, addr: &str, token: Option<&str>) -> Command {
    let mut cmd = sh.command(&bao.display().to_string());
    for key in [
        "BAO_TOKEN",
        "VAULT_TOKEN",
        "BAO_NAMESPACE",
        "VAULT_NAMESPACE",
        "VAULT_ADDR",
    ] {
        cmd.env_remove(key);
    }
    if !addr.is_empty() {
        cmd.env("BAO_ADDR", addr);
    }
    if let Some(token) = token {
        cmd.env("BAO_TOKEN", token);
    }
    cmd
}

/// Runs a `bao` command against the server; its stdout, or its stderr as
/// the error.
fn run_bao(
    sh: &Shell,
    bao: &Path,
    addr: &str,
    token: Option<&str>,
    args: &[&str],
) -> Result<String, String> {
    let out = bao_command(sh, bao, addr, token)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bao.display()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "bao {} failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// One plain HTTP/1.0 request to the server on loopback: status and body.
fn http(port: u16, method: &str, path: &str, body: Option<&str>) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    Some((status, body))
}

/// The first string value under `key` in `bao operator init -format=json`
/// output (a string, or the first element of an array of strings). Its
/// values are base64 and tokens, never escaped.
fn json_string(json: &str, key: &str) -> Option<String> {
    let after_key = json.split_once(&format!("\"{key}\""))?.1;
    let value = after_key.trim_start().strip_prefix(':')?.trim_start();
    let value = value
        .strip_prefix('[')
        .map_or(value, str::trim_start)
        .strip_prefix('"')?;
    let end = value.find('"')?;
    Some(value[..end].to_owned())
}

fn write_file(path: &Path, contents: &str, mode: u32) -> Result<(), String> {
    let mut file: File = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(contents.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    // `mode` applies only to a new file; an older one may be wider.
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `MESHDECK_BAO`, else the binary `cargo xtask test` installs.
    fn bao_binary() -> Option<PathBuf> {
        let path = std::env::var_os("MESHDECK_BAO")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tools/openbao-venv/bin/bao")
            });
        path.is_file().then_some(path)
    }

    fn kv(sh: &Shell, bao: &Path, vault: &LocalVault, args: &[&str]) -> String {
        let token = fs::read_to_string(&vault.token_file).unwrap();
        run_bao(sh, bao, &vault.addr, Some(&token), args).unwrap()
    }

    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::MetadataExt;
        fs::metadata(path).unwrap().mode() & 0o777
    }

    #[test]
    fn secrets_survive_a_restart_of_the_local_vault() {
        let Some(bao) = bao_binary() else {
            eprintln!(
                "skipped: no bao binary (set MESHDECK_BAO or run `cargo xtask test` once to install it)"
            );
            return;
        };
        let sh = Shell::new().unwrap();
        let state = std::env::temp_dir().join(format!("xtask-vault-{}", std::process::id()));
        let _ = fs::remove_dir_all(&state);

        let vault = start_local_vault(&sh, &bao, &state).unwrap();
        let dir = state.join("vault");
        assert_eq!(mode(&dir.join("init.json")), 0o600);
        assert_eq!(mode(&vault.token_file), 0o600);
        kv(
            &sh,
            &bao,
            &vault,
            &["kv", "put", "secret/asm-eu/hsm", "pin=4711"],
        );
        let (pid, addr) = (vault.child.id(), vault.addr.clone());
        vault.stop().unwrap();
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists(),
            "server still running"
        );

        let vault = start_local_vault(&sh, &bao, &state).unwrap();
        assert_eq!(vault.addr, addr, "the free port is reused");
        let pin = kv(
            &sh,
            &bao,
            &vault,
            &["kv", "get", "-field=pin", "secret/asm-eu/hsm"],
        );
        assert_eq!(pin.trim(), "4711");
        let missing = run_bao(
            &sh,
            &bao,
            &vault.addr,
            Some(&fs::read_to_string(&vault.token_file).unwrap()),
            &["kv", "get", "secret/asm-eu/none"],
        );
        assert!(missing.is_err(), "{missing:?}");
        vault.stop().unwrap();
        fs::remove_dir_all(&state).unwrap();
    }

    #[test]
    fn a_stale_server_of_the_same_directory_is_stopped_first() {
        let Some(bao) = bao_binary() else {
            eprintln!("skipped: no bao binary");
            return;
        };
        let sh = Shell::new().unwrap();
        let state = std::env::temp_dir().join(format!("xtask-vault-stale-{}", std::process::id()));
        let _ = fs::remove_dir_all(&state);
        let first = start_local_vault(&sh, &bao, &state).unwrap();
        let stale_pid = first.child.id();
        // As when `cargo xtask run` exec'd a console that then exited.
        std::mem::forget(first);
        let second = start_local_vault(&sh, &bao, &state).unwrap();
        let cmdline = fs::read(format!("/proc/{stale_pid}/cmdline")).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&cmdline).contains("config.hcl"),
            "the stale server is still running"
        );
        assert_ne!(second.child.id(), stale_pid);
        second.stop().unwrap();
        fs::remove_dir_all(&state).unwrap();
    }

    #[test]
    fn reads_init_output_and_an_earlier_port() {
        let init = r#"{
  "unseal_keys_b64": [
    "UQRDz3oupXScPRmLvyBM+JAjZCt7LfXnaoMlsMX1T8I="
  ],
  "unseal_keys_hex": ["5104"],
  "recovery_keys_b64": null,
  "root_token": "s.YG1SaNqkdOFtqDDAonQSnKaT"
}"#;
        assert_eq!(
            json_string(init, "unseal_keys_b64").as_deref(),
            Some("UQRDz3oupXScPRmLvyBM+JAjZCt7LfXnaoMlsMX1T8I=")
        );
        assert_eq!(
            json_string(init, "root_token").as_deref(),
            Some("s.YG1SaNqkdOFtqDDAonQSnKaT")
        );
        assert_eq!(json_string(init, "recovery_keys_b64"), None);
        assert_eq!(json_string(init, "nothing"), None);
        let written = config(Path::new("/s/vault/data"), 18299, 18300);
        assert_eq!(listener_port(&written), Some(18299));
        assert_eq!(listener_port("ui = false"), None);
    }
}
