//! The event fixtures (`tests/events/<function>/<case>.json`, the files `sam local invoke -e` and
//! `upstream invoke -e` take) and the one table of what each must answer, shared by the in-process
//! replay (`tests/api_events.rs`) and the replay through the Lambda emulator (`tests/lambda_rie.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use upstream_session::edge::signature;

/// Expected `(status, code)` per event file: `OK` for a success envelope, `-` for an empty body,
/// `HTML` for a page, `JWKS` for a JWK Set, `RUN` for a scheduled run's answer (status 200: it
/// succeeded), else the error envelope's `code`.
pub fn expectations() -> BTreeMap<&'static str, (u16, &'static str)> {
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
        // Signed money for a QR we never issued: recorded as an open refund, answered 200.
        (
            "payment-callback/webhook-signed-unknown-trx.json",
            (200, "OK"),
        ),
        // Signed money without its reference: refused, so the sender fixes its integration.
        (
            "payment-callback/webhook-signed-no-provider-ref.json",
            (400, "MISSING_FIELD"),
        ),
        ("check-access/unknown-session.json", (200, "OK")),
        ("check-access/missing-stream.json", (400, "MISSING_FIELD")),
        ("check-access/invalid-session.json", (400, "INVALID_FIELD")),
        ("user-sessions/list.json", (200, "OK")),
        ("user-sessions/access.json", (200, "OK")),
        ("user-sessions/missing-user.json", (400, "MISSING_FIELD")),
        ("streams/list.json", (200, "OK")),
        ("streams/list-upcoming.json", (200, "OK")),
        ("streams/one.json", (200, "OK")),
        ("streams/unknown.json", (404, "STREAM_NOT_FOUND")),
        ("streams/wrong-method.json", (405, "METHOD_NOT_ALLOWED")),
        ("admin/streams-iam.json", (200, "OK")),
        ("admin/streams-no-caller.json", (403, "FORBIDDEN")),
        ("admin/sessions-iam.json", (200, "OK")),
        ("admin/approve-page-iam.json", (200, "HTML")),
        (
            "admin/force-approve-unknown-session-iam.json",
            (404, "SESSION_NOT_FOUND"),
        ),
        ("admin/force-approve-no-caller.json", (403, "FORBIDDEN")),
        ("playback-auth/jwks.json", (200, "JWKS")),
        ("playback-auth/nginx-no-token.json", (401, "-")),
        ("playback-auth/nginx-alg-none.json", (401, "-")),
        // Nothing due on a fresh table: the run's 8 Queries, nothing ended.
        ("media-reaper/scheduled.json", (200, "RUN")),
    ])
}

/// `tests/events`.
pub fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("events")
}

/// Every fixture, as `<function>/<case>.json`, sorted.
pub fn event_files() -> Vec<String> {
    let root = events_dir();
    let mut files = Vec::new();
    for dir in std::fs::read_dir(&root).expect("tests/events") {
        let dir = dir.expect("a folder entry").path();
        for f in std::fs::read_dir(&dir).expect("a function's folder") {
            let f = f.expect("a file entry").path();
            if f.extension().is_some_and(|e| e == "json") {
                files.push(
                    f.strip_prefix(&root)
                        .expect("under tests/events")
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    files.sort();
    files
}

/// Fails unless every fixture has exactly one expectation and every expectation a fixture.
pub fn assert_every_file_has_an_expectation() {
    assert_eq!(
        event_files(),
        expectations()
            .keys()
            .map(|k| k.to_string())
            .collect::<Vec<_>>(),
        "every event file has an expectation, and every expectation a file"
    );
}

/// The fixture `file` ready to replay at `now` (unix seconds): a webhook fixture carrying a valid
/// signature made at its fixed time (with [`crate::SECRET`]) is signed again at `now`, since the
/// signature is only accepted within 300 s; a forged or missing signature stays as it is.
pub fn load(file: &str, now: i64) -> Value {
    let text = std::fs::read_to_string(events_dir().join(file)).expect("readable fixture");
    let mut event: Value = serde_json::from_str(&text).expect("fixture is JSON");
    resign(&mut event, now);
    event
}

fn resign(event: &mut Value, now: i64) {
    let Some(header) = event["headers"][signature::HEADER].as_str() else {
        return;
    };
    let body = event["body"].as_str().unwrap_or("").as_bytes().to_vec();
    let t = header
        .split(',')
        .find_map(|p| p.trim().strip_prefix("t="))
        .and_then(|t| t.parse::<i64>().ok());
    let Some(t) = t else { return };
    if signature::verify(crate::SECRET.as_bytes(), Some(header), &body, t).is_ok() {
        event["headers"][signature::HEADER] =
            Value::String(signature::sign(crate::SECRET.as_bytes(), now, &body));
    }
}

/// Whether `event` is an EventBridge scheduled event (not an HTTP request).
pub fn is_scheduled(event: &Value) -> bool {
    event["detail-type"] == "Scheduled Event" && event["source"] == "aws.events"
}

/// Asserts that a reply (status, decoded body) is what the table says for `file`.
pub fn assert_answer(file: &str, status: u16, body: &Value) {
    let (want_status, code) = expectations()[file];
    assert_eq!(status, want_status, "{file}: {body}");
    match code {
        "OK" => assert_eq!(body["success"], true, "{file}: {body}"),
        "-" => assert!(body.is_null(), "{file}: {body}"),
        "JWKS" => assert!(
            body["keys"]
                .as_array()
                .is_some_and(|k| !k.is_empty() && k.iter().all(|k| k["alg"] == "ES256")),
            "{file}: a JWK Set: {body}"
        ),
        "RUN" => {
            assert_eq!(body["due"], 0, "{file}: {body}");
            assert_eq!(body["failed"], 0, "{file}: {body}");
            assert_eq!(body["dynamodbCalls"], 9, "{file}: the run's budget: {body}");
            assert_eq!(
                body["oldestOpenRefundHours"], 0.0,
                "{file}: none open: {body}"
            );
        }
        "HTML" => assert!(
            body.as_str().is_some_and(|b| b.contains("<html")),
            "{file}: an HTML page: {body}"
        ),
        code => {
            assert_eq!(body["success"], false, "{file}: {body}");
            assert_eq!(body["code"], code, "{file}: {body}");
            assert!(
                !body["error"].as_str().unwrap_or("").is_empty(),
                "{file}: a message for people"
            );
        }
    }
}
