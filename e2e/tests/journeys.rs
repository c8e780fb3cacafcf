//! The real-browser journeys, one test per user journey.

use e2e::{Console, kubectl_binary};
use hsm::dev_vault::DevVault;
use sandbox::scenario::Scenario;
use serde_json::Value;
use shared::Section;

/// Sections as the journey script expects them: slug, path, heading and
/// whether clusters have a tab of it.
fn sections_json() -> String {
    let rows: Vec<String> = Section::ALL
        .iter()
        .map(|s| {
            format!(
                r#"{{"slug":"{}","path":"{}","title":"{}","per_cluster":{}}}"#,
                s.slug(),
                s.path(),
                s.title(),
                s.per_cluster()
            )
        })
        .collect();
    format!("[{}]", rows.join(","))
}

/// A manager's first look: sign in, every section reachable from the
/// navigation, a cluster page, the not-found page, no browser errors; every
/// page (sections, cluster tabs, ingress editors, accounts) fits 1440, 1024
/// and 390 px and is screenshotted at each width.
#[test]
fn shell_navigation() {
    let console = Console::start();
    console
        .run_journey(
            "shell",
            &[
                ("SECTIONS", sections_json()),
                ("ACCOUNTS", console.accounts_json()),
            ],
        )
        .assert_passed();
}

/// Each role (and an admin) signs in, sees its navigation and actions, is
/// refused by the backend beyond its role, reads the audit log, signs out.
#[test]
fn roles_sign_in_and_out() {
    let console = Console::start();
    console
        .run_journey("roles", &[("ACCOUNTS", console.accounts_json())])
        .assert_passed();
}

/// Behind an authenticating proxy: no form without identity headers; with
/// them, the proxy's user works with its groups' role.
#[test]
fn proxy_identity() {
    let console = Console::start_behind_proxy();
    console.run_journey("proxy", &[]).assert_passed();
}

/// Through a real OpenID provider's login page: alice and bob land with
/// the roles of their groups, and sign out of the console and the provider.
#[test]
fn oidc_sign_in() {
    let console = Console::start_with_oidc();
    console.run_journey("oidc", &[]).assert_passed();
}

/// The kubectl the journeys run: `MESHDECK_KUBECTL` (set by `cargo xtask
/// test`), else the one it installs. Never the system's, whose version
/// differs; missing is a failure with the fix, as in the sandbox's kubectl
/// suite.
/// The live fleet: six clusters in the topology, gke-us the config
/// cluster, revision chips; gke-eu's page follows a namespace relabel made
/// with real kubectl without reloading.
#[test]
fn fleet_live() {
    let kubectl = kubectl_binary();
    let console = Console::start();
    console
        .run_journey(
            "fleet",
            &[
                ("ACCOUNTS", console.accounts_json()),
                ("KUBECTL", kubectl.display().to_string()),
                ("KUBECONFIG", console.kubeconfig.display().to_string()),
            ],
        )
        .assert_passed();
}

/// gke-eu's cluster tabs on the default fleet (issue 24): Mesh lists its
/// revisions and namespaces with their migration state, runs and gateway
/// as the API has them, and a revision appearing (made with real kubectl)
/// leaves default's colour unchanged; Security shows its trust row or why
/// not and its signing requests; Workloads shows a migration the journey
/// deploys through the API; a manager reads them read-only.
#[test]
fn cluster_tabs() {
    let kubectl = kubectl_binary();
    let console = Console::start();
    console
        .run_journey(
            "cluster",
            &[
                ("ACCOUNTS", console.accounts_json()),
                ("KUBECTL", kubectl.display().to_string()),
                ("KUBECONFIG", console.kubeconfig.display().to_string()),
            ],
        )
        .assert_passed();
}

/// An operator installs asm-1106-2 on onprem-vmware-1 with Mesh CA through
/// the wizard (field errors, preflight failing on a port name until
/// overridden with a reason, the plan diff and its exports, live progress,
/// verification), then on gke-eu with Istio CA (cacerts from the mesh
/// root in the token); a manager then sees the revisions, read-only.
#[test]
fn mesh_install() {
    // It rotates the fleet mesh's root: on a token of its own.
    let console = Console::start_with_own_root_token("meshdeck-e2e-mesh");
    console
        .run_journey("mesh", &[("ACCOUNTS", console.accounts_json())])
        .assert_passed();
}

