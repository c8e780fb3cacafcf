//! The keyed audit chain against someone who can write the database but
//! not read the audit key: a recomputed chain, an emptied log and a cut
//! tail with its head moved back are all reported, the server's checkpoint
//! is not moved onto the rewritten log, and an untouched log verifies and
//! exports a page at a time.

use axum::http::{Method, StatusCode};
use backend::audit::chain::{GENESIS, UNKEYED, keyed};
use backend::audit::checkpoint::Checkpoint;
use backend::audit::key::AuditKey;
use backend::audit::{self, Actor, Event};
use backend::store::{Store, StoreError};
use sha2::{Digest, Sha256};
use shared::{AuditEntry, ChainReport, Outcome, Role};
use sqlx::{AnyPool, Row};

use crate::support::{
    START, Session, TestConsole, body_bytes, body_json, json_request, test_audit_key, test_auth,
    test_store, unkeyed_test_store,
};

async fn create_account(console: &TestConsole, session: &Session, name: &str) {
    let body =
        serde_json::json!({"name": name, "role": "operator", "password": "a long enough password"});
    let response = console
        .send(json_request(
            Method::POST,
            "/api/accounts",
            &body,
            Some(session),
        ))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

async fn verify(console: &TestConsole, session: &Session) -> ChainReport {
    let response = console.get_as("/api/audit/verify", Some(session)).await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_value(body_json(response).await).unwrap()
}

/// The server's checkpoint file as it stands.
fn checkpoint_text(console: &TestConsole) -> String {
    let path = console.state.store().audit_checkpoint_file().unwrap();
    std::fs::read_to_string(path).unwrap()
}

/// A console whose log holds 1: ada created, 2: ada signed in, 3: otto
/// created, and a checkpoint of entry 3.
async fn three_entries() -> (TestConsole, Session) {
    let console = TestConsole::new().await;
    let admin = console.signed_in("ada", Role::Manager, true).await;
    create_account(&console, &admin, "otto").await;
    let report = verify(&console, &admin).await;
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.checked, 3);
    let checkpoint: Checkpoint = serde_json::from_str(&checkpoint_text(&console)).unwrap();
    assert_eq!(checkpoint.seq, 3);
    (console, admin)
}

/// What the old, unkeyed chain allowed: rehash entries `from..` with plain
/// SHA-256 over the stored fields, relink them and move the head; with
/// `downgrade`, also mark every entry as unkeyed.
async fn recompute_without_key(pool: &AnyPool, from: i64, downgrade: bool) {
    if downgrade {
        sqlx::query("UPDATE audit SET mac = 'sha256'")
            .execute(pool)
            .await
            .unwrap();
    }
    let rows = sqlx::query(
        "SELECT seq, at, actor, role, action, clusters, targets, params, outcome, request_id, hash \
         FROM audit ORDER BY seq",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut prev = GENESIS.to_owned();
    for row in rows {
        let seq: i64 = row.try_get("seq").unwrap();
        if seq < from {
            prev = row.try_get("hash").unwrap();
            continue;
        }
        let fields = serde_json::json!([
            seq,
            row.try_get::<i64, _>("at").unwrap(),
            row.try_get::<String, _>("actor").unwrap(),
            row.try_get::<Option<String>, _>("role").unwrap(),
            row.try_get::<String, _>("action").unwrap(),
            row.try_get::<String, _>("clusters").unwrap(),
            row.try_get::<String, _>("targets").unwrap(),
            row.try_get::<String, _>("params").unwrap(),
            row.try_get::<String, _>("outcome").unwrap(),
            row.try_get::<Option<String>, _>("request_id").unwrap(),
            prev,
        ]);
        let hash = hex::encode(Sha256::digest(fields.to_string().as_bytes()));
        sqlx::query("UPDATE audit SET prev_hash = $1, hash = $2 WHERE seq = $3")
            .bind(prev.clone())
            .bind(hash.clone())
            .bind(seq)
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(hash.clone())
            .execute(pool)
            .await
            .unwrap();
        prev = hash;
    }
}

#[tokio::test]
async fn an_edit_with_the_chain_recomputed_without_the_key_is_reported() {
    let (console, admin) = three_entries().await;
    let pool = console.state.store().pool();
    let before = checkpoint_text(&console);

    // Entry 2 edited and the chain from it recomputed the old way.
    sqlx::query("UPDATE audit SET outcome = 'failure' WHERE seq = 2")
        .execute(pool)
        .await
        .unwrap();
    recompute_without_key(pool, 2, false).await;
    let broken = verify(&console, &admin).await.broken.unwrap();
    assert_eq!(broken.seq, 2);
    assert!(broken.reason.contains("edited"), "{}", broken.reason);

    // The whole log rewritten as one that was never keyed: consistent in
    // itself, but not the log the checkpoint signed.
    recompute_without_key(pool, 1, true).await;
    let broken = verify(&console, &admin).await.broken.unwrap();
    assert_eq!(broken.seq, 3);
    assert!(broken.reason.contains("checkpoint"), "{}", broken.reason);

    // The server carries on appending (keyed), but does not move its
    // checkpoint onto the rewritten log: the evidence stays.
    create_account(&console, &admin, "eve").await;
    assert_eq!(checkpoint_text(&console), before);
    let broken = verify(&console, &admin).await.broken.unwrap();
    assert_eq!(broken.seq, 3);
}

#[tokio::test]
async fn an_emptied_log_is_reported_against_the_checkpoint() {
    let (console, admin) = three_entries().await;
    let pool = console.state.store().pool();
    let before = checkpoint_text(&console);
    for table in ["audit", "audit_head"] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(pool)
            .await
            .unwrap();
    }
    let report = verify(&console, &admin).await;
    assert_eq!(report.checked, 0);
    let broken = report.broken.unwrap();
    assert_eq!(broken.seq, 1);
    assert!(broken.reason.contains("emptied"), "{}", broken.reason);

    create_account(&console, &admin, "eve").await;
    assert_eq!(checkpoint_text(&console), before, "the checkpoint is kept");
    let broken = verify(&console, &admin).await.broken.unwrap();
    assert!(
        broken.reason.contains("entries 2..3 were deleted"),
        "{}",
        broken.reason
    );
}

