//! The audit log: entries for allowed and refused actions, filters, paging,
//! export, and the hash chain catching edited and deleted rows.

use axum::http::{Method, StatusCode, header};
use backend::audit::{self, Actor, Event};
use shared::{AuditEntry, ChainReport, Outcome, Role};

use crate::support::{START, TestConsole, body_bytes, body_json, json_request};

async fn create_account(
    console: &TestConsole,
    session: &crate::support::Session,
    name: &str,
) -> StatusCode {
    let body =
        serde_json::json!({"name": name, "role": "operator", "password": "a long enough password"});
    console
        .send(json_request(
            Method::POST,
            "/api/accounts",
            &body,
            Some(session),
        ))
        .await
        .status()
}

#[tokio::test]
async fn allowed_and_refused_mutations_are_recorded() {
    let console = TestConsole::new().await;
    let admin = console.signed_in("ada", Role::Manager, true).await;
    let operator = console.signed_in("olga", Role::Operator, false).await;

    let body = serde_json::json!({"name": "otto", "role": "operator", "password": "a long enough password"});
    let response = console
        .send(json_request(
            Method::POST,
            "/api/accounts",
            &body,
            Some(&admin),
        ))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        create_account(&console, &operator, "eve").await,
        StatusCode::FORBIDDEN
    );

    let page = console
        .audit(&admin, "action=account.create&per_page=2")
        .await;
    let [refused, allowed] = &page.entries[..] else {
        panic!("expected two entries: {page:?}");
    };
    assert_eq!(allowed.actor, "ada");
    assert_eq!(allowed.role.as_deref(), Some("manager"));
    assert_eq!(allowed.outcome, Outcome::Success);
    assert_eq!(allowed.targets, ["account/otto"]);
    assert_eq!(allowed.params, ["role=operator", "admin=false"]);
    assert_eq!(allowed.request_id.as_deref(), Some(request_id.as_str()));
    assert_eq!(allowed.at, START);
    assert_eq!(refused.actor, "olga");
    assert_eq!(refused.role.as_deref(), Some("operator"));
    assert_eq!(refused.outcome, Outcome::Denied);
    assert_eq!(refused.params, ["reason=role"]);
    assert!(refused.seq > allowed.seq, "newest first");

    let sign_ins = console
        .audit(&admin, "action=session.create&outcome=success")
        .await;
    assert_eq!(sign_ins.total, 2);
}

#[tokio::test]
async fn filters_and_pages_are_applied_by_the_server() {
    let console = TestConsole::new().await;
    let admin = console.signed_in("ada", Role::Manager, true).await;
    for i in 0..7 {
        console.time.advance(60);
        assert_eq!(
            create_account(&console, &admin, &format!("user{i}")).await,
            StatusCode::CREATED
        );
    }
    let event = Event::new("mesh.install", Outcome::Failure)
        .cluster("gke-eu")
        .target("istio-system/istiod-asm-1106-2");
    audit::record(&console.state, Actor::system("test"), None, event)
        .await
        .unwrap();

    let page = console
        .audit(&admin, "action=account.&per_page=3&page=2")
        .await;
    // 7 by ada plus the one that created ada herself.
    assert_eq!(page.total, 8);
    assert_eq!(page.pages(), 3);
    assert_eq!(page.entries.len(), 3);
    let targets: Vec<_> = page.entries.iter().map(|e| e.targets[0].as_str()).collect();
    assert_eq!(targets, ["account/user3", "account/user2", "account/user1"]);

    let windowed = console
        .audit(
            &admin,
            &format!("actor=ada&since={}&until={}", START + 120, START + 240),
        )
        .await;
    let targets: Vec<_> = windowed
        .entries
        .iter()
        .map(|e| e.targets[0].as_str())
        .collect();
    assert_eq!(targets, ["account/user2", "account/user1"]);

    let by_cluster = console.audit(&admin, "cluster=gke-eu").await;
    assert_eq!(by_cluster.total, 1);
    assert_eq!(by_cluster.entries[0].clusters, ["gke-eu"]);
    assert_eq!(
        console.audit(&admin, "cluster=gke").await.total,
        0,
        "exact cluster names"
    );
    assert_eq!(console.audit(&admin, "outcome=failure").await.total, 1);

    let bad = console
        .get_as("/api/audit?outcome=maybe", Some(&admin))
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn export_is_json_lines_of_the_filtered_log() {
    let console = TestConsole::new().await;
    let admin = console.signed_in("ada", Role::Manager, true).await;
    create_account(&console, &admin, "otto").await;
    let response = console
        .get_as("/api/audit/export?actor=ada", Some(&admin))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/x-ndjson"
    );
    assert!(
        response.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let text = String::from_utf8(body_bytes(response).await).unwrap();
    let entries: Vec<AuditEntry> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["account.create", "session.create"]);
}

async fn verify(console: &TestConsole, session: &crate::support::Session) -> ChainReport {
    let response = console.get_as("/api/audit/verify", Some(session)).await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_value(body_json(response).await).unwrap()
}

