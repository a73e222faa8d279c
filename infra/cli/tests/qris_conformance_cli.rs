//! `upstream qris inspect` and `upstream dev` hold payloads to the QRIS specification's rules.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::process::{Command, Output};

/// Real static GoPay merchant (conforms).
const GOPAY_STATIC: &str = "00020101021126610014COM.GO-JEK.WWW01189360091436271261480210G6271261480303UMI51440014ID.CO.QRIS.WWW0215ID10253896834060303UMI5204573253033605802ID5909aldo soft6013PASAMAN BARAT61052656662070703A0163042275";
/// Real AstraPay static merchant (test data of `astrapay/spring-qris`): valid syntax and CRC, but a
/// 26-character name (an error), a 3-digit MCC and no template 51 (warnings).
const ASTRAPAY_NONCONFORMING: &str = "00020101021126640018ID.CO.ASTRAPAY.WWW011893600822321000022702092100002270303UBE520311153033605802ID5926INFAQ/SEDEKAH AMANAH ASTRA6007Sumbawa61058431362290708ASTRAPAY981302092100002276304C9C2";

/// Real LinkAja dynamic code whose NMID is fifteen zeros: warnings only
/// (shared/tests/fixtures/qris/README.md says where it is from).
const LINKAJA_GPN_DYNAMIC: &str =
    include_str!("../../../shared/tests/fixtures/qris/linkaja_gpn_dynamic.txt");

fn upstream(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_upstream"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Every violation's tag in the inspected JSON's `key` array.
fn tags<'a>(json: &'a serde_json::Value, key: &str) -> Vec<&'a str> {
    json[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["tag"].as_str().unwrap())
        .collect()
}

#[test]
fn inspect_lists_every_violation_and_fails_on_an_error() {
    let o = upstream(&["qris", "inspect", ASTRAPAY_NONCONFORMING], &[]);
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["conforms"], false);
    assert_eq!(tags(&json, "violations"), ["52", "59", "51"]);
    assert_eq!(tags(&json, "errors"), ["59"]);
    assert_eq!(tags(&json, "warnings"), ["52", "51"]);
    assert_eq!(json["violations"][1]["severity"], "error");
    assert_eq!(json["violations"][2]["severity"], "warning");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("does not conform to QRIS (1 error, 2 warnings)")
            && stderr.contains("error: tag 59")
            && stderr.contains("warning: tag 51"),
        "{stderr}"
    );

    let o = upstream(&["qris", "inspect", GOPAY_STATIC], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stderr.is_empty());
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["conforms"], true);
    assert_eq!(json["indonesianMerchant"], true);
    for key in ["violations", "errors", "warnings"] {
        assert_eq!(json[key], serde_json::json!([]), "{key}");
    }
}

#[test]
fn inspect_prints_warnings_and_succeeds_without_an_error() {
    let o = upstream(&["qris", "inspect", LINKAJA_GPN_DYNAMIC], &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["conforms"], false, "a warning is still a violation");
    assert_eq!(tags(&json, "errors"), Vec::<&str>::new());
    assert_eq!(tags(&json, "warnings"), ["51.02"]);
    assert_eq!(json["warnings"], json["violations"]);
    assert!(
        stderr.contains("(0 errors, 1 warning)") && stderr.contains("warning: tag 51.02"),
        "{stderr}"
    );
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
        stderr.contains("QRIS_STATIC_PAYLOAD does not conform")
            && stderr.contains("error: tag 59")
            && stderr.contains("warning: tag 52"),
        "{stderr}"
    );
}
