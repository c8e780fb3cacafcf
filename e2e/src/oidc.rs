//! The OpenID provider a journey signs in at: the npm package
//! `oidc-provider` under node (`e2e/oidc/provider.mjs`, or
//! `MESHDECK_OIDC_PROVIDER`), with alice in `mesh-operators` and bob in
//! `mesh-officers`; stopped when dropped.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use backend::auth::oidc::{OidcSettings, Provider, Secret};
use backend::auth::proxy::parse_group_role;

use crate::workspace_root;

const CLIENT_ID: &str = "meshdeck";
const CLIENT_SECRET: &str = "meshdeck-journey-secret";

/// A running provider.
pub struct OidcProvider {
    pub issuer: String,
    child: Child,
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn script() -> PathBuf {
    let script = std::env::var_os("MESHDECK_OIDC_PROVIDER").map_or_else(
        || workspace_root().join("e2e/oidc/provider.mjs"),
        PathBuf::from,
    );
    let installed = script.ancestors().any(|dir| {
        dir.join("node_modules/oidc-provider/package.json")
            .is_file()
    });
    assert!(
        script.is_file() && installed,
        "the OpenID provider ({}) needs npm oidc-provider: run `npm ci` in the workspace \
         (`cargo xtask test` does)",
        script.display()
    );
    script
}

impl OidcProvider {
    /// Starts one that sends people back to `redirect_uri`.
    pub fn start(redirect_uri: &str) -> Self {
        let mut child = Command::new("node")
            .arg(script())
            .args(["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET])
            .args(["--redirect-uri", redirect_uri])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("run node (installed by `cargo xtask test`)");
        let stdout = child.stdout.take().expect("the provider's stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = lines
            .next()
            .and_then(Result::ok)
            .expect("the OpenID provider exited before it was ready");
        let issuer = ready
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("unexpected first line from the provider: {ready}"))
            .to_owned();
        // Drained for its life: a closed pipe would end it.
        std::thread::spawn(move || lines.map_while(Result::ok).for_each(|l| eprintln!("{l}")));
        Self { issuer, child }
    }

    /// The console's settings for it: officers and operators by group.
    pub fn settings(&self, redirect_url: &str) -> Arc<Provider> {
        let group_roles = ["mesh-officers=security_officer", "mesh-operators=operator"]
            .iter()
            .map(|pair| parse_group_role(pair).expect("a GROUP=ROLE pair"))
            .collect();
        let settings = OidcSettings {
            issuer: self.issuer.clone(),
            client_id: CLIENT_ID.into(),
            client_secret: Secret(CLIENT_SECRET.into()),
            redirect_url: redirect_url.into(),
            scopes: vec!["profile".into(), "email".into(), "groups".into()],
            groups_claim: "groups".into(),
            group_roles,
            admin_groups: vec![],
            display_name: "Test IdP".into(),
        };
        Arc::new(Provider::new(settings, Duration::from_secs(10)).expect("an OIDC client"))
    }
}
