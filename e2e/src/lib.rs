//! Harness for the real-browser journeys: start the console in-process on a
//! free loopback port, then run a Playwright script (`e2e/journeys/*.mjs`)
//! that drives Debian's Chromium against it.
//!
//! Playwright rather than a Rust WebDriver client because it reports page
//! errors and console messages as events from the first byte (a wasm
//! start-up failure is exactly what must be caught), auto-waits for
//! elements, and takes screenshots without extra plumbing.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use backend::AppState;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The built SPA: `MESHDECK_DIST`, else `<root>/dist`. Panics with the fix if
/// it has not been built, because a journey without the app proves nothing.
pub fn dist_dir() -> PathBuf {
    let dist = std::env::var_os("MESHDECK_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("dist"));
    assert!(
        dist.join("index.html").is_file(),
        "no built console in {}: run `cargo xtask test` (it builds it with trunk first)",
        dist.display()
    );
    dist
}

/// A console served on a free loopback port for the life of the value.
/// Dropping it shuts the runtime, and with it the server, down.
pub struct Console {
    pub url: String,
    _runtime: tokio::runtime::Runtime,
}

impl Console {
    /// Starts the backend on the embedded (sandbox) fleet with the built SPA.
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let dist = dist_dir();
        let addr: SocketAddr = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind a loopback port");
            let addr = listener.local_addr().expect("local address");
            let app = backend::app(AppState::new(dist, true));
            tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            addr
        });
        Self {
            url: format!("http://{addr}"),
            _runtime: runtime,
        }
    }

    /// Runs `e2e/journeys/<journey>.mjs` against this console with `env`
    /// extra variables; screenshots land in `target/e2e/<journey>/`.
    pub fn run_journey(&self, journey: &str, env: &[(&str, String)]) -> JourneyResult {
        let root = workspace_root();
        let out_dir = root.join("target/e2e").join(journey);
        std::fs::create_dir_all(&out_dir).expect("create the journey's output folder");
        let script = root.join("e2e/journeys").join(format!("{journey}.mjs"));
        let mut cmd = Command::new("node");
        cmd.arg(&script)
            .current_dir(&root)
            .env("BASE_URL", &self.url)
            .env("OUT_DIR", &out_dir);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let output = cmd
            .output()
            .expect("run node (installed by `cargo xtask test`)");
        JourneyResult { output, out_dir }
    }
}

/// What a journey printed and where its screenshots are.
pub struct JourneyResult {
    pub output: Output,
    pub out_dir: PathBuf,
}

impl JourneyResult {
    /// Panics with the journey's own report unless it passed.
    pub fn assert_passed(&self) {
        let stdout = String::from_utf8_lossy(&self.output.stdout);
        let stderr = String::from_utf8_lossy(&self.output.stderr);
        eprintln!("{stdout}{stderr}");
        assert!(
            self.output.status.success(),
            "journey failed ({}); screenshots in {}",
            self.output.status,
            self.out_dir.display()
        );
    }
}
