//! SessionManager against the official DynamoDB Local.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::HashSet;

use aws_sdk_dynamodb::types::{AttributeValue, TimeToLiveStatus};
use chrono::TimeDelta;
use upstream_session::domain::{
    Amount, Outcome, PaymentReport, PaymentSession, RefundReason, ReportKind, Status, StreamId,
    TrxId, UserId,
};
use upstream_session::rules::Refusal;
use upstream_session::store::local_client;
use upstream_session::{
    CreateOutcome, Origin, PayOutcome, Recorded, RevokeOutcome, SessionKey, Store, StoreError,
};
use upstream_tests::{Harness, harness, scan_all, t0};

/// Fifty at once: one idempotency key makes one session, one payment transitions once.
#[path = "sessions/races.rs"]
mod races;

/// What every item carries (its ttl, the table's TTL setting) and an unreachable DynamoDB.
#[path = "sessions/storage.rs"]
mod storage;

fn user(u: &str) -> UserId {
    UserId::parse(u).unwrap()
}
fn stream(s: &str) -> StreamId {
    StreamId::parse(s).unwrap()
}
fn rp(n: u64) -> Amount {
    Amount::new(n).unwrap()
}
fn trx() -> TrxId {
    TrxId::generate(t0())
}
fn webhook() -> Origin {
    Origin::new("webhook")
}

/// A verified report from the generic webhook for `s`'s QR.
async fn report(h: &Harness, s: &PaymentSession, kind: ReportKind, reference: &str) -> Recorded {
    let r = PaymentReport {
        provider: "webhook".into(),
        provider_ref: Some(reference.into()),
        trx_id: s.trx_id.to_string(),
        amount: s.amount.rupiah(),
        kind,
    };
    h.manager.record_report(&r, &webhook()).await.unwrap()
}

async fn create(h: &Harness, u: &str, s: &str) -> CreateOutcome {
    h.manager
        .create_payment_session(user(u), stream(s), trx(), rp(1000))
        .await
        .unwrap()
}

async fn created(h: &Harness, u: &str, s: &str) -> upstream_session::domain::PaymentSession {
    match create(h, u, s).await {
        CreateOutcome::Created(s) => s,
        other => panic!("expected Created, got {other:?}"),
    }
}

#[tokio::test]
async fn create_then_get_by_id_and_trx() {
    let h = harness().await;
    let s = created(&h, "demo-user", "4").await;
    assert_eq!(s.status, Status::Pending);
    assert_eq!(s.expires_at, t0() + TimeDelta::hours(2));
    assert_eq!(
        h.manager.get_payment_session(&s.session_id).await.unwrap(),
        Some(s.clone())
    );
    assert_eq!(
        h.manager.get_by_trx(&s.trx_id).await.unwrap(),
        Some(s.clone())
    );
    let unknown = upstream_session::domain::SessionId::generate();
    assert_eq!(h.manager.get_payment_session(&unknown).await.unwrap(), None);
}

#[tokio::test]
async fn several_pending_sessions_of_one_viewer_and_stream_coexist() {
    let h = harness().await;
    let first = created(&h, "demo-user", "4").await;
    h.clock.advance(TimeDelta::minutes(5));
    let second = created(&h, "demo-user", "4").await;
    assert_ne!(second.session_id, first.session_id);
    assert_ne!(second.trx_id, first.trx_id);
    // Another stream or another user is independent.
    created(&h, "demo-user", "2").await;
    created(&h, "other-user", "4").await;
}

#[tokio::test]
async fn mark_paid_once_then_access_for_two_hours_from_payment() {
    let h = harness().await;
    let s = created(&h, "demo-user", "4").await;
    h.clock.advance(TimeDelta::minutes(30));
    let paid_at = t0() + TimeDelta::minutes(30);
    let paid = match h
        .manager
        .mark_paid(&SessionKey::Trx(s.trx_id.clone()), &webhook())
        .await
        .unwrap()
    {
        PayOutcome::Paid {
            session,
            late: false,
        } => session,
        other => panic!("expected Paid, got {other:?}"),
    };
    assert_eq!(paid.paid_at, Some(paid_at));
    assert_eq!(paid.expires_at, paid_at + TimeDelta::hours(2));

    // A second confirmation changes nothing: no second window.
    h.clock.advance(TimeDelta::minutes(10));
    match h
        .manager
        .mark_paid(&SessionKey::Session(s.session_id.clone()), &webhook())
        .await
        .unwrap()
    {
        PayOutcome::AlreadyPaid(again) => assert_eq!(again, paid),
        other => panic!("expected AlreadyPaid, got {other:?}"),
    }
    assert_eq!(
        h.manager.get_by_trx(&s.trx_id).await.unwrap(),
        Some(paid.clone()),
        "trx mirror follows"
    );

    let check = h
        .manager
        .has_paid_access(&s.session_id, &stream("4"), Some(&user("demo-user")))
        .await
        .unwrap();
    assert!(check.access.granted);
    assert_eq!(check.access.remaining, TimeDelta::minutes(110));
    assert!(
        !h.manager
            .has_paid_access(&s.session_id, &stream("2"), None)
            .await
            .unwrap()
            .access
            .granted
    );
    assert!(
        !h.manager
            .has_paid_access(&s.session_id, &stream("4"), Some(&user("x")))
            .await
            .unwrap()
            .access
            .granted
    );

    match create(&h, "demo-user", "4").await {
        CreateOutcome::AlreadyPaid { session, remaining } => {
            assert_eq!(session.session_id, s.session_id);
            assert_eq!(remaining, TimeDelta::minutes(110));
        }
        other => panic!("expected AlreadyPaid, got {other:?}"),
    }

    // Time moves; access ends exactly at expires_at, whatever TTL has or has not deleted.
    h.clock.set(paid.expires_at - TimeDelta::milliseconds(1));
    assert!(
        h.manager
            .has_paid_access(&s.session_id, &stream("4"), None)
            .await
            .unwrap()
            .access
            .granted
    );
    h.clock.set(paid.expires_at);
    let check = h
        .manager
        .has_paid_access(&s.session_id, &stream("4"), None)
        .await
        .unwrap();
    assert!(!check.access.granted);
    assert_eq!(check.access.remaining, TimeDelta::zero());
    assert_eq!(
        check.session.unwrap().status_at(h.manager.now()),
        Status::Expired
    );
    assert_eq!(
        h.manager
            .has_active_session_for_stream(&user("demo-user"), &stream("4"))
            .await
            .unwrap(),
        None
    );

    // After paid access expires, a new session for the same user+stream can be created.
    let next = created(&h, "demo-user", "4").await;
    assert_ne!(next.session_id, s.session_id);
}

