//! Faults on members: put on the fleet of a running `meshdeck --sandbox`
//! from outside, through the admin endpoint it writes to
//! `sandbox-admin.json`, and seen in the console's `/api/fleet`; a member
//! whose requests time out shown degraded, and fleet-wide reads answering
//! without it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use sandbox::faults::Fault;
use shared::Role;
use shared::csr::TrustInventory;
use shared::fleet::{Fleet, Reachability};

use crate::support::{Session, TestConsole, body_json, temp_dir};

const WAIT: Duration = Duration::from_secs(60);

/// One plain HTTP/1.1 exchange; the status and the body as JSON (null
/// when empty or not JSON).
pub(crate) fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, serde_json::Value, String) {
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\n{extra}connection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let json = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
    (status, json, head.to_owned())
}

/// A console serving the embedded sandbox fleet, killed when dropped.
pub(crate) struct Served {
    child: Child,
    pub(crate) addr: SocketAddr,
    /// Where it serves the metrics with `--metrics-listen`.
    pub(crate) metrics: Option<SocketAddr>,
    /// Name and password of an account made at first start.
    account: (String, String),
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `meshdeck --sandbox` on `state` and waits until it is ready.
fn serve_sandbox(state: &Path) -> Served {
    serve_sandbox_with(state, &[])
}

/// [`serve_sandbox`] with more arguments.
pub(crate) fn serve_sandbox_with(state: &Path, args: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_meshdeck"))
        .args([
            "--sandbox",
            "--listen",
            "127.0.0.1:0",
            "--dist",
            "/nonexistent",
        ])
        .args(args)
        .arg("--state-dir")
        .arg(state)
        .env("RUST_LOG", "warn")
        // The console makes its own token in the state dir, as for users.
        .env_remove("SOFTHSM2_CONF")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    // Killed if it never gets ready, too.
    let mut served = Served {
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        metrics: None,
        account: Default::default(),
    };
    let (lines, seen) = mpsc::channel();
    // Read to the end, so the console never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut printed = false;
    let mut said = String::new();
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = seen
            .recv_timeout(left)
            .unwrap_or_else(|e| panic!("not ready ({e}); said:\n{said}"));
        said.push_str(&line);
        said.push('\n');
        if let Some((name, password)) = line.split_once(" password: ") {
            let name = name.split_whitespace().next().unwrap().to_owned();
            served.account = (name, password.trim().to_owned());
            printed = true;
        }
        if let Some(url) = line.strip_prefix("metrics: http://") {
            served.metrics = url.trim().trim_end_matches("/metrics").parse().ok();
        }
        if let Some(url) = line.strip_prefix("meshdeck is ready: open http://") {
            assert!(printed, "no account printed:\n{said}");
            served.addr = url.trim().parse().unwrap();
            return served;
        }
    }
}

impl Served {
    /// Signs the printed account in; its session cookie.
    fn sign_in(&self) -> String {
        let (name, password) = &self.account;
        let body = serde_json::json!({"name": name, "password": password}).to_string();
        let (status, _, head) = http(self.addr, "POST", "/api/session", &[], &body);
        assert_eq!(status, 200, "{head}");
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
            .find_map(|(_, v)| v.trim().strip_prefix("meshdeck_session="))
            .map(|rest| rest.split(';').next().unwrap().to_owned())
            .unwrap()
    }