#[tokio::test]
async fn a_cut_tail_with_its_head_moved_back_is_reported() {
    let (console, admin) = three_entries().await;
    let pool = console.state.store().pool();
    let before = checkpoint_text(&console);
    sqlx::query("DELETE FROM audit WHERE seq = 3")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit WHERE seq = 2) WHERE id = 1",
    )
    .execute(pool)
    .await
    .unwrap();
    let report = verify(&console, &admin).await;
    assert_eq!(report.checked, 2, "what remains is consistent");
    let broken = report.broken.unwrap();
    assert_eq!(broken.seq, 3);
    assert!(
        broken.reason.contains("checkpoint") && broken.reason.contains("3..3 were deleted"),
        "{}",
        broken.reason
    );

    // A new entry 3 is not the one the checkpoint signed.
    create_account(&console, &admin, "eve").await;
    assert_eq!(checkpoint_text(&console), before);
    let broken = verify(&console, &admin).await.broken.unwrap();
    assert_eq!(broken.seq, 3);
    assert!(broken.reason.contains("checkpoint"), "{}", broken.reason);
}

#[tokio::test]
async fn an_untouched_log_verifies_and_exports_across_pages() {
    let store = test_store().await.with_audit_page_size(2);
    let console = TestConsole::on_store(store, test_auth());
    let admin = console.signed_in("ada", Role::Manager, true).await;
    for name in ["otto", "olga", "oscar", "omar", "orla"] {
        create_account(&console, &admin, name).await;
    }
    // 1 ada created, 2 signed in, 3..7 the five accounts.
    let report = verify(&console, &admin).await;
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.checked, 7);

    let export = |query: &'static str| {
        let console = &console;
        let admin = &admin;
        async move {
            let response = console
                .get_as(&format!("/api/audit/export{query}"), Some(admin))
                .await;
            assert_eq!(response.status(), StatusCode::OK);
            let text = String::from_utf8(body_bytes(response).await).unwrap();
            text.lines()
                .map(|l| serde_json::from_str::<AuditEntry>(l).unwrap().seq)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(export("").await, [7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(export("?actor=ada").await, [7, 6, 5, 4, 3, 2]);
    assert_eq!(export("?actor=nobody").await, Vec::<i64>::new());
}

#[tokio::test]
async fn a_log_from_before_the_key_verifies_and_cannot_be_continued_unkeyed() {
    let unkeyed = unkeyed_test_store().await;
    let append = |store: Store, i: i32| async move {
        let event = Event::new("test.append", Outcome::Success).param("i", i);
        audit::append(&store, START, Actor::system("test"), None, event).await
    };
    for i in 0..2 {
        append(unkeyed.clone(), i).await.unwrap();
    }
    let (key, checkpoint_file) = test_audit_key();
    let keyed_store = unkeyed
        .clone()
        .with_audit_key(key.clone(), Some(checkpoint_file.clone()));
    for i in 2..4 {
        append(keyed_store.clone(), i).await.unwrap();
    }
    let macs: Vec<String> = sqlx::query_scalar("SELECT mac FROM audit ORDER BY seq")
        .fetch_all(unkeyed.pool())
        .await
        .unwrap();
    assert_eq!(macs, [UNKEYED, UNKEYED, &keyed(&key), &keyed(&key)]);
    let checkpoint = Checkpoint::read(&checkpoint_file).unwrap().unwrap();
    let report = audit::verify::verify_log(&keyed_store, Some(&checkpoint))
        .await
        .unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.checked, 4);

    // Neither a process without the key nor one with another key may
    // carry the chain on, and nothing is written when they try.
    let other = AuditKey::generate(&mut rand::rngs::OsRng);
    keyed_store.check_audit_key().await.unwrap();
    for store in [unkeyed.clone(), unkeyed.clone().with_audit_key(other, None)] {
        assert!(store.check_audit_key().await.is_err(), "refused at startup");
        let err = append(store, 9).await.unwrap_err();
        assert!(matches!(err, StoreError::AuditKey(_)), "{err}");
    }
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit")
        .fetch_one(unkeyed.pool())
        .await
        .unwrap();
    assert_eq!(count, 4);
    let report = audit::verify::verify_log(&keyed_store, Some(&checkpoint))
        .await
        .unwrap();
    assert!(report.intact(), "{report:?}");
}
