//! An admin account turned against the separation of duties: nobody
//! grants themselves a duty, and only a security officer gives or takes
//! the security-officer role. Each refusal changes nothing.

use axum::http::{Method, StatusCode};
use shared::{Account, Role};

use crate::accounts::patch;
use crate::support::{TestConsole, api_error, json_request};

async fn account(console: &TestConsole, name: &str) -> Option<Account> {
    console
        .state
        .store()
        .find_account(name)
        .await
        .unwrap()
        .map(|stored| stored.account)
}

/// Attack: an operator with the admin capability makes itself a security
/// officer (then approves at once), or flips its own admin flag.
#[tokio::test]
async fn no_account_changes_its_own_role_or_admin_flag() {
    let console = TestConsole::new().await;
    console
        .add_account("sol", Role::SecurityOfficer, false)
        .await;
    let mallory = console.signed_in("mallory", Role::Operator, true).await;
    let before = account(&console, "mallory").await;
    for change in [
        serde_json::json!({"role": "security_officer"}),
        serde_json::json!({"role": "manager", "admin": true}),
    ] {
        let refused = patch(&console, &mallory, "mallory", change).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let message = api_error(refused).await.message;
        assert!(message.contains("its own role or admin flag"), "{message}");
    }
    assert_eq!(account(&console, "mallory").await, before);
    let denied = console
        .audit(&mallory, "action=account.update&outcome=denied")
        .await;
    assert_eq!(denied.total, 2, "each refusal is audited");
}

/// Attack: an admin who is not a security officer hands the role to an
/// accomplice, takes it from the real officer, or removes them.
#[tokio::test]
async fn only_a_security_officer_gives_or_takes_the_officer_role() {
    let console = TestConsole::new().await;
    console
        .add_account("sol", Role::SecurityOfficer, false)
        .await;
    console.add_account("eve", Role::Operator, false).await;
    let ada = console.signed_in("ada", Role::Manager, true).await;
    let before = (
        account(&console, "sol").await,
        account(&console, "eve").await,
    );

    let promote = patch(
        &console,
        &ada,
        "eve",
        serde_json::json!({"role": "security_officer"}),
    )
    .await;
    assert_eq!(promote.status(), StatusCode::FORBIDDEN);
    let message = api_error(promote).await.message;
    assert!(message.contains("needs a security officer"), "{message}");
    let demote = patch(
        &console,
        &ada,
        "sol",
        serde_json::json!({"role": "operator"}),
    )
    .await;
    assert_eq!(demote.status(), StatusCode::FORBIDDEN);
    let remove = console
        .send(json_request(
            Method::DELETE,
            &shared::routes::account("sol"),
            &serde_json::json!({}),
            Some(&ada),
        ))
        .await;
    assert_eq!(remove.status(), StatusCode::FORBIDDEN);
    let body = serde_json::json!({"name": "trent", "role": "security_officer", "password": "a long enough password"});
    let create = console
        .send(json_request(
            Method::POST,
            "/api/accounts",
            &body,
            Some(&ada),
        ))
        .await;
    assert_eq!(create.status(), StatusCode::FORBIDDEN);

    assert_eq!(
        (
            account(&console, "sol").await,
            account(&console, "eve").await
        ),
        before
    );
    assert_eq!(account(&console, "trent").await, None);
    // Other roles are still the admin's to change.
    let other = patch(
        &console,
        &ada,
        "eve",
        serde_json::json!({"role": "manager"}),
    )
    .await;
    assert_eq!(other.status(), StatusCode::OK);
}

/// A security officer with the admin capability gives and takes the role;
/// the last officer cannot be removed.
#[tokio::test]
async fn an_officer_hands_the_role_on_and_the_last_officer_stays() {
    let console = TestConsole::new().await;
    console.add_account("eve", Role::Operator, false).await;
    let sol = console.signed_in("sol", Role::SecurityOfficer, true).await;
    let promote = patch(
        &console,
        &sol,
        "eve",
        serde_json::json!({"role": "security_officer"}),
    )
    .await;
    assert_eq!(promote.status(), StatusCode::OK);
    let demote = patch(
        &console,
        &sol,
        "eve",
        serde_json::json!({"role": "operator"}),
    )
    .await;
    assert_eq!(demote.status(), StatusCode::OK);
    let last = console
        .send(json_request(
            Method::DELETE,
            &shared::routes::account("sol"),
            &serde_json::json!({}),
            Some(&sol),
        ))
        .await;
    assert_eq!(last.status(), StatusCode::CONFLICT);
    let message = api_error(last).await.message;
    assert!(message.contains("last security officer"), "{message}");
    assert!(account(&console, "sol").await.is_some());
}

/// Creates `name` as a security officer through the API as `creator`.
async fn appoint(
    console: &TestConsole,
    creator: &crate::support::Session,
    name: &str,
) -> crate::support::Session {
    let body = serde_json::json!({
        "name": name,
        "password": format!("{name}-password-long"),
        "role": "security_officer",
        "admin": true,
    });
    let response = console
        .send(json_request(
            Method::POST,
            shared::routes::ACCOUNTS,
            &body,
            Some(creator),
        ))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    console
        .sign_in(name, &format!("{name}-password-long"))
        .await
}

