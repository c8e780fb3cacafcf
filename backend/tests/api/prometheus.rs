//! The console scraped by a real Prometheus (Debian's `prometheus`, found
//! through `MESHDECK_PROMETHEUS`), queried through its HTTP API for
//! series it scraped; and the exposition judged by `promtool check
//! metrics` (`MESHDECK_PROMTOOL`). Both are installed by `cargo xtask
//! test`; the test fails, never skips, when they are missing.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use shared::Role;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::metrics::scrape;
use crate::support::{TestConsole, json_request, temp_dir};

const WAIT: Duration = Duration::from_secs(60);

/// The binary `variable` names, else `default`; a clear failure if absent.
fn tool(variable: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(variable).map_or_else(|| PathBuf::from(default), PathBuf::from);
    assert!(
        path.is_file(),
        "{} not found: install Debian's `prometheus` package (`cargo xtask test` does) or set {variable}",
        path.display()
    );
    path
}

/// A Prometheus server started for one test, killed when dropped.
struct Prometheus {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

impl Prometheus {
    /// Starts Prometheus scraping `target`'s `/metrics` every second, with
    /// its configuration and storage in a fresh directory.
    async fn scraping(target: SocketAddr) -> Self {
        let binary = tool("MESHDECK_PROMETHEUS", "/usr/bin/prometheus");
        let dir = temp_dir("prometheus");
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: meshdeck\n    scrape_interval: 1s\n    scrape_timeout: 1s\n    \
                 metrics_path: /metrics\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let log = dir.join("prometheus.log");
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(dir.join("prometheus.err")).unwrap())
            .spawn()
            .unwrap();
        let prometheus = Self {
            child,
            addr,
            log: dir.join("prometheus.err"),
        };
        let deadline = tokio::time::Instant::now() + WAIT;
        while get(addr, "/-/ready").await.map(|(status, _)| status) != Some(200) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "Prometheus never got ready: {}",
                prometheus.log_text()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        prometheus
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The instant vector `query` evaluates to: each series' labels and value.
    async fn query(&self, query: &str) -> Vec<(serde_json::Value, f64)> {
        let path = format!("/api/v1/query?query={}", percent_encode(query));
        let (status, body) = get(self.addr, &path).await.unwrap();
        assert_eq!(status, 200, "{query}: {body}");
        let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(answer["status"], "success", "{answer}");
        answer["data"]["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|series| {
                let value = series["value"][1].as_str().unwrap().parse().unwrap();
                (series["metric"].clone(), value)
            })
            .collect()
    }

    /// Queries until the single series `query` yields has `value`.
    async fn until(&self, query: &str, value: f64) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let result = self.query(query).await;
            if let [(labels, got)] = result.as_slice()
                && *got == value
            {
                return labels.clone();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{query} never gave {value}: {result:?}\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One HTTP/1.0 GET (so the answer is neither chunked nor kept alive):
/// the status and body; `None` when nothing answers.
async fn get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut response))
        .await
        .ok()?
        .ok()?;
    let response = String::from_utf8(response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, body.to_owned()))
}

/// Serves `console` on a loopback port, as `meshdeck` does.
async fn serve(console: &TestConsole) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = backend::app(console.state.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
}

/// `promtool check metrics` on `exposition`: its verdict and what it said.
fn promtool_check(exposition: &str, dir: &Path) -> (bool, String) {
    let promtool = tool("MESHDECK_PROMTOOL", "/usr/bin/promtool");
    let file = dir.join("metrics.txt");
    std::fs::write(&file, exposition).unwrap();
    let output = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(&file).unwrap())
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), said)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_the_console_and_promtool_accepts_the_exposition() {
    let console = TestConsole::with_sandbox().await;
    let manager = console.signed_in("mila", Role::Manager, false).await;
    let refused = console
        .send(json_request(
            Method::PATCH,
            "/api/accounts/olga",
            &serde_json::json!({"role": "operator"}),
            Some(&manager),
        ))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let addr = serve(&console).await;

    // Served over TCP, as Prometheus sees it.
    let (status, exposition) = get(addr, "/metrics").await.unwrap();
    assert_eq!(status, 200);
    let (accepted, said) = promtool_check(&exposition, &temp_dir("promtool"));
    assert!(
        accepted,
        "promtool check metrics refused it: {said}\n{exposition}"
    );
    // promtool can fail: a counter without its _total suffix is refused.
    let (accepted, said) = promtool_check(
        "# HELP meshdeck_bad A counter misnamed.\n# TYPE meshdeck_bad counter\nmeshdeck_bad 1\n",
        &temp_dir("promtool"),
    );
    assert!(!accepted, "{said}");
    // And so is the exposition after a few scrapes and every kind of series.
    let body = scrape(&console).await;
    let (accepted, said) = promtool_check(&body, &temp_dir("promtool"));
    assert!(accepted, "{said}\n{body}");

    let prometheus = Prometheus::scraping(addr).await;
    prometheus.until("up{job=\"meshdeck\"}", 1.0).await;
    let refusals = prometheus
        .until(
            "meshdeck_http_requests_total{route=\"/api/accounts/{name}\",status=\"403\"}",
            1.0,
        )
        .await;
    assert_eq!(refusals["method"], "PATCH", "{refusals}");
    prometheus
        .until("meshdeck_sign_ins_total{outcome=\"success\"}", 1.0)
        .await;
    prometheus
        .until("meshdeck_member_reachable{cluster=\"gke-eu\"}", 1.0)
        .await;
    // Prometheus's own scrapes are counted too, under the route template.
    let scrapes = prometheus
        .query("meshdeck_http_requests_total{route=\"/metrics\",status=\"200\"}")
        .await;
    assert!(
        matches!(scrapes.as_slice(), [(_, n)] if *n >= 1.0),
        "{scrapes:?}"
    );
    // The latency histogram answers a quantile query.
    let quantile = prometheus
        .query(
            "histogram_quantile(0.5, sum by (le) (meshdeck_http_request_duration_seconds_bucket{route=\"/metrics\"}))",
        )
        .await;
    assert!(
        matches!(quantile.as_slice(), [(_, q)] if q.is_finite() && *q > 0.0),
        "{quantile:?}"
    );
}
