//! The operator's sales at a glance (`GET /admin/stats`): the same sums as the ledger's CSV export,
//! per WIB hour and day, refunds opened and settled, QR opened to paid, bounded Queries only.

use super::*;

/// `(sales, revenue, refunds opened)` of a CSV export: granted rows and their amounts, refund_due rows.
fn csv_sums(csv: &str) -> (u64, u64, u64) {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (amount, outcome) = (col("amount"), col("outcome"));
    let mut sums = (0, 0, 0);
    for line in lines.filter(|l| !l.is_empty()) {
        // No cell of these rows holds a comma (ids, amounts, outcomes, no notes).
        let cells: Vec<&str> = line.split(',').collect();
        match cells[outcome] {
            "granted" => {
                sums.0 += 1;
                sums.1 += cells[amount].parse::<u64>().unwrap();
            }
            "refund_due" => sums.2 += 1,
            _ => {}
        }
    }
    sums
}

/// An instant as a query value (`+` would read as a space).
fn enc(s: &str) -> String {
    s.replace('+', "%2B")
}

#[tokio::test]
async fn stats_equal_the_ledger_export_and_count_qr_opened_to_paid() {
    let api = api().await;
    let start = api.h.manager.now();
    // Two sales in this hour, one QR left unpaid, one paid twice (a refund owed, then settled).
    let (trx_a, _) = ids(&generate(&api, "ana", "2").await);
    pay(&api, &trx_a, 1000, "GW-S1").await;
    let (trx_b, _) = ids(&generate(&api, "budi", "2").await);
    pay(&api, &trx_b, 1000, "GW-S2").await;
    pay(&api, &trx_b, 1000, "GW-S3").await;
    generate(&api, "citra", "2").await;
    let open = refunds(&api, "open").await;
    assert_eq!(open.len(), 1);
    let settle = api
        .admin(
            "POST",
            &format!(
                "/admin/refunds/{}/settle",
                open[0]["paymentId"].as_str().unwrap()
            ),
            "",
            Some(json!({"note": "transfer"})),
        )
        .await;
    assert_eq!(settle.status, 200, "{:?}", settle.body);
    // A third sale three hours later.
    api.h.clock.advance(TimeDelta::hours(3));
    let (trx_c, _) = ids(&generate(&api, "dewi", "2").await);
    pay(&api, &trx_c, 1000, "GW-S4").await;

    let r = api
        .admin("GET", "/admin/stats", "granularity=hour", None)
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(
        r.operations.iter().all(|o| o == "Query"),
        "Queries only, never a Scan: {:?}",
        r.operations
    );
    let d = r.data();
    let totals = &d["totals"];
    assert_eq!(
        (&totals["sales"], &totals["revenue"]),
        (&json!(3), &json!(3000))
    );
    assert_eq!(
        (&totals["refundsOpened"], &totals["refundsSettled"]),
        (&json!(1), &json!(1))
    );
    let buckets = d["buckets"].as_array().unwrap();
    assert!(buckets.len() >= 48, "the last 48 hours, hour by hour");
    let with_sales: Vec<(u64, u64)> = buckets
        .iter()
        .filter(|b| b["sales"] != 0)
        .map(|b| (b["sales"].as_u64().unwrap(), b["revenue"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        with_sales,
        vec![(2, 2000), (1, 1000)],
        "two hours with sales"
    );
    assert_eq!(d["streams"][0]["streamId"], "2");
    assert_eq!(d["streams"][0]["revenue"], 3000);
    let conversion = &d["conversion"];
    assert_eq!(
        (&conversion["opened"], &conversion["paid"]),
        (&json!(4), &json!(3)),
        "four QR codes opened, three paid"
    );

    // The same period in the CSV export: the same sums.
    let query = |from: &str, to: &str| format!("from={}&to={}", enc(from), enc(to));
    let (from, to) = (d["from"].as_str().unwrap(), d["to"].as_str().unwrap());
    let csv = api
        .admin(
            "GET",
            "/admin/payments",
            &(query(from, to) + "&format=csv"),
            None,
        )
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(
        csv_sums(csv.body.as_str().unwrap()),
        (3, 3000, 1),
        "the export of the same period"
    );

    // By day, an explicit period: the same totals in one WIB day bucket (or two, across midnight).
    let day = api
        .admin(
            "GET",
            "/admin/stats",
            &(query(&start.to_rfc3339(), &api.h.manager.now().to_rfc3339()) + "&granularity=day"),
            None,
        )
        .await;
    assert_eq!(day.status, 200, "{:?}", day.body);
    assert_eq!(day.data()["totals"], d["totals"]);
    let summed: u64 = day.data()["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["revenue"].as_u64().unwrap())
        .sum();
    assert_eq!(summed, 3000, "the bars add up to the total");

    // A day later the unpaid QR may be gone from the table: conversion counts only from where every
    // session is still stored, and says so; the ledger's sums do not move.
    api.h.clock.advance(TimeDelta::hours(27));
    let later = api
        .admin("GET", "/admin/stats", "granularity=hour", None)
        .await;
    assert_eq!(later.data()["totals"], d["totals"]);
    assert_eq!(later.data()["conversion"]["opened"], 0, "{:?}", later.body);
}

#[tokio::test]
async fn stats_refuse_unknown_granularity_and_unbounded_periods() {
    let api = api().await;
    for (query, field) in [
        ("granularity=week", "granularity"),
        ("from=2026-12-01&to=2026-11-01", "to"),
        ("from=2026-11-01&to=2026-11-20&granularity=hour", "from"),
        ("from=2026-01-01&to=2026-03-01&granularity=day", "from"),
        ("from=kemarin", "from"),
    ] {
        let r = api.admin("GET", "/admin/stats", query, None).await;
        assert_eq!((r.status, r.code()), (400, "INVALID_FIELD"), "{query}");
        assert!(
            r.body["error"].as_str().unwrap().contains(field),
            "{query}: {:?}",
            r.body
        );
        assert!(r.operations.is_empty(), "{query}: refused before any read");
    }
    let empty = api
        .admin(
            "GET",
            "/admin/stats",
            "from=2026-11-01&to=2026-11-30&granularity=day",
            None,
        )
        .await;
    assert_eq!(empty.status, 200, "{:?}", empty.body);
    assert_eq!(empty.data()["buckets"].as_array().unwrap().len(), 30);
    assert_eq!(empty.data()["totals"]["sales"], 0);
}
