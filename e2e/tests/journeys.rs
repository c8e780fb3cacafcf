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

/// A manager's first look: every section reachable from the navigation, a
/// cluster page, the not-found page, no browser errors anywhere.
#[test]
fn shell_navigation() {
    let console = Console::start();
    console
        .run_journey("shell", &[("SECTIONS", sections_json())])
        .assert_passed();
}
