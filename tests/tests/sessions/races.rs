//! Fifty at once: one idempotency key makes one session, one payment transitions once.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_creates_with_one_idempotency_key_yield_one_session() {
    let h = harness().await;
    let key = upstream_session::domain::IdempotencyKey::parse("tap-1").unwrap();
    let fp = upstream_session::manager::request_fingerprint(&user("demo-user"), &stream("4"), None);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let m = h.manager.clone();
            let idem = Some((key.clone(), fp.clone()));
            tokio::spawn(async move {
                m.create_session(upstream_session::NewSession {
                    user: user("demo-user"),
                    stream: stream("4"),
                    trx: trx(),
                    amount: rp(1000),
                    schedule: Default::default(),
                    idempotency: idem,
                })
                .await
            })
        })
        .collect();
    let mut created_ids = Vec::new();
    let mut replayed = HashSet::new();
    for t in tasks {
        match t.await.unwrap().unwrap() {
            CreateOutcome::Created(s) => created_ids.push(s.session_id),
            CreateOutcome::Replayed(s) => {
                replayed.insert(s.session_id);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(created_ids.len(), 1, "exactly one Created");
    assert_eq!(
        replayed,
        HashSet::from([created_ids[0].clone()]),
        "all others see that one"
    );
    let sessions = scan_all(&h.client, &h.table)
        .await
        .into_iter()
        .filter(|i| i.get("kind") == Some(&AttributeValue::S("session".into())))
        .count();
    assert_eq!(sessions, 1, "exactly one session item for the key");
    // The same key with another request is refused and writes nothing.
    let other = h
        .manager
        .create_session(upstream_session::NewSession {
            user: user("demo-user"),
            stream: stream("2"),
            trx: trx(),
            amount: rp(1000),
            schedule: Default::default(),
            idempotency: Some((
                key.clone(),
                upstream_session::manager::request_fingerprint(
                    &user("demo-user"),
                    &stream("2"),
                    None,
                ),
            )),
        })
        .await
        .unwrap();
    assert_eq!(other, CreateOutcome::KeyReused);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_payments_transition_once() {
    let h = harness().await;
    let s = created(&h, "demo-user", "4").await;
    h.clock.advance(TimeDelta::minutes(1));
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let m = h.manager.clone();
            let key = if i % 2 == 0 {
                SessionKey::Trx(s.trx_id.clone())
            } else {
                SessionKey::Session(s.session_id.clone())
            };
            tokio::spawn(async move { m.mark_paid(&key, &Origin::new("webhook")).await })
        })
        .collect();
    let mut paid = 0;
    let mut paid_ats = HashSet::new();
    for t in tasks {
        match t.await.unwrap().unwrap() {
            PayOutcome::Paid { session, .. } => {
                paid += 1;
                paid_ats.insert(session.paid_at);
            }
            PayOutcome::AlreadyPaid(session) => {
                paid_ats.insert(session.paid_at);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(paid, 1, "exactly one transition");
    assert_eq!(paid_ats.len(), 1, "one paid_at");
    let events = h.manager.events(&s.session_id).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.action == "paid").count(), 1);
    assert_eq!(events.len(), 1, "the payment is the only event: {events:?}");
}
