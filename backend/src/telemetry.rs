//! Structured logs: `RUST_LOG` decides the level, `info` by default.

use tracing_subscriber::EnvFilter;

/// Installs the global log subscriber; later calls are no-ops.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true)
        // Standard output is the subcommands' result (a generated
        // password, a checkpoint): logs must not mix into it.
        .with_writer(std::io::stderr)
        .try_init();
}