    /// Polls `/api/fleet` until `done` holds for `member`.
    fn member_when(
        &self,
        cookie: &str,
        member: &str,
        done: impl Fn(&Reachability) -> bool,
    ) -> Reachability {
        let cookie = format!("meshdeck_session={cookie}");
        let deadline = Instant::now() + WAIT;
        loop {
            let (status, body, _) = http(
                self.addr,
                "GET",
                "/api/fleet",
                &[("cookie", cookie.as_str())],
                "",
            );
            assert_eq!(status, 200);
            let fleet: Fleet = serde_json::from_value(body).unwrap();
            let reach = fleet.cluster(member).unwrap().reachability.clone();
            if done(&reach) {
                return reach;
            }
            assert!(Instant::now() < deadline, "{member}: {reach:?}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

#[test]
fn the_console_fleet_takes_faults_through_its_admin_endpoint() {
    let state = temp_dir("sandbox-admin");
    let console = serve_sandbox(&state);
    let written = std::fs::read_to_string(state.join("sandbox").join("sandbox-admin.json"))
        .expect("the embedded fleet writes sandbox-admin.json");
    let written: serde_json::Value = serde_json::from_str(&written).unwrap();
    let url = written["admin"].as_str().unwrap();
    let admin: SocketAddr = url.strip_prefix("http://").unwrap().parse().unwrap();
    assert!(admin.ip().is_loopback(), "{url}");

    let cookie = console.sign_in();
    console.member_when(&cookie, "gke-eu", Reachability::is_reachable);

    let (status, set, _) = http(
        admin,
        "PUT",
        "/clusters/gke-eu/faults",
        &[],
        r#"{"unreachable":true}"#,
    );
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["faults"]["unreachable"], true);
    let down = console.member_when(&cookie, "gke-eu", |r| {
        matches!(r, Reachability::Unreachable { .. })
    });
    assert!(!down.error().unwrap().is_empty(), "{down:?}");

    // Still guarded: a cross-origin request is refused.
    let (status, _, _) = http(
        admin,
        "DELETE",
        "/clusters/gke-eu/faults",
        &[("origin", "http://evil.example")],
        "",
    );
    assert_eq!(status, 403);

    let (status, _, _) = http(admin, "DELETE", "/clusters/gke-eu/faults", &[], "");
    assert_eq!(status, 200);
    console.member_when(&cookie, "gke-eu", Reachability::is_reachable);
}

/// `--call-timeout` bounds every request to a member: with it at 2 s and
/// gke-eu answering after 30 s, the trust inventory names gke-eu as not
/// answering within 2 s, and the other members answer.
#[test]
fn the_call_timeout_is_configured_on_the_command_line() {
    let state = temp_dir("call-timeout");
    let console = serve_sandbox_with(&state, &["--call-timeout", "2"]);
    let written =
        std::fs::read_to_string(state.join("sandbox").join("sandbox-admin.json")).unwrap();
    let written: serde_json::Value = serde_json::from_str(&written).unwrap();
    let admin: SocketAddr = written["admin"]
        .as_str()
        .unwrap()
        .strip_prefix("http://")
        .unwrap()
        .parse()
        .unwrap();
    let cookie = console.sign_in();
    console.member_when(&cookie, "gke-eu", Reachability::is_reachable);
    let (status, set, _) = http(
        admin,
        "PUT",
        "/clusters/gke-eu/faults",
        &[],
        r#"{"latencyMs":30000}"#,
    );
    assert_eq!(status, 200, "{set}");
    let cookie_header = format!("meshdeck_session={cookie}");
    let (status, body, _) = http(
        console.addr,
        "GET",
        shared::routes::TRUST,
        &[("cookie", cookie_header.as_str())],
        "",
    );
    assert_eq!(status, 200, "{body}");
    let inventory: TrustInventory = serde_json::from_value(body).unwrap();
    for entry in &inventory.clusters {
        let why = entry.error.as_deref().unwrap_or_default();
        if entry.cluster == "gke-eu" {
            assert!(
                why.ends_with("no answer within 2 s") || why.contains("timed out"),
                "{why}"
            );
        } else {
            assert_eq!(entry.error, None, "{}", entry.cluster);
        }
    }
    let (status, _, _) = http(admin, "DELETE", "/clusters/gke-eu/faults", &[], "");
    assert_eq!(status, 200);
}

/// Polls the in-process console's `/api/fleet` until `done` holds for
/// `member`.
async fn reachability_when(
    console: &TestConsole,
    session: &Session,
    member: &str,
    done: impl Fn(&Reachability) -> bool,
) -> (Reachability, Fleet) {
    let deadline = Instant::now() + WAIT;
    loop {
        let response = console.get_as("/api/fleet", Some(session)).await;
        assert_eq!(response.status(), StatusCode::OK);
        let fleet: Fleet = serde_json::from_value(body_json(response).await).unwrap();
        let reach = fleet.cluster(member).unwrap().reachability.clone();
        if done(&reach) {
            return (reach, fleet);
        }
        assert!(Instant::now() < deadline, "{member}: {reach:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Two members answer nothing for 30 s: each is shown degraded, with why,
/// and the trust inventory answers once, within the request bound, naming
/// them (asked one after another, it took that bound per slow member).
#[tokio::test]
async fn members_whose_requests_time_out_are_degraded_and_fleet_reads_go_on_without_them() {
    const SLOW: [&str; 2] = ["gke-asia-1", "gke-us"];
    let console = TestConsole::with_sandbox().await;
    let manager = console.signed_in("mia", Role::Manager, false).await;
    for member in SLOW {
        reachability_when(&console, &manager, member, Reachability::is_reachable).await;
    }
    let sandbox = console.sandbox.as_ref().unwrap();
    let faults: Vec<_> = SLOW
        .iter()
        .map(|m| sandbox.cluster(m).unwrap().faults())
        .collect();
    for f in &faults {
        f.set(Fault::Latency(Duration::from_secs(30)));
        f.applied().await;
    }
    let slowed = Instant::now();

    let response = console.get_as(shared::routes::TRUST, Some(&manager)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let inventory: TrustInventory = serde_json::from_value(body_json(response).await).unwrap();
    let took = slowed.elapsed();
    assert!(took < Duration::from_secs(15), "took {took:?}");
    assert_eq!(inventory.clusters.len(), sandbox.members.len());
    for entry in &inventory.clusters {
        if SLOW.contains(&entry.cluster.as_str()) {
            let why = entry.error.as_deref().unwrap_or_default();
            assert!(
                why.ends_with("no answer within 10 s") || why.contains("timed out"),
                "{}: {why}",
                entry.cluster
            );
        } else {
            assert_eq!(entry.error, None, "{}", entry.cluster);
        }
    }

    // The watch's check times out: degraded, with why, within a few checks.
    for member in SLOW {
        let (reach, fleet) = reachability_when(&console, &manager, member, |r| {
            matches!(r, Reachability::Degraded { .. })
        })
        .await;
        assert!(
            reach
                .error()
                .unwrap()
                .starts_with("requests time out (no answer within "),
            "{reach:?}"
        );
        assert!(
            fleet
                .clusters
                .iter()
                .filter(|c| !SLOW.contains(&c.name().as_str()))
                .all(|c| c.reachability.is_reachable()),
            "the others stay reachable: {fleet:#?}"
        );
    }
    // Still degraded checks later, not flapping back.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for member in SLOW {
        let (reach, _) = reachability_when(&console, &manager, member, |_| true).await;
        assert!(matches!(reach, Reachability::Degraded { .. }), "{reach:?}");
    }

    for f in &faults {
        f.restore();
        f.applied().await;
    }
    for member in SLOW {
        reachability_when(&console, &manager, member, Reachability::is_reachable).await;
    }
}
