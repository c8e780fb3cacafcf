//! The real OpenID provider the OIDC tests sign in at: the npm package
//! `oidc-provider` run by `e2e/oidc/provider.mjs` under node, and a small
//! cookie-keeping HTTP client that fills in its login page as a browser
//! would.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use backend::auth::oidc::{OidcSettings, Provider, Secret};
use backend::auth::proxy::parse_group_role;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The client the provider knows the console as.
pub const CLIENT_ID: &str = "meshdeck";
pub const CLIENT_SECRET: &str = "meshdeck-test-secret";
/// Where the provider sends browsers back (the in-process console has no
/// listener: the tests take the URL from the redirect).
pub const REDIRECT: &str = "http://127.0.0.1:9/api/oidc/callback";

/// The provider script and node: `MESHDECK_OIDC_PROVIDER` (set by `cargo
/// xtask test`) or the workspace's copy, which needs `npm ci` first.
fn script() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = std::env::var_os("MESHDECK_OIDC_PROVIDER")
        .map_or_else(|| root.join("e2e/oidc/provider.mjs"), PathBuf::from);
    assert!(
        script.is_file(),
        "the OpenID provider script {} is missing",
        script.display()
    );
    let package = script
        .ancestors()
        .map(|dir| dir.join("node_modules/oidc-provider/package.json"))
        .find(|p| p.is_file());
    assert!(
        package.is_some(),
        "npm package oidc-provider is not installed beside {}: run `npm ci` in the workspace \
         (`cargo xtask test` does)",
        script.display()
    );
    script
}

/// A running provider; it stops when dropped (its stdin closes).
pub struct OidcProvider {
    pub issuer: String,
    _child: Child,
}

impl OidcProvider {
    /// Starts one with `extra` options (e.g. `["--fault", "audience=x"]`).
    pub async fn start(extra: &[&str]) -> Self {
        let node = std::env::var("MESHDECK_NODE").unwrap_or_else(|_| "node".into());
        let mut child = Command::new(&node)
            .arg(script())
            .args(["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET])
            .args(["--redirect-uri", REDIRECT])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {node} (the OIDC tests need node): {e}"));
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the OpenID provider did not start within 30 s")
            .unwrap()
            .expect("the OpenID provider exited before it was ready");
        let issuer = ready
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("unexpected first line from the provider: {ready}"))
            .to_owned();
        // Whatever it prints later is drained: a closed pipe would end it.
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("oidc-provider: {line}");
            }
        });
        Self {
            issuer,
            _child: child,
        }
    }

    /// The console's settings for this provider: officers and operators
    /// by group, as `--oidc-group-roles` would give them.
    pub fn settings(&self, group_roles: &[&str]) -> Arc<Provider> {
        let settings = OidcSettings {
            issuer: self.issuer.clone(),
            client_id: CLIENT_ID.into(),
            client_secret: Secret(CLIENT_SECRET.into()),
            redirect_url: REDIRECT.into(),
            scopes: vec!["profile".into(), "email".into(), "groups".into()],
            groups_claim: "groups".into(),
            group_roles: group_roles
                .iter()
                .map(|pair| parse_group_role(pair).unwrap())
                .collect(),
            admin_groups: vec![],
            display_name: "Test IdP".into(),
        };
        Arc::new(Provider::new(settings, Duration::from_secs(10)).unwrap())
    }
}

/// A browser at the provider: keeps its cookies, follows nothing by
/// itself.
pub struct Browser {
    http: reqwest::Client,
    cookies: HashMap<String, String>,
}

impl Browser {
    pub fn new() -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let response = request.header("cookie", cookie).send().await.unwrap();
        for set in response.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let pair = set.split(';').next().unwrap();
            if let Some((name, value)) = pair.split_once('=') {
                self.cookies.insert(name.trim().into(), value.into());
            }
        }
        response
    }

    /// Goes from the provider's authorization URL through its login page,
    /// signing in as `user`, to the redirect back to the console; returns
    /// that redirect's path and query.
    pub async fn sign_in(&mut self, authorize: &str, user: &str) -> String {
        let mut url = reqwest::Url::parse(authorize).unwrap();
        for _ in 0..12 {
            let response = self.send(self.http.get(url.clone())).await;
            let response = if response.status().is_redirection() {
                response
            } else {
                let page = response.text().await.unwrap();
                let form = form_of(&page, user)
                    .unwrap_or_else(|| panic!("no form on the provider's page {url}:\n{page}"));
                let action = url.join(&form.0).unwrap();
                let body = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(&form.1)
                    .finish();
                let post = self
                    .http
                    .post(action)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body);
                self.send(post).await
            };
            assert!(
                response.status().is_redirection(),
                "the provider answered {} at {url}",
                response.status()
            );
            let location = response.headers()["location"].to_str().unwrap();
            let next = url.join(location).unwrap();
            if next.as_str().starts_with(REDIRECT) {
                return format!("{}?{}", next.path(), next.query().unwrap_or_default());
            }
            url = next;
        }
        panic!("the provider never sent the browser back");
    }
}

/// The form on a provider page and what a person would send with it: the
/// login form (any password: devInteractions checks none) or the consent.
fn form_of(page: &str, user: &str) -> Option<(String, Vec<(String, String)>)> {
    let action = page.split("action=\"").nth(1)?.split('"').next()?;
    let action = action.replace("&amp;", "&");
    let fields = if page.contains("name=\"login\"") {
        vec![
            ("prompt".into(), "login".into()),
            ("login".into(), user.into()),
            ("password".into(), "anything".into()),
        ]
    } else if page.contains("value=\"consent\"") {
        vec![("prompt".into(), "consent".into())]
    } else {
        return None;
    };
    Some((action, fields))
}
