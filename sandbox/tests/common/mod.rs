//! Starting a sandbox fleet for a test, with its kubeconfig on disk.

#![allow(dead_code)]

use std::path::PathBuf;

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
    let dir = std::env::temp_dir().join(format!("meshdeck-sandbox-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut options = FleetOptions::in_memory(clusters);
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
