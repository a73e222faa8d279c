//! The sharded indexes on DynamoDB Local: listings keep their order and paging across shards and WIB
//! days, a burst on one stream spreads over every index's partitions, and `backfill` moves a table
//! written before sharding.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, TimeDelta, Utc};
use upstream_session::calls::count_calls;
use upstream_session::domain::{
    Amount, PaymentReport, PaymentSession, ReportKind, Status, StreamId, TrxId, UserId,
};
use upstream_session::store::shard::SHARDS;
use upstream_session::store::{ListFilter, TABLE};
use upstream_session::{CreateOutcome, Origin, Store};
use upstream_tests::{Harness, harness, scan_all};

async fn create(h: &Harness, user: &str, stream: &str) -> PaymentSession {
    let created = h
        .manager
        .create_payment_session(
            UserId::parse(user).unwrap(),
            StreamId::parse(stream).unwrap(),
            TrxId::generate(h.manager.now()),
            Amount::new(1000).unwrap(),
        )
        .await
        .unwrap();
    match created {
        CreateOutcome::Created(s) => s,
        other => panic!("expected Created, got {other:?}"),
    }
}

async fn pay(h: &Harness, s: &PaymentSession) {
    let report = PaymentReport {
        provider: "webhook".into(),
        provider_ref: Some(format!("GW-{}", s.trx_id)),
        trx_id: s.trx_id.to_string(),
        amount: 1000,
        kind: ReportKind::Paid,
    };
    h.manager
        .record_report(&report, &Origin::new("webhook"))
        .await
        .unwrap();
}

/// Every page of a session listing with `limit`, and the most Queries one page sent.
async fn all_pages(
    store: &Store,
    stream: Option<&str>,
    status: Option<Status>,
    limit: usize,
    now: DateTime<Utc>,
) -> (Vec<String>, usize) {
    let (mut ids, mut cursor, mut most) = (Vec::new(), None, 0);
    for _ in 0..200 {
        let filter = ListFilter {
            stream: stream.map(|s| StreamId::parse(s).unwrap()),
            status,
            limit,
            cursor: cursor.take(),
        };
        let (page, calls) = count_calls(store.list_sessions(&filter, now)).await;
        let page = page.unwrap();
        assert!(calls.iter().all(|c| c == "Query"), "{calls:?}");
        most = most.max(calls.len());
        ids.extend(page.sessions.iter().map(|s| s.session_id.to_string()));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return (ids, most),
        }
    }
    panic!("the listing never ended");
}

/// Sessions over three WIB days (crossing midnight WIB at 17:00 UTC), two streams, some paid.
async fn spread(h: &Harness) -> Vec<PaymentSession> {
    let mut sessions = Vec::new();
    for day in 0..3 {
        for i in 0..9 {
            h.clock.advance(TimeDelta::minutes(41));
            let s = create(h, &format!("u{day}x{i}"), ["2", "4"][i % 2]).await;
            if i % 3 == 0 {
                pay(h, &s).await;
            }
            sessions.push(s);
        }
        h.clock.advance(TimeDelta::hours(17));
    }
    sessions
}

fn newest_first(sessions: &[&PaymentSession]) -> Vec<String> {
    let mut sorted = sessions.to_vec();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.created_at));
    sorted.iter().map(|s| s.session_id.to_string()).collect()
}

#[tokio::test]
async fn listings_keep_order_and_paging_across_shards_and_days() {
    let h = harness().await;
    let sessions = spread(&h).await;
    let now = h.manager.now();
    let all: Vec<_> = sessions.iter().collect();
    let days: std::collections::BTreeSet<_> = sessions
        .iter()
        .map(|s| upstream_session::store::shard::wib_day(s.created_at))
        .collect();
    assert!(days.len() >= 3, "spread over {days:?}");

    let (whole, queries) = all_pages(&h.store, None, None, 100, now).await;
    assert_eq!(whole, newest_first(&all), "newest first over every day");
    assert!(queries <= 8 * SHARDS as usize, "{queries} Queries");
    for limit in [1, 4, 7] {
        let (paged, queries) = all_pages(&h.store, None, None, limit, now).await;
        assert_eq!(paged, whole, "pages of {limit}");
        assert!(queries <= 8 * SHARDS as usize);
    }

    let of_stream: Vec<_> = sessions
        .iter()
        .filter(|s| s.stream_id.as_str() == "2")
        .collect();
    let (one, queries) = all_pages(&h.store, Some("2"), None, 100, now).await;
    assert_eq!(one, newest_first(&of_stream));
    assert_eq!(
        queries, SHARDS as usize,
        "a stream: one round of {SHARDS} Queries"
    );
    assert_eq!(all_pages(&h.store, Some("2"), None, 3, now).await.0, one);

    // A status filter, as of the last day (only its latest paid sessions are still within access).
    let at = sessions.last().unwrap().created_at + TimeDelta::minutes(1);
    let paid: Vec<_> = h
        .store
        .list_sessions(
            &ListFilter {
                stream: None,
                status: Some(Status::Paid),
                limit: 100,
                cursor: None,
            },
            at,
        )
        .await
        .unwrap()
        .sessions;
    assert!(paid.iter().all(|s| s.status_at(at) == Status::Paid));
    let expected: Vec<_> = {
        let listed: Vec<_> = whole.iter().collect();
        let stored: HashMap<_, _> = sessions
            .iter()
            .map(|s| (s.session_id.to_string(), s))
            .collect();
        let mut ids = Vec::new();
        for id in listed {
            let fresh = h
                .manager
                .get_payment_session(&stored[id].session_id)
                .await
                .unwrap()
                .unwrap();
            if fresh.status_at(at) == Status::Paid {
                ids.push(id.clone());
            }
        }
        ids
    };
    let paid: Vec<_> = paid.iter().map(|s| s.session_id.to_string()).collect();
    assert_eq!(paid, expected);
    assert!(!paid.is_empty());

    // The ledger of the whole period, oldest first, paged across days and shards.
    let (from, to) = (now - TimeDelta::days(5), now);
    let mut ledger = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = h
            .store
            .list_payments(from, to, 2, cursor.as_deref())
            .await
            .unwrap();
        ledger.extend(page.records);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(ledger.len(), 9, "every payment once");
    assert!(
        ledger
            .windows(2)
            .all(|w| w[0].received_at <= w[1].received_at)
    );
    let first_day = h
        .store
        .list_payments(from, ledger[2].received_at, 100, None)
        .await
        .unwrap();
    assert_eq!(first_day.records, ledger[..3].to_vec(), "bounded by `to`");

    // A cursor of one listing does not continue another.
    let stream_cursor = h
        .store
        .list_sessions(
            &ListFilter {
                stream: Some(StreamId::parse("2").unwrap()),
                status: None,
                limit: 1,
                cursor: None,
            },
            now,
        )
        .await
        .unwrap()
        .next_cursor
        .unwrap();
    let crossed = ListFilter {
        stream: Some(StreamId::parse("4").unwrap()),
        status: None,
        limit: 1,
        cursor: Some(stream_cursor),
    };
    assert!(h.store.list_sessions(&crossed, now).await.is_err());
}