/// Attack: an officer with the admin capability creates officer accounts
/// (whose passwords it chose) to be the second person of the two-person
/// rule itself, or to confirm each other. An appointment made through the
/// console holds only once another, independent officer confirms it:
/// until then the account acts as a manager and its approvals count for
/// nothing; its appointer cannot confirm it.
#[tokio::test]
async fn an_officer_appointed_through_the_console_acts_only_once_another_officer_confirms() {
    use shared::csr::{GrantState, IssuanceGrant};
    use shared::duties::{OfficerAppointment, OfficerAppointments};

    let (console, _operator) = crate::mesh::console().await;
    let ada = console.signed_in("ada", Role::SecurityOfficer, true).await;
    let sol = console.signed_in("sol", Role::SecurityOfficer, false).await;
    let puppet = appoint(&console, &ada, "puppet").await;
    let sibling = appoint(&console, &ada, "sibling").await;
    let store = console.state.store();

    // Awaiting confirmation: it acts as a manager.
    let me = console.get_as("/api/session", Some(&puppet)).await;
    let info: shared::SessionInfo =
        serde_json::from_value(crate::support::body_json(me).await).unwrap();
    assert_eq!(info.account.role, Role::Manager);

    let mesh: shared::mesh::MeshId = "proj-1234".parse().unwrap();
    console.mesh_root(&mesh).await;
    let proposal = serde_json::json!({
        "mesh": mesh,
        "clusters": ["gke-asia-2"],
        "trust_domain": "project-a.svc.id.goog",
        "validity_days": 30,
        "grant_days": 7,
    });
    let response = console
        .send(json_request(
            Method::POST,
            shared::routes::CA_GRANTS,
            &proposal,
            Some(&ada),
        ))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let proposed: IssuanceGrant =
        serde_json::from_value(crate::support::body_json(response).await).unwrap();
    let approve = shared::routes::ca_grant_approve(&proposed.id);
    let post = |path: String, session: &crate::support::Session| {
        console.send(json_request(
            Method::POST,
            &path,
            &serde_json::json!({}),
            Some(session),
        ))
    };
    for session in [&puppet, &sibling] {
        assert_eq!(
            post(approve.clone(), session).await.status(),
            StatusCode::FORBIDDEN
        );
    }
    // Nobody confirms their own puppet, and puppets confirm nothing.
    let confirm = shared::routes::fill(shared::routes::OFFICER_CONFIRM, &[&"puppet"]);
    let response = post(confirm.clone(), &ada).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        api_error(response)
            .await
            .message
            .contains("another security officer")
    );
    assert_eq!(
        post(confirm.clone(), &sibling).await.status(),
        StatusCode::FORBIDDEN
    );
    let recorded = store
        .issuance_grant(&proposed.id, console.time.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(recorded.approvals, ["ada"], "the refusals recorded nothing");
    // Approvals recorded before (as by an older console) count only from
    // officers in effect.
    let names = ["ada", "puppet", "sibling", "ada"].map(String::from);
    assert_eq!(store.officers_among(&names).await.unwrap(), ["ada"]);

    // Sol, who did not appoint it, confirms: now it is an officer.
    let response = post(confirm.clone(), &sol).await;
    assert_eq!(response.status(), StatusCode::OK);
    let confirmed: OfficerAppointment =
        serde_json::from_value(crate::support::body_json(response).await).unwrap();
    assert_eq!(confirmed.confirmed_by.as_deref(), Some("sol"));
    assert_eq!(
        post(confirm, &sol).await.status(),
        StatusCode::CONFLICT,
        "once"
    );
    let response = post(approve, &puppet).await;
    assert_eq!(response.status(), StatusCode::OK);
    let active: IssuanceGrant =
        serde_json::from_value(crate::support::body_json(response).await).unwrap();
    assert_eq!(active.state, GrantState::Active);
    assert_eq!(active.approvals, ["ada", "puppet"]);
    let listed = console
        .get_as(shared::routes::OFFICER_APPOINTMENTS, Some(&sol))
        .await;
    let listed: OfficerAppointments =
        serde_json::from_value(crate::support::body_json(listed).await).unwrap();
    let pending: Vec<_> = listed
        .appointments
        .iter()
        .filter(|a| a.confirmed_by.is_none())
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(pending, ["sibling"]);

    // Demoted and appointed again: it awaits a confirmation again.
    let demote = patch(
        &console,
        &ada,
        "puppet",
        serde_json::json!({"role": "operator"}),
    )
    .await;
    assert_eq!(demote.status(), StatusCode::OK);
    let again = patch(
        &console,
        &ada,
        "puppet",
        serde_json::json!({"role": "security_officer"}),
    )
    .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert!(
        store
            .find_account("puppet")
            .await
            .unwrap()
            .unwrap()
            .awaits_confirmation()
    );
}
