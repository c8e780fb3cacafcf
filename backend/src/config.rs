//! Command-line options, each with an environment-variable fallback.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// meshdeck: a console for service meshes and multi-cluster ingress across a
/// fleet of Kubernetes clusters.
#[derive(Debug, Clone, Parser)]
#[command(name = "meshdeck", version)]
pub struct Config {
    /// Address the console listens on.
    #[arg(long, env = "MESHDECK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Kubeconfig whose contexts are the fleet's member clusters.
    #[arg(long, env = "MESHDECK_KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,

    /// Directory for the console's own durable data (and the sandbox's).
    #[arg(long, env = "MESHDECK_STATE_DIR", default_value = ".state")]
    pub state_dir: PathBuf,

    /// Run on the embedded sandbox fleet instead of real clusters.
    #[arg(long, env = "MESHDECK_SANDBOX")]
    pub sandbox: bool,

    /// Directory holding the built single-page app (Trunk's output).
    #[arg(long, env = "MESHDECK_DIST", default_value = "dist")]
    pub dist: PathBuf,
}
