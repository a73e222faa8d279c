//! The `upstream qris` subcommands, run as a user would run them.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::process::{Command, Output};

use upstream_session::qris::{DEMO_STATIC, Qris};

const GOPAY_STATIC: &str = "00020101021126610014COM.GO-JEK.WWW01189360091436271261480210G6271261480303UMI51440014ID.CO.QRIS.WWW0215ID10253896834060303UMI5204573253033605802ID5909aldo soft6013PASAMAN BARAT61052656662070703A0163042275";

fn upstream(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_upstream"))
        .args(args)
        .env_remove("QRIS_MAX_AMOUNT")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn inspect_prints_json() {
    let o = upstream(&["qris", "inspect", GOPAY_STATIC]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["merchantName"], "aldo soft");
    assert_eq!(json["nmid"], "ID1025389683406");
    assert_eq!(json["pointOfInitiation"], "static");
}

#[test]
fn invalid_input_exits_1_with_one_line() {
    let bad = format!("{}0000", &GOPAY_STATIC[..GOPAY_STATIC.len() - 4]);
    for args in [
        vec!["qris", "inspect", bad.as_str()],
        vec!["qris", "dynamic", bad.as_str(), "--amount", "1000"],
        vec!["qris", "dynamic", GOPAY_STATIC, "--amount", "0"],
        vec!["qris", "dynamic", GOPAY_STATIC, "--amount", "10000001"],
        vec![
            "qris",
            "dynamic",
            GOPAY_STATIC,
            "--amount",
            "1000",
            "--reference",
            "THIS-REFERENCE-IS-FAR-TOO-LONG",
        ],
    ] {
        let o = upstream(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error: "), "{err}");
        assert!(stdout(&o).is_empty());
    }
    assert!(stderr(&upstream(&["qris", "inspect", &bad])).contains("CRC mismatch"));
}

#[test]
fn dynamic_prints_the_payload_alone() {
    let o = upstream(&[
        "qris",
        "dynamic",
        GOPAY_STATIC,
        "--amount",
        "15000",
        "--reference",
        "UP-1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1);
    let q = Qris::parse(out.trim_end_matches('\n')).unwrap();
    assert!(q.is_dynamic());
    assert_eq!(q.get("54").unwrap().value, "15000");
    assert_eq!(q.inspect().reference_label.as_deref(), Some("UP-1"));
}

#[test]
fn max_amount_is_configurable() {
    let o = Command::new(env!("CARGO_BIN_EXE_upstream"))
        .args(["qris", "dynamic", DEMO_STATIC, "--amount", "20000000"])
        .env("QRIS_MAX_AMOUNT", "50000000")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn png_and_svg_files() {
    let dir = std::env::temp_dir().join(format!("upstream-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let png_path = dir.join("qr.png");
    let o = upstream(&[
        "qris",
        "png",
        DEMO_STATIC,
        "--out",
        png_path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&png_path).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().unwrap();
    assert!(reader.info().width >= 21 * 8);
    let svg_path = dir.join("qr.svg");
    assert!(
        upstream(&[
            "qris",
            "png",
            DEMO_STATIC,
            "--out",
            svg_path.to_str().unwrap()
        ])
        .status
        .success()
    );
    assert!(
        std::fs::read_to_string(&svg_path)
            .unwrap()
            .starts_with("<svg")
    );
    let _ = std::fs::remove_dir_all(dir);
}
