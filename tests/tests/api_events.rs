//! Replays every event in `tests/events/` (the files `sam local invoke -e` takes) against its
//! function's handler in-process on DynamoDB Local, and checks status and body.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::BTreeMap;
use std::path::Path;

use upstream_tests::api;

/// Expected `(status, code)` per event file; `OK` for success envelopes, `-` for an empty body.
fn expectations() -> BTreeMap<&'static str, (u16, &'static str)> {
    BTreeMap::from([
        ("generate-qris/ok.json", (200, "OK")),
        ("generate-qris/with-matching-amount.json", (200, "OK")),
        ("generate-qris/with-idempotency-key.json", (200, "OK")),
        (
            "generate-qris/bad-idempotency-key.json",
            (400, "INVALID_FIELD"),
        ),
        (
            "generate-qris/amount-mismatch.json",
            (400, "AMOUNT_MISMATCH"),
        ),
        (
            "generate-qris/unknown-stream.json",
            (404, "STREAM_NOT_FOUND"),
        ),
        (
            "generate-qris/not-json.json",
            (415, "UNSUPPORTED_MEDIA_TYPE"),
        ),
        ("generate-qris/invalid-json.json", (400, "INVALID_JSON")),
        ("generate-qris/missing-user.json", (400, "MISSING_FIELD")),
        (
            "generate-qris/invalid-stream-id.json",
            (400, "INVALID_FIELD"),
        ),
        ("generate-qris/too-large.json", (413, "PAYLOAD_TOO_LARGE")),
        ("generate-qris/preflight.json", (204, "-")),
        (
            "payment-callback/status-unknown.json",
            (404, "SESSION_NOT_FOUND"),
        ),
        (
            "payment-callback/status-missing-session.json",
            (400, "MISSING_FIELD"),
        ),
        (
            "payment-callback/webhook-unsigned.json",
            (401, "INVALID_SIGNATURE"),
        ),
        (
            "payment-callback/webhook-forged.json",
            (401, "INVALID_SIGNATURE"),
        ),
        ("check-access/unknown-session.json", (200, "OK")),
        ("check-access/missing-stream.json", (400, "MISSING_FIELD")),
        ("check-access/invalid-session.json", (400, "INVALID_FIELD")),
        ("user-sessions/list.json", (200, "OK")),
        ("user-sessions/access.json", (200, "OK")),
        ("user-sessions/missing-user.json", (400, "MISSING_FIELD")),
        ("streams/list.json", (200, "OK")),
        ("streams/wrong-method.json", (405, "METHOD_NOT_ALLOWED")),
    ])
}

fn event_files() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
    let mut files = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "json") {
                files.push(
                    f.strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    files.sort();
    files
}

#[tokio::test]
async fn every_event_file_replays_with_its_expected_answer() {
    let expected = expectations();
    let files = event_files();
    assert_eq!(
        files,
        expected.keys().map(|k| k.to_string()).collect::<Vec<_>>(),
        "every event file has an expectation"
    );
    let api = api().await;
    for file in files {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("events")
                .join(&file),
        )
        .unwrap();
        let event: serde_json::Value = serde_json::from_str(&text).unwrap();
        let function = file.split('/').next().unwrap();
        let reply = api.call(function, &event).await;
        let (status, code) = expected[file.as_str()];
        assert_eq!(reply.status, status, "{file}: {:?}", reply.body);
        match code {
            "OK" => assert_eq!(reply.body["success"], true, "{file}"),
            "-" => assert!(reply.body.is_null(), "{file}"),
            code => {
                assert_eq!(reply.body["success"], false, "{file}");
                assert_eq!(reply.code(), code, "{file}");
                assert!(
                    !reply.body["error"].as_str().unwrap().is_empty(),
                    "{file}: a message for people"
                );
            }
        }
    }
}

#[tokio::test]
async fn fixture_bodies_carry_the_documented_fields() {
    let api = api().await;
    let read = |f: &str| -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("events").join(f))
                .unwrap(),
        )
        .unwrap()
    };
    let r = api
        .call("generate-qris", &read("generate-qris/ok.json"))
        .await;
    let d = r.data();
    for field in [
        "sessionId",
        "trxId",
        "qrCode",
        "qrisData",
        "amount",
        "streamId",
        "userId",
        "expiresAt",
        "remainingTime",
        "reused",
    ] {
        assert!(!d[field].is_null(), "generate-qris lacks {field}: {d}");
    }
    assert_eq!(d["amount"], 1000);
    assert_eq!(d["reused"], false);
    assert!(
        d["qrCode"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,")
    );
    assert_eq!(
        r.headers["access-control-allow-origin"],
        "http://127.0.0.1:3001"
    );

    let r = api.call("streams", &read("streams/list.json")).await;
    let ids: Vec<_> = r.data()["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, vec!["2", "4"]);
    assert_eq!(r.data()["streams"][0]["price"], 1000);

    let r = api
        .call("check-access", &read("check-access/unknown-session.json"))
        .await;
    assert_eq!(r.data()["hasAccess"], false);
    assert_eq!(r.data()["remainingTime"], 0);

    let r = api
        .call("generate-qris", &read("generate-qris/preflight.json"))
        .await;
    assert_eq!(
        r.headers["access-control-allow-origin"],
        "http://127.0.0.1:3001"
    );
    assert!(
        r.headers["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
}
