//! The real-browser journeys, one test per user journey.

use e2e::Console;
use shared::Section;

/// Sections as the journey script expects them: slug, path and heading.
fn sections_json() -> String {
    let rows: Vec<String> = Section::ALL
        .iter()
        .map(|s| {
            format!(
                r#"{{"slug":"{}","path":"{}","title":"{}"}}"#,
                s.slug(),
                s.path(),
                s.title()
            )
        })
        .collect();
    format!("[{}]", rows.join(","))
}

/// A manager's first look: sign in, every section reachable from the
/// navigation, a cluster page, the not-found page, no browser errors.
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
