//! `upstream qris inspect` and `upstream dev` hold payloads to the QRIS specification's rules.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::process::{Command, Output};

/// Real static GoPay merchant (conforms).
const GOPAY_STATIC: &str = "00020101021126610014COM.GO-JEK.WWW01189360091436271261480210G6271261480303UMI51440014ID.CO.QRIS.WWW0215ID10253896834060303UMI5204573253033605802ID5909aldo soft6013PASAMAN BARAT61052656662070703A0163042275";
/// Real AstraPay static merchant (test data of `astrapay/spring-qris`): valid syntax and CRC, but a
/// 3-digit MCC, a 26-character name and no template 51.
const ASTRAPAY_NONCONFORMING: &str = "00020101021126640018ID.CO.ASTRAPAY.WWW011893600822321000022702092100002270303UBE520311153033605802ID5926INFAQ/SEDEKAH AMANAH ASTRA6007Sumbawa61058431362290708ASTRAPAY981302092100002276304C9C2";

fn upstream(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_upstream"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn inspect_lists_every_violation_and_fails() {
    let o = upstream(&["qris", "inspect", ASTRAPAY_NONCONFORMING], &[]);
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["conforms"], false);
    let tags: Vec<&str> = json["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["tag"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["52", "59", "51"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("does not conform") && stderr.contains("tag 51"),
        "{stderr}"
    );

    let o = upstream(&["qris", "inspect", GOPAY_STATIC], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["conforms"], true);
    assert_eq!(json["indonesianMerchant"], true);
    assert_eq!(json["violations"], serde_json::json!([]));
}

#[test]
fn the_local_stack_refuses_a_non_conforming_merchant_payload() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let o = upstream(
        &["dev", "--in-memory", "--port", &port],
        &[("QRIS_STATIC_PAYLOAD", ASTRAPAY_NONCONFORMING)],
    );
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("QRIS_STATIC_PAYLOAD does not conform") && stderr.contains("tag 52"),
        "{stderr}"
    );
}
