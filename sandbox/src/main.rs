//! `meshdeck-sandbox`: runs the sandbox fleet on its own, writes a
//! kubeconfig for it and says how to use it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use sandbox::scale::ScaleSpec;
use sandbox::scenario::Scenario;
use sandbox::{Fleet, FleetOptions};

const USAGE: &str = "usage: meshdeck-sandbox [--state-dir DIR] [--scenario FILE | --clusters a,b,c | --scale CxP [--seed N]] [--kubeconfig PATH] [--admin ADDR]

  --state-dir DIR    keep cluster state, CA, tokens and ports in DIR (default: .state/sandbox)
  --scenario FILE    the fleet to run (default: the shipped default fleet)
  --clusters LIST    comma-separated cluster (and context) names, empty clusters
  --scale CxP        a generated fleet of C clusters with P pods each (e.g. 50x2000)
  --seed N           the seed of the generated fleet (default 0)
  --kubeconfig PATH  where to write the kubeconfig (default: DIR/kubeconfig)
  --admin ADDR       serve the faults admin endpoint on this loopback address (127.0.0.1:0 for any port)";

struct Args {
    state_dir: PathBuf,
    scenario: Option<PathBuf>,
    clusters: Vec<String>,
    kubeconfig: Option<PathBuf>,
    scale: Option<ScaleSpec>,
    seed: Option<u64>,
    admin: Option<SocketAddr>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        state_dir: PathBuf::from(".state/sandbox"),
        scenario: None,
        clusters: Vec::new(),
        kubeconfig: None,
        scale: None,
        seed: None,
        admin: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--state-dir" => args.state_dir = PathBuf::from(value()?),
            "--clusters" => args.clusters = split(&value()?),
            "--scenario" => args.scenario = Some(PathBuf::from(value()?)),
            "--kubeconfig" => args.kubeconfig = Some(PathBuf::from(value()?)),
            "--scale" => args.scale = Some(value()?.parse()?),
            "--seed" => {
                let text = value()?;
                let seed = text
                    .parse()
                    .map_err(|_| format!("--seed needs a number, not {text:?}"))?;
                args.seed = Some(seed);
            }
            "--admin" => {
                let text = value()?;
                let addr = text.parse().map_err(|_| {
                    format!("--admin needs an address such as 127.0.0.1:7070, not {text:?}")
                })?;
                args.admin = Some(addr);
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let fleets = [
        args.scenario.is_some(),
        !args.clusters.is_empty(),
        args.scale.is_some(),
    ];
    if fleets.iter().filter(|given| **given).count() > 1 {
        return Err("give one of --scenario, --clusters and --scale".into());
    }
    if args.seed.is_some() && args.scale.is_none() {
        return Err("--seed goes with --scale".into());
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
    let mut options = if let Some(mut spec) = args.scale {
        spec.seed = args.seed.unwrap_or(0);
        let mut options = FleetOptions::scaled(spec);
        options.state_dir = Some(args.state_dir.clone());
        options
    } else if args.clusters.is_empty() {
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
    options.admin = args.admin;
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
    if let Some(url) = fleet.admin_url() {
        println!(
            "\nfaults admin endpoint: {url}  (e.g. curl -X PUT {url}/clusters/NAME/faults -d '{{\"unreachable\":true}}')"
        );
    }
    println!("\nexport KUBECONFIG={}", kubeconfig.display());
    if let Some(first) = fleet.members.first() {
        println!("kubectl --context {} get namespaces", first.cluster.name);
    }
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}
