//! The real OpenID provider the sign-in tests run: npm `oidc-provider`
//! (pinned in `package.json`) under node, started by the tests through
//! `e2e/oidc/provider.mjs`, which they find through
//! `MESHDECK_OIDC_PROVIDER`.

use std::path::PathBuf;

use crate::shell::{Shell, Step};

/// The provider script, relative to the workspace.
const SCRIPT: &str = "e2e/oidc/provider.mjs";

/// Installs `oidc-provider` when it is missing; returns the script's path.
pub fn ensure_oidc_provider(sh: &Shell) -> Result<PathBuf, String> {
    if sh.probe("node", &["--version"]).is_none() {
        return Err(
            "node is missing: the OpenID provider of the sign-in tests runs under it".into(),
        );
    }
    if !sh
        .root
        .join("node_modules/oidc-provider/package.json")
        .is_file()
    {
        sh.step(
            Step::new("install the OpenID provider (npm oidc-provider)")
                .program("npm", ["ci", "--no-audit", "--no-fund"]),
        )?;
    }
    Ok(sh.root.join(SCRIPT))
}
