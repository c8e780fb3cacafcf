//! Change → DOM latency (issue 27, target 3): with the console on a
//! generated fleet (`SCALE`, default 20x50), a namespace is relabelled
//! `RELABELS` times (default 30) straight through a member's API server
//! while Chromium shows the cluster page; prints DOM − write, watch − write
//! (a `kubectl get -w` on the same namespace) and DOM − watch percentiles.
//!
//! `cargo xtask console` first, then
//! `MESHDECK_KUBECTL=… cargo bench -p meshdeck-e2e --bench latency`.

use e2e::{Console, kubectl_binary};
use sandbox::scale::ScaleSpec;

#[expect(clippy::print_stdout, reason = "a benchmark prints its figures")]
fn main() {
    let spec: ScaleSpec = std::env::var("SCALE")
        .unwrap_or_else(|_| "20x50".into())
        .parse()
        .unwrap_or_else(|e| panic!("SCALE: {e}"));
    let relabels = std::env::var("RELABELS").unwrap_or_else(|_| "30".into());
    let kubectl = kubectl_binary();
    println!("console on a generated fleet of {spec}");
    let console = Console::start_scaled(spec);
    let result = console.run_journey(
        "latency",
        &[
            ("ACCOUNTS", console.accounts_json()),
            ("KUBECTL", kubectl.display().to_string()),
            ("KUBECONFIG", console.kubeconfig.display().to_string()),
            ("RELABELS", relabels),
        ],
    );
    print!("{}", String::from_utf8_lossy(&result.output.stdout));
    result.assert_passed();
}
