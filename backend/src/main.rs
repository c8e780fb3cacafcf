//! The `meshdeck` binary: parse the command line, build the state, serve.

use backend::config::Config;
use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    backend::telemetry::init();
    match backend::serve(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "meshdeck stopped");
            eprintln!("meshdeck: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
