//! Starting a sandbox fleet for a test, with its kubeconfig on disk.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use kube::config::{KubeConfigOptions, Kubeconfig};

use sandbox::{Fleet, FleetOptions};

pub struct TestFleet {
    pub fleet: Fleet,
    pub dir: PathBuf,
    pub kubeconfig: PathBuf,
}

impl Drop for TestFleet {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A fleet of `clusters` with state in a fresh temporary directory.
pub async fn start(test: &str, clusters: &[&str]) -> TestFleet {
    start_with(test, FleetOptions::in_memory(clusters)).await
}

/// A fleet from `options`, with state in a fresh temporary directory.
pub async fn start_with(test: &str, mut options: FleetOptions) -> TestFleet {
    let dir = std::env::temp_dir().join(format!("meshdeck-sandbox-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    options.state_dir = Some(dir.join("state"));
    let fleet = Fleet::start(options).await.expect("fleet starts");
    let kubeconfig = dir.join("kubeconfig");
    fleet
        .write_kubeconfig(&kubeconfig)
        .expect("kubeconfig written");
    TestFleet {
        fleet,
        dir,
        kubeconfig,
    }
}

/// A kube client for `context` of the kubeconfig at `path`.
pub async fn client(path: &Path, context: &str) -> kube::Client {
    kube::Client::try_from(config(path, context).await).expect("client")
}

/// The kube client configuration for `context` of the kubeconfig at `path`.
pub async fn config(path: &Path, context: &str) -> kube::Config {
    let kubeconfig = Kubeconfig::read_from(path).expect("kubeconfig parses");
    let options = KubeConfigOptions {
        context: Some(context.into()),
        ..Default::default()
    };
    kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .expect("config")
}

impl TestFleet {
    pub async fn client(&self, context: &str) -> kube::Client {
        client(&self.kubeconfig, context).await
    }

    /// A client that reports a 503 at once instead of retrying it.
    pub async fn client_without_retries(&self, context: &str) -> kube::Client {
        let mut config = config(&self.kubeconfig, context).await;
        config.default_retry = false;
        kube::Client::try_from(config).expect("client")
    }
}

/// One request to a fleet's admin endpoint: the status code and the JSON
/// body (`Null` when there is none).
pub async fn admin(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, serde_json::Value) {
    admin_with(addr, method, path, &[], body).await
}

/// [`admin`] with `headers` besides; a `host` among them replaces the
/// endpoint's own address.
pub async fn admin_with(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, serde_json::Value) {
    let own_host = format!("{addr}");
    let host = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("host"))
        .map_or(own_host.as_str(), |(_, value)| value);
    let extra: String = headers
        .iter()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("host"))
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {host}\r\n{extra}connection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    // Blocking std I/O on a blocking thread: the tests' tokio has no io-util.
    let response = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(addr).expect("admin endpoint answers");
        stream.write_all(request.as_bytes()).expect("sent");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("response read");
        response
    })
    .await
    .expect("request thread");
    let (head, body) = response.split_once("\r\n\r\n").expect("a response head");
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    let value = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
    (code, value)
}

/// Whether `err`, or an error it was caused by, is an I/O error of `kind`.
pub fn caused_by_io(err: &(dyn std::error::Error + 'static), kind: std::io::ErrorKind) -> bool {
    let mut next = Some(err);
    while let Some(e) = next {
        if e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == kind)
        {
            return true;
        }
        next = e.source();
    }
    false
}
