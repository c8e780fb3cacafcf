//! Faults on members: put on the fleet of a running `meshdeck --sandbox`
//! from outside, through the admin endpoint it writes to
//! `sandbox-admin.json`, and seen in the console's `/api/fleet`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use shared::fleet::{Fleet, Reachability};

use crate::support::temp_dir;

const WAIT: Duration = Duration::from_secs(60);

/// One plain HTTP/1.1 exchange; the status and the body as JSON (null
/// when empty or not JSON).
fn http(
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
struct Served {
    child: Child,
    addr: SocketAddr,
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
    let mut child = Command::new(env!("CARGO_BIN_EXE_meshdeck"))
        .args([
            "--sandbox",
            "--listen",
            "127.0.0.1:0",
            "--dist",
            "/nonexistent",
        ])
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
    let (lines, seen) = mpsc::channel();
    // Read to the end, so the console never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut account = None;
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
            account = Some((name, password.trim().to_owned()));
        }
        if let Some(url) = line.strip_prefix("meshdeck is ready: open http://") {
            let addr = url.trim().parse().unwrap();
            let account = account.unwrap_or_else(|| panic!("no account printed:\n{said}"));
            return Served {
                child,
                addr,
                account,
            };
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
