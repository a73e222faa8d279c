//! Replays every event in `tests/events/` (the files `sam local invoke -e` takes) against its
//! function's handler in-process on DynamoDB Local, and checks status and body against the table in
//! `upstream_tests::events` (which `tests/lambda_rie.rs` replays through the Lambda emulator too).
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;

use upstream_session::Clock;
use upstream_tests::{api, events};

#[tokio::test]
async fn every_event_file_replays_with_its_expected_answer() {
    events::assert_every_file_has_an_expectation();
    let api = api().await;
    for file in events::event_files() {
        let event = events::load(&file, api.h.clock.now().timestamp());
        let function = file.split('/').next().unwrap();
        if events::is_scheduled(&event) {
            let (answer, _) = api.run(function, &event).await;
            let answer = answer.unwrap_or_else(|e| panic!("{file}: {e}"));
            events::assert_answer(&file, 200, &answer);
            continue;
        }
        let reply = api.call(function, &event).await;
        events::assert_answer(&file, reply.status, &reply.body);
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
