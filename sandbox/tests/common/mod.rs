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

/// A kube client for `context` of the kubeconfig at `path`.
pub async fn client(path: &Path, context: &str) -> kube::Client {
    let kubeconfig = Kubeconfig::read_from(path).expect("kubeconfig parses");
    let options = KubeConfigOptions {
        context: Some(context.into()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .expect("config");
    kube::Client::try_from(config).expect("client")
}

impl TestFleet {
    pub async fn client(&self, context: &str) -> kube::Client {
        client(&self.kubeconfig, context).await
    }
}