#[tokio::test]
async fn a_burst_on_one_stream_spreads_over_every_index() {
    let h = harness().await;
    let burst = 1000;
    for chunk in 0..burst / 50 {
        let users: Vec<String> = (0..50).map(|i| format!("v{chunk}x{i}")).collect();
        let creates = users.iter().map(|u| create(&h, u, "2"));
        let _ = futures_util::future::join_all(creates).await;
    }
    let items = scan_all(&h.client, &h.table).await;
    let sessions = items
        .iter()
        .filter(|i| i.get("kind") == Some(&AttributeValue::S("session".into())))
        .count();
    assert_eq!(sessions, burst);
    for index in TABLE.indexes {
        let mut per_partition: HashMap<&str, usize> = HashMap::new();
        for item in &items {
            if let Some(AttributeValue::S(p)) = item.get(index.hash.name) {
                *per_partition.entry(p.as_str()).or_default() += 1;
            }
        }
        let hottest = per_partition.values().max().copied().unwrap_or(0);
        // Hash shards: 1/N on average; the hottest of N binomial(1000, 1/N) shards stays within
        // 1.35× of it (a deviation of four standard deviations).
        let fair = burst / SHARDS as usize;
        assert!(
            hottest * 100 <= fair * 135,
            "{}: hottest partition got {hottest} of {burst} ({per_partition:?})",
            index.name
        );
    }
}

#[tokio::test]
async fn backfill_moves_an_old_layout_table_with_nothing_lost() {
    let h = harness().await;
    spread(&h).await;
    let now = h.manager.now();
    let (before, _) = all_pages(&h.store, None, None, 100, now).await;
    // Rewrite every session and payment record to the layout before sharding.
    let current = scan_all(&h.client, &h.table).await;
    for item in &current {
        let kind = match item.get("kind") {
            Some(AttributeValue::S(k)) if k == "session" => "SESSION",
            Some(AttributeValue::S(k)) if k == "payment" => "PAYMENT",
            _ => continue,
        };
        let mut old = item.clone();
        old.remove("timePk");
        old.remove("streamShard");
        old.insert("allPk".into(), AttributeValue::S(kind.into()));
        if let Some(stream) = item.get("streamId").filter(|_| kind == "SESSION") {
            old.insert("streamPk".into(), stream.clone());
        }
        h.client
            .put_item()
            .table_name(&h.table)
            .set_item(Some(old))
            .send()
            .await
            .unwrap();
    }
    assert!(all_pages(&h.store, None, None, 100, now).await.0.is_empty());

    let report = h.store.backfill_index_keys().await.unwrap();
    assert_eq!(report.updated, 27 + 9, "{report:?}");
    assert_eq!(report.scanned as usize, current.len());
    let after = scan_all(&h.client, &h.table).await;
    let by_key = |items: &[HashMap<String, AttributeValue>]| -> HashMap<String, HashMap<String, AttributeValue>> {
        items
            .iter()
            .map(|i| {
                let mut i = i.clone();
                i.remove("allPk");
                i.remove("streamPk");
                (format!("{:?}{:?}", i["pk"], i["sk"]), i)
            })
            .collect()
    };
    assert_eq!(
        by_key(&after),
        by_key(&current),
        "nothing lost, the same keys back"
    );
    assert_eq!(all_pages(&h.store, None, None, 4, now).await.0, before);
    let again = h.store.backfill_index_keys().await.unwrap();
    assert_eq!((again.updated, again.current), (0, 36), "idempotent");
}