#[tokio::test]
async fn an_expired_pending_session_frees_the_pair_and_a_late_payment_is_honoured() {
    let h = harness().await;
    let old = created(&h, "demo-user", "4").await;
    h.clock.advance(TimeDelta::hours(2));
    let fresh = created(&h, "demo-user", "4").await;
    assert_ne!(fresh.session_id, old.session_id);

    // The viewer paid the old QR late: honoured with a fresh window.
    h.clock.advance(TimeDelta::minutes(1));
    let paid = match h
        .manager
        .mark_paid(&SessionKey::Trx(old.trx_id.clone()), &webhook())
        .await
        .unwrap()
    {
        PayOutcome::Paid {
            session,
            late: true,
        } => session,
        other => panic!("expected a late Paid, got {other:?}"),
    };
    assert!(
        h.manager
            .has_paid_access(&old.session_id, &stream("4"), None)
            .await
            .unwrap()
            .access
            .granted
    );
    assert_eq!(
        h.manager
            .has_active_session_for_stream(&user("demo-user"), &stream("4"))
            .await
            .unwrap(),
        Some(paid.clone())
    );

    // Paying the other pending session as well is a duplicate: on the ledger as owed, not granted.
    let dup = report(&h, &fresh, ReportKind::Paid, "GW-DUP").await;
    assert_eq!(
        dup.record.outcome,
        Outcome::RefundDue(RefundReason::DuplicateAccess)
    );
    assert!(!dup.already_processed);
    let stored = h
        .manager
        .get_payment_session(&fresh.session_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.status,
        Status::Pending,
        "the duplicate grants nothing"
    );
    let events = h.manager.events(&fresh.session_id).await.unwrap();
    assert!(
        events.iter().any(|e| e.action == "duplicate_access"),
        "{events:?}"
    );
}

#[tokio::test]
async fn failed_and_revoked_sessions_release_the_pair() {
    let h = harness().await;
    let s = created(&h, "demo-user", "4").await;
    let failed = report(&h, &s, ReportKind::Failed, "GW-F").await;
    assert_eq!(failed.record.outcome, Outcome::Failed);
    assert_eq!(failed.session.unwrap().status, Status::Failed);
    assert!(matches!(
        h.manager
            .mark_paid(&SessionKey::Trx(s.trx_id.clone()), &webhook())
            .await
            .unwrap(),
        PayOutcome::Refused {
            refusal: Refusal::Closed(Status::Failed),
            ..
        }
    ));
    let next = created(&h, "demo-user", "4").await;
    h.manager
        .mark_paid(&SessionKey::Session(next.session_id.clone()), &webhook())
        .await
        .unwrap();
    let ignored = report(&h, &next, ReportKind::Failed, "GW-F2").await;
    assert_eq!(ignored.record.outcome, Outcome::Failed);
    assert_eq!(ignored.session.as_ref().unwrap().status, Status::Paid);
    match h
        .manager
        .revoke(&next.session_id, false, &Origin::new("admin"))
        .await
        .unwrap()
    {
        RevokeOutcome::Revoked { session, refund } => {
            assert_eq!(session.status, Status::Revoked);
            assert_eq!(refund, None);
        }
        other => panic!("expected Revoked, got {other:?}"),
    }
    assert!(
        !h.manager
            .has_paid_access(&next.session_id, &stream("4"), None)
            .await
            .unwrap()
            .access
            .granted
    );
    created(&h, "demo-user", "4").await;
    let unknown = SessionKey::Trx(TrxId::parse("UP-NOPE").unwrap());
    assert_eq!(
        h.manager.mark_paid(&unknown, &webhook()).await.unwrap(),
        PayOutcome::NotFound
    );
}

#[tokio::test]
async fn user_sessions_lists_live_sessions_only() {
    let h = harness().await;
    let a = created(&h, "demo-user", "2").await;
    let b = created(&h, "demo-user", "4").await;
    let c = created(&h, "demo-user", "5").await;
    created(&h, "someone-else", "2").await;
    h.clock.advance(TimeDelta::minutes(1));
    h.manager
        .mark_paid(&SessionKey::Session(b.session_id.clone()), &webhook())
        .await
        .unwrap();
    report(&h, &c, ReportKind::Failed, "GW-C").await;
    let live = h
        .manager
        .get_user_sessions(&user("demo-user"))
        .await
        .unwrap();
    let ids: Vec<_> = live.iter().map(|s| s.session_id.clone()).collect();
    assert_eq!(ids, vec![a.session_id.clone(), b.session_id.clone()]);
    h.clock.advance(TimeDelta::hours(2));
    let live = h
        .manager
        .get_user_sessions(&user("demo-user"))
        .await
        .unwrap();
    assert!(live.is_empty(), "{live:?}");
}
