//! Capacity units as budgets: every DynamoDB call asks `ReturnConsumedCapacity = INDEXES`; each route
//! of a ticket rush (open a QR, pay it, poll, list) and of a stream's start (the media servers'
//! admissions, the reaper's runs) is measured on DynamoDB Local (table and each index) and held to a
//! budget next to its call count. `--nocapture` prints the table the README and the capacity model
//! (`upstream_session::capacity`) quote.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use chrono::TimeDelta;
use serde_json::json;
use upstream_session::calls::{TABLE_UNITS, Units, count_usage};
use upstream_session::capacity::{MEASURED, RouteUnits};
use upstream_session::edge::event::scheduled_event;
use upstream_tests::kicking::{RULE, kicking, run_budget, srs_play, viewer};
use upstream_tests::{Reply, api};

/// A route's budget: at most these calls, and at most these units (read, write) in the table and each index.
struct Budget {
    route: &'static str,
    calls: usize,
    read: f64,
    write: f64,
}

async fn open_qr(api: &upstream_tests::Api, user: &str) -> Reply {
    let body = json!({"streamId": "2", "userId": user});
    api.request(
        "generate-qris",
        "POST",
        "/api/generate-qris",
        "",
        Some(body),
    )
    .await
}

/// A route's write units in the capacity model: the table and every index.
fn write(r: &RouteUnits) -> f64 {
    r.table.write + r.by_user + r.by_time + r.by_stream_shard + r.by_refund
}

/// The budget of a route the capacity model counts: its `MEASURED` units.
fn measured(route: &'static str, calls: usize, r: &RouteUnits) -> Budget {
    budget(route, calls, r.table.read, write(r))
}

fn budget(route: &'static str, calls: usize, read: f64, write: f64) -> Budget {
    Budget {
        route,
        calls,
        read,
        write,
    }
}

fn check(reply: &Reply, budget: &Budget) {
    assert!(reply.status < 300, "{}: {:?}", budget.route, reply.body);
    let total = reply.capacity.total();
    println!(
        "| {} | {} | {:.1} | {:.1} | {} |",
        budget.route,
        reply.calls,
        total.read,
        total.write,
        reply
            .capacity
            .0
            .iter()
            .map(|(k, u)| format!("{k} {:.1}R/{:.1}W", u.read, u.write))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert!(
        reply.calls as usize <= budget.calls,
        "{}: {:?}",
        budget.route,
        reply.operations
    );
    assert!(
        total.read <= budget.read && total.write <= budget.write,
        "{}: {total:?} over ({}, {})",
        budget.route,
        budget.read,
        budget.write
    );
    assert!(
        total.read + total.write > 0.0,
        "{}: DynamoDB reports the units",
        budget.route
    );
}

#[tokio::test]
async fn every_rush_route_stays_within_its_capacity_budget() {
    let api = api().await;
    println!("| route | calls | RCU | WCU | where |\n|---|---|---|---|---|");
    let streams = api
        .request("streams", "GET", "/api/streams", "", None)
        .await;
    check(
        &streams,
        &budget("GET /api/streams", 1, MEASURED.streams.table.read, 0.0),
    );
    let cold = open_qr(&api, "rush-1").await;
    check(
        &cold,
        &budget(
            "POST /api/generate-qris (catalog not cached)",
            2,
            MEASURED.generate_qris.table.read + 1.0,
            write(&MEASURED.generate_qris),
        ),
    );
    let qr = open_qr(&api, "rush-2").await;
    check(
        &qr,
        &measured("POST /api/generate-qris", 1, &MEASURED.generate_qris),
    );
    // The session is written once in the table and once in each index that lists it.
    for index in ["byUser", "byTime", "byStreamShard"] {
        assert!(
            qr.capacity.at(index).write >= 1.0,
            "{index}: {:?}",
            qr.capacity
        );
    }
    assert!(
        qr.capacity.at(TABLE_UNITS).write >= 3.0,
        "{:?}",
        qr.capacity
    );
    let (trx, session) = (
        qr.data()["trxId"].as_str().unwrap().to_owned(),
        qr.data()["sessionId"].as_str().unwrap().to_owned(),
    );
    let poll = api
        .request(
            "check-access",
            "GET",
            "/api/check-access",
            &format!("sessionId={session}&streamId=2"),
            None,
        )
        .await;
    check(
        &poll,
        &measured("GET /api/check-access", 1, &MEASURED.check_access),
    );
    let paid = api
        .webhook(
            &json!({"trxId": trx, "amount": 2500, "status": "paid", "providerRef": "GW-RUSH"}),
            None,
        )
        .await;
    check(
        &paid,
        &measured(
            "POST /api/payment-callback (paid)",
            2,
            &MEASURED.payment_callback,
        ),
    );
    assert!(
        paid.capacity.at("byTime").write >= 1.0,
        "the payment record and the session"
    );
    let mine = api
        .request(
            "user-sessions",
            "GET",
            "/api/user-sessions",
            "userId=rush-2",
            None,
        )
        .await;
    check(&mine, &budget("GET /api/user-sessions", 1, 0.5, 0.0));
    let listing = api.admin("GET", "/admin/sessions", "", None).await;
    // Today's 8 shards, then the previous days' back to the sessions' lifetime (at most
    // 8 rounds of 8 Queries; a nearly empty table walks the whole window).
    check(&listing, &budget("GET /admin/sessions", 64, 8.0, 0.0));
}

/// When a stream starts every viewer's player connects: each admission is one PutItem of the
/// connection (the table and the sparse `byKick`, no listing index), and a run of the media reaper
/// reads only its 8 `byKick` buckets.
#[tokio::test]
async fn a_media_admission_and_a_reaper_run_stay_within_their_budgets() {
    let k = kicking().await;
    let api = &k.api;
    let (_, token, access_end) = viewer(api, "rush-media").await;
    k.srs.connect(None, "9308h583");
    let admitted = srs_play(api, &token, "9308h583").await;
    check(
        &admitted,
        &budget("POST /api/playback-auth/srs (admitted)", 1, 0.0, 2.0),
    );
    assert!(
        admitted.capacity.at("byKick").write >= 1.0,
        "{:?}",
        admitted.capacity
    );
    for index in ["byUser", "byTime", "byStreamShard", "byRefund"] {
        assert_eq!(admitted.capacity.at(index), Units::default(), "{index}");
    }

    // A run once the access has ended: the record around it gets its operations and their units.
    api.h.clock.set(access_end + TimeDelta::seconds(1));
    let event = scheduled_event(api.h.manager.now(), RULE);
    let ((answer, _), operations, units) = count_usage(api.run("media-reaper", &event)).await;
    assert_eq!(answer.unwrap()["kicked"], 1);
    assert_eq!(operations, run_budget(1));
    let total = units.total();
    println!(
        "| media-reaper run (one connection ended) | {} | {:.1} | {:.1} | {units:?} |",
        operations.len(),
        total.read,
        total.write
    );
    // Reads on `byKick` (and one on `byRefund`: no refund open); the BatchWriteItem deletes the
    // connection (table and `byKick`).
    assert_eq!(units.at(TABLE_UNITS).read, 0.0, "{units:?}");
    assert!(units.at("byKick").read > 0.0, "{units:?}");
    assert!(total.read <= 4.0 && total.write <= 2.0, "{units:?}");
}
