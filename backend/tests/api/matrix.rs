//! Every endpoint of the policy table × every kind of caller: the backend
//! answers exactly as the table says, whatever the UI shows.

use std::collections::HashSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use backend::api::endpoints::endpoints;
use shared::{Access, ErrorCode, Role};

use crate::support::{TestConsole, api_error, json_request};

/// A caller: anonymous, or an account's role and admin flag.
#[derive(Debug, Clone, Copy)]
enum Caller {
    Anonymous,
    Account(Role, bool),
}

fn callers() -> Vec<Caller> {
    let mut callers = vec![Caller::Anonymous];
    for role in Role::ALL {
        callers.push(Caller::Account(role, false));
        callers.push(Caller::Account(role, true));
    }
    callers
}

#[test]
fn the_table_is_well_formed() {
    let mut seen = HashSet::new();
    for endpoint in endpoints() {
        assert!(endpoint.path.starts_with("/api/"), "{}", endpoint.path);
        assert!(
            seen.insert((endpoint.method.clone(), endpoint.path)),
            "{} {} twice",
            endpoint.method,
            endpoint.path
        );
        assert!(endpoint.action.contains('.'), "{}", endpoint.action);
    }
}

/// Both sides name paths from `shared::routes`: every endpoint is one of
/// its templates, and every template is routed.
#[test]
fn every_path_is_a_shared_route() {
    let table: HashSet<&str> = endpoints().iter().map(|e| e.path).collect();
    for endpoint in endpoints() {
        assert!(
            shared::routes::TEMPLATES.contains(&endpoint.path),
            "{} {} is not in shared::routes",
            endpoint.method,
            endpoint.path
        );
    }
    for template in shared::routes::TEMPLATES {
        assert!(table.contains(template), "{template} has no endpoint");
    }
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_table_says() {
    let console = TestConsole::new().await;
    let mut checked = 0;
    for (n, caller) in callers().into_iter().enumerate() {
        for endpoint in endpoints() {
            // A fresh session per request: one of the endpoints signs out.
            let session = match caller {
                Caller::Anonymous => None,
                Caller::Account(role, admin) => {
                    let name = format!("u{n}-{checked}");
                    Some(console.signed_in(&name, role, admin).await)
                }
            };
            // Paths naming an account get one made for this request.
            let path = if endpoint.path.contains("{name}") {
                let target = format!("target-{checked}");
                console.add_account(&target, Role::Manager, false).await;
                endpoint.path.replace("{name}", &target)
            } else {
                endpoint.path.to_owned()
            };
            let request = if endpoint.method == Method::GET {
                let mut r = Request::get(&path);
                if let Some(s) = &session {
                    r = r.header("cookie", format!("meshdeck_session={}", s.cookie));
                }
                r.body(Body::empty()).unwrap()
            } else {
                json_request(
                    endpoint.method.clone(),
                    &path,
                    &serde_json::json!({}),
                    session.as_ref(),
                )
            };
            let response = console.send(request).await;
            let status = response.status();
            let label = format!("{caller:?} {} {path}", endpoint.method);
            assert_ne!(
                status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{label}: the table's method is wrong"
            );
            if status == StatusCode::NOT_FOUND {
                // Routed, but naming something that does not exist (this
                // console has no member clusters) is fine; unrouted is not.
                let error = api_error(response).await;
                assert!(
                    !error.message.starts_with("no API route"),
                    "{label}: not routed"
                );
                checked += 1;
                continue;
            }
            let allowed = match (endpoint.access, caller) {
                (Access::Public, _) => true,
                (_, Caller::Anonymous) => false,
                (access, Caller::Account(role, admin)) => access.allows(role, admin),
            };
            if allowed {
                assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{label}: allowed by the table but answered {status}"
                );
            } else if matches!(caller, Caller::Anonymous) {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{label}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{label}");
                let error = api_error(response).await;
                assert_eq!(error.code, ErrorCode::Forbidden);
                assert_eq!(
                    error.message,
                    format!("not allowed: {}", endpoint.access.needs()),
                    "{label}"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, endpoints().len() * 7);
}
