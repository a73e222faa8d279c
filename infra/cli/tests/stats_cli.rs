//! `upstream stats` against `upstream dev`: the sales of the test's own payments, the same sums as
//! `upstream payments --csv` for the period.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::process::Command;

use common::{Dev, free_port};
use serde_json::{Value, json};

fn upstream(dev: &Dev, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_upstream"))
        .args(args)
        .args(["--local", &dev.base()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn stats_print_the_sales_the_ledger_export_sums() {
    let (dev, _) = Dev::spawn(free_port(), &["--in-memory"], &[]);
    for user in ["ana", "budi"] {
        let (status, r) = dev.request(
            "POST",
            "/api/generate-qris",
            Some(&json!({"streamId": "2", "userId": user}).to_string()),
        );
        assert_eq!(status, 200, "{r}");
        let (status, r) = dev.request(
            "POST",
            "/api/force-approve",
            Some(&json!({"sessionId": r["data"]["sessionId"]}).to_string()),
        );
        assert_eq!(status, 200, "{r}");
    }
    let json: Value = serde_json::from_str(&upstream(
        &dev,
        &["stats", "--granularity", "hour", "--json"],
    ))
    .unwrap();
    assert_eq!(json["totals"]["sales"], 2, "{json}");
    let revenue = json["totals"]["revenue"].as_u64().unwrap();
    assert!(revenue > 0);

    let table = upstream(&dev, &["stats", "--granularity", "hour"]);
    let total = table.lines().find(|l| l.starts_with("TOTAL")).unwrap();
    let cells: Vec<&str> = total.split_whitespace().collect();
    assert_eq!(cells[1], "2", "{table}");
    let shown = upstream_session::domain::format_idr(revenue);
    assert!(total.contains(&shown), "{total} shows {shown}");
    assert!(
        table.lines().any(|l| l.starts_with("2 ")),
        "the stream's row:\n{table}"
    );

    // The export of the same period sums to the same.
    let csv = upstream(
        &dev,
        &[
            "payments",
            "--from",
            json["from"].as_str().unwrap(),
            "--to",
            json["to"].as_str().unwrap(),
            "--csv",
        ],
    );
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (amount, outcome) = (col("amount"), col("outcome"));
    let granted: Vec<u64> = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|c| c[outcome] == "granted")
        .map(|c| c[amount].parse().unwrap())
        .collect();
    assert_eq!(
        (granted.len() as u64, granted.iter().sum::<u64>()),
        (2, revenue)
    );

    let out = Command::new(env!("CARGO_BIN_EXE_upstream"))
        .args(["stats", "--granularity", "week", "--local", &dev.base()])
        .output()
        .unwrap();
    assert!(!out.status.success(), "an unknown granularity is refused");
    dev.stop();
}
