//! `meshdeck-sandbox`: runs the sandbox fleet on its own, writes a
//! kubeconfig for it and says how to use it.

use std::path::PathBuf;
use std::process::ExitCode;

use sandbox::scenario::Scenario;
use sandbox::{Fleet, FleetOptions};

const USAGE: &str =
    "usage: meshdeck-sandbox [--state-dir DIR] [--clusters a,b,c] [--kubeconfig PATH]

  --state-dir DIR    keep cluster state, CA, tokens and ports in DIR (default: .meshdeck/sandbox)
  --clusters LIST    comma-separated cluster (and context) names
  --kubeconfig PATH  where to write the kubeconfig (default: DIR/kubeconfig)";

struct Args {
    state_dir: PathBuf,
    scenario: Option<PathBuf>,
    clusters: Vec<String>,
    kubeconfig: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        state_dir: PathBuf::from(".state/sandbox"),
        scenario: None,
        clusters: Vec::new(),
        kubeconfig: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--state-dir" => args.state_dir = PathBuf::from(value()?),
            "--clusters" => args.clusters = split(&value()?),
            "--scenario" => args.scenario = Some(PathBuf::from(value()?)),
            "--kubeconfig" => args.kubeconfig = Some(PathBuf::from(value()?)),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if args.scenario.is_some() && !args.clusters.is_empty() {
        return Err("give --scenario or --clusters, not both".into());
    }
    Ok(args)
}

fn split(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[expect(clippy::print_stdout, reason = "a command-line tool's output")]
#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("meshdeck-sandbox: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let options = if args.clusters.is_empty() {
        let scenario = match &args.scenario {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))
                .and_then(|text| {
                    Scenario::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
                }),
            None => Ok(Scenario::default_fleet()),
        };
        match scenario {
            Ok(scenario) => FleetOptions::from_scenario(scenario, Some(args.state_dir.clone())),
            Err(message) => {
                eprintln!("meshdeck-sandbox: {message}");
                return ExitCode::from(2);
            }
        }
    } else {
        let names: Vec<&str> = args.clusters.iter().map(String::as_str).collect();
        let mut options = FleetOptions::in_memory(&names);
        options.state_dir = Some(args.state_dir.clone());
        options
    };
    let fleet = match Fleet::start(options).await {
        Ok(fleet) => fleet,
        Err(e) => {
            eprintln!("meshdeck-sandbox: cannot start the fleet: {e}");
            return ExitCode::FAILURE;
        }
    };
    let kubeconfig = args
        .kubeconfig
        .unwrap_or_else(|| args.state_dir.join("kubeconfig"));
    if let Err(e) = fleet.write_kubeconfig(&kubeconfig) {
        eprintln!(
            "meshdeck-sandbox: cannot write {}: {e}",
            kubeconfig.display()
        );
        return ExitCode::FAILURE;
    }
    println!("sandbox fleet serving {} clusters:", fleet.members.len());
    for member in &fleet.members {
        println!("  {:<18} {}", member.cluster.name, member.server);
    }
    println!("\nexport KUBECONFIG={}", kubeconfig.display());
    if let Some(first) = fleet.members.first() {
        println!("kubectl --context {} get namespaces", first.cluster.name);
    }
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}
