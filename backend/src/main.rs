//! The `meshdeck` binary: parse the command line, then serve or run a
//! maintenance subcommand.

use backend::config::Cli;
use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    backend::telemetry::init();
    let result = match cli.command {
        None => match backend::ensure_token_environment(&cli.config) {
            Ok(()) => backend::serve(cli.config).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        },
        Some(command) => backend::cli::run(&cli.config, command)
            .await
            .map_err(|e| e.to_string()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "meshdeck stopped");
            eprintln!("meshdeck: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