#[tokio::test]
async fn the_chain_reveals_an_edited_row() {
    let console = TestConsole::new().await;
    let admin = console.signed_in("ada", Role::Manager, true).await;
    create_account(&console, &admin, "otto").await;
    let report = verify(&console, &admin).await;
    assert!(report.intact());
    assert_eq!(report.checked, 3);

    sqlx::query("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
        .execute(console.state.store().pool())
        .await
        .unwrap();
    let report = verify(&console, &admin).await;
    let broken = report.broken.unwrap();
    assert_eq!(broken.seq, 2);
    assert!(broken.reason.contains("edited"), "{}", broken.reason);
    assert_eq!(report.checked, 1);
}

#[tokio::test]
async fn the_chain_reveals_a_deleted_row() {
    let console = TestConsole::new().await;
    let admin = console.signed_in("ada", Role::Manager, true).await;
    create_account(&console, &admin, "otto").await;
    sqlx::query("DELETE FROM audit WHERE seq = 2")
        .execute(console.state.store().pool())
        .await
        .unwrap();
    let broken = verify(&console, &admin).await.broken.unwrap();
    assert_eq!(broken.seq, 3);
    assert!(broken.reason.contains("missing"), "{}", broken.reason);
}

#[tokio::test]
async fn the_head_reveals_entries_cut_off_the_end() {
    let console = TestConsole::new().await;
    let admin = console.signed_in("ada", Role::Manager, true).await;
    create_account(&console, &admin, "otto").await;
    // seq 1: ada created, 2: ada signed in, 3: otto created.
    sqlx::query("DELETE FROM audit WHERE seq = 3")
        .execute(console.state.store().pool())
        .await
        .unwrap();
    let report = verify(&console, &admin).await;
    assert_eq!(report.checked, 2, "what remains is a consistent chain");
    let broken = report.broken.unwrap();
    assert_eq!(broken.seq, 3);
    assert!(
        broken.reason.contains("entries 3..3 were deleted"),
        "{}",
        broken.reason
    );
}

#[tokio::test]
async fn two_processes_appending_keep_one_unbroken_chain() {
    // Two stores on one database stand for the server and the CLI: each
    // has its own in-process lock, so only the database orders them.
    let first = crate::support::test_store_shared().await;
    let second = first.reopen().await;
    let append = |store: backend::store::Store, who: &'static str| async move {
        for i in 0..15 {
            let event = Event::new("test.append", Outcome::Success).param("i", i);
            audit::append(&store, START, Actor::system(who), None, event)
                .await
                .unwrap();
        }
    };
    tokio::join!(
        append(first.store.clone(), "server"),
        append(second.clone(), "cli")
    );
    let checkpoint = first.store.audit_checkpoint_file().unwrap();
    let checkpoint = backend::audit::checkpoint::Checkpoint::read(checkpoint).unwrap();
    assert_eq!(checkpoint.as_ref().map(|c| c.seq), Some(30));
    let report = backend::audit::verify::verify_log(&first.store, checkpoint.as_ref())
        .await
        .unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.checked, 30);
}

/// A browser asks for the export compressed: the stream ends cleanly
/// under the compression layer (it polls a body once more after its end).
#[tokio::test]
async fn a_compressed_export_ends_cleanly() {
    let console = TestConsole::new().await;
    let admin = console.signed_in("ada", Role::Manager, true).await;
    create_account(&console, &admin, "otto").await;
    let request = axum::http::Request::get("/api/audit/export")
        .header(header::COOKIE, format!("meshdeck_session={}", admin.cookie))
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = console.send(request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
    let gzipped = body_bytes(response).await;
    assert_eq!(&gzipped[..2], [0x1f, 0x8b], "a whole gzip stream");
}

/// "Changes only": successful changes, without sign-ins, reviews and
/// refusals; every action of the endpoint table has words for the log.
#[tokio::test]
async fn changes_only_leaves_out_sign_ins_looks_and_refusals() {
    let console = TestConsole::new().await;
    let admin = console.signed_in("ada", Role::Manager, true).await;
    let operator = console.signed_in("olga", Role::Operator, false).await;
    assert_eq!(
        create_account(&console, &admin, "otto").await,
        StatusCode::CREATED
    );
    assert_eq!(
        create_account(&console, &operator, "eve").await,
        StatusCode::FORBIDDEN
    );
    for (action, outcome) in [
        ("mesh.plan", Outcome::Success),
        ("mesh.install", Outcome::Failure),
    ] {
        let event = Event::new(action, outcome).cluster("gke-eu");
        audit::record(&console.state, Actor::system("test"), None, event)
            .await
            .unwrap();
    }
    let everything = console.audit(&admin, "").await;
    assert!(
        everything
            .entries
            .iter()
            .any(|e| e.action == "session.create")
    );
    assert!(everything.entries.iter().any(|e| e.action == "mesh.plan"));

    let changes = console.audit(&admin, "changes=1").await;
    let actions: Vec<(&str, Outcome)> = changes
        .entries
        .iter()
        .map(|e| (e.action.as_str(), e.outcome))
        .collect();
    // The accounts of ada, olga and otto, nothing else.
    assert_eq!(
        actions,
        [("account.create", Outcome::Success); 3],
        "{actions:?}"
    );
    let bad = console.get_as("/api/audit?changes=yes", Some(&admin)).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    for endpoint in backend::api::endpoints::endpoints() {
        assert!(
            shared::action_titles::action_title(endpoint.action).is_some(),
            "{} has no words in shared::action_titles",
            endpoint.action
        );
    }
}