/// Seed 002: an operator deploys the migrated quickstart-instance on
/// gke-asia-2 (project-b), follows the failed pull to the doctor's
/// cross-project diagnosis and grant, fixes it with a pull secret from the
/// console, sees the rollout become Available, and deletes the migration.
#[test]
fn workload_deploy_and_doctor() {
    let console = Console::start();
    console
        .run_journey("workloads", &[("ACCOUNTS", console.accounts_json())])
        .assert_passed();
}

/// Multi-cluster ingress: an operator creates seed 003's MultiClusterService
/// and MultiClusterIngress, sees the selection preview, changes the
/// selection and sees the derived Services follow.
#[test]
fn ingress_editing() {
    let console = Console::start();
    console
        .run_journey("ingress", &[("ACCOUNTS", console.accounts_json())])
        .assert_passed();
}

/// The security officer's inbox: istiod's CA request made with real
/// kubectl shows decoded with its checks and a badge; approving it in the
/// browser signs it with the mesh root, and kubectl sees it Approved with
/// the chain.
#[test]
fn csr_inbox() {
    let kubectl = kubectl_binary();
    let console = Console::start();
    console
        .run_journey(
            "csr",
            &[
                ("ACCOUNTS", console.accounts_json()),
                ("KUBECTL", kubectl.display().to_string()),
                ("KUBECONFIG", console.kubeconfig.display().to_string()),
            ],
        )
        .assert_passed();
}

/// The default fleet with a second injected namespace on gke-eu, `green`:
/// a copy of `blue` (the same Deployments and Services), so the migration
/// journey can migrate one namespace and roll another back.
fn fleet_with_green() -> Scenario {
    let mut scenario = Scenario::default_fleet();
    let green: Vec<Value> = scenario.sets["blue"]
        .iter()
        .cloned()
        .map(|mut object| {
            let field = if object["kind"] == "Namespace" {
                "name"
            } else {
                "namespace"
            };
            object["metadata"][field] = Value::from("green");
            object
        })
        .collect();
    scenario.sets.insert("green".into(), green);
    scenario
        .clusters
        .iter_mut()
        .find(|c| c.name == "gke-eu")
        .expect("gke-eu in the default fleet")
        .include
        .push("green".into());
    scenario
}

/// Seed 000 on gke-eu: an operator installs asm-178-10 beside open-source
/// istiod, migrates blue on the board and verifies it, migrates green and
/// rolls it back, is refused finishing while green uses istiod (the
/// refusal names it), migrates green again, finishes, and sees the old
/// control plane gone; a manager reads the board without its actions.
#[test]
fn canary_migration() {
    let console = Console::start_on(fleet_with_green());
    console
        .run_journey("migration", &[("ACCOUNTS", console.accounts_json())])
        .assert_passed();
}

/// Seed 004: an operator installs asm-1106-2 on onprem-vmware-1 with the
/// istiod CA key in the HSM (slot provisioned from the wizard, KEK id shown,
/// preflight's CA check passing on the console's check of the slot), the
/// run ending with istiod waiting for the officer; the security officer
/// sees why the request cannot be decrypted while Vault lacks the slot's
/// PIN, approves it once decrypted, and kubectl sees
/// secret istio-ca-cert and istiod 3/3 Ready.
#[test]
fn hsm_ceremony() {
    let kubectl = kubectl_binary();
    let console = Console::start_with_hsm();
    let vault = DevVault::shared();
    console
        .run_journey(
            "hsm",
            &[
                ("ACCOUNTS", console.accounts_json()),
                ("VAULT_ADDR", vault.addr.clone()),
                ("VAULT_TOKEN", vault.root_token.clone()),
                ("KUBECTL", kubectl.display().to_string()),
                ("KUBECONFIG", console.kubeconfig.display().to_string()),
            ],
        )
        .assert_passed();
}
