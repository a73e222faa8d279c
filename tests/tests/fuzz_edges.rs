//! Fuzzing the edges: every function's request parsing (method, query string, headers, body) with
//! arbitrary content in API Gateway v2 events, through the real handlers on DynamoDB Local. Whatever
//! arrives: never a panic, never a 5xx, always the JSON envelope with a stable code. Case counts are
//! bounded so the whole file runs in seconds (set `PROPTEST_CASES` to search longer).
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use upstream_tests::{Api, SECRET, api};

/// Cases per function (a case is one request).
const CASES: u32 = 96;

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(CASES);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Values that reach past the first checks: well-formed ids, known streams, odd Unicode.
fn interesting() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("2".to_owned()),
        Just("4".to_owned()),
        Just("session_0123456789abcdef0123456789abcdef".to_owned()),
        Just("UP-250830181615-ABCDEFGH".to_owned()),
        Just("demo-user".to_owned()),
        Just("\u{202E}admin".to_owned()),
        Just("\u{FEFF}".to_owned()),
        Just("9223372036854775808".to_owned()),
        Just("-1".to_owned()),
        Just("1.000".to_owned()),
        Just(String::new()),
        ".{0,40}",
        "[ -~]{0,200}",
    ]
}

/// Arbitrary JSON, biased towards the fields the functions read.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        Just(json!(1000)),
        Just(json!(18446744073709551615u64)),
        Just(json!(1e300)),
        interesting().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map("[a-zA-Z]{1,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const FIELDS: [&str; 12] = [
    "streamId",
    "userId",
    "amount",
    "sessionId",
    "trxId",
    "status",
    "providerRef",
    "note",
    "title",
    "price",
    "active",
    "cursor",
];

/// A body: arbitrary text, or a JSON object with some of the known fields set to arbitrary values.
fn body() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        2 => ".{0,300}".prop_map(Some),
        1 => json_value().prop_map(|v| Some(v.to_string())),
        5 => proptest::collection::btree_map(proptest::sample::select(&FIELDS[..]), json_value(), 0..6)
            .prop_map(|m| Some(Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()).to_string())),
        1 => (1usize..40_000).prop_map(|n| Some("x".repeat(n))),
        4 => plausible_body(),
    ]
}

/// A body that passes the first checks: a known stream, some user, perhaps an amount, a trxId, a status.
fn plausible_body() -> impl Strategy<Value = Option<String>> {
    (
        proptest::sample::select(&["2", "4", "nope"][..]),
        prop_oneof![3 => "[a-z0-9-]{1,20}", 1 => interesting()],
        proptest::option::weighted(
            0.8,
            prop_oneof![Just(json!(1000)), Just(json!(5000)), json_value()],
        ),
        proptest::option::weighted(
            0.8,
            prop_oneof![3 => Just(json!("UP-250830181615-ABCDEFGH")), 1 => json_value()],
        ),
        proptest::option::weighted(
            0.8,
            prop_oneof![Just(json!("paid")), Just(json!("failed")), json_value()],
        ),
    )
        .prop_map(|(stream, user, amount, trx, status)| {
            let mut o = json!({"streamId": stream, "userId": user});
            for (k, v) in [("amount", amount), ("trxId", trx), ("status", status)] {
                if let Some(v) = v {
                    o[k] = v;
                }
            }
            Some(o.to_string())
        })
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A query string as a client sends it: known keys with arbitrary (percent-encoded) values, or raw
/// URI characters including broken escapes.
fn query() -> impl Strategy<Value = String> {
    const KEYS: [&str; 8] = [
        "sessionId",
        "streamId",
        "userId",
        "trxId",
        "status",
        "limit",
        "cursor",
        "x",
    ];
    prop_oneof![
        3 => proptest::collection::vec((proptest::sample::select(&KEYS[..]), interesting()), 0..5)
            .prop_map(|kv| kv.iter().map(|(k, v)| format!("{k}={}", percent_encode(v))).collect::<Vec<_>>().join("&")),
        1 => "[A-Za-z0-9=&%._~+-]{0,80}",
        3 => (proptest::sample::select(&["2", "4", "x"][..]), proptest::option::of(interesting()))
            .prop_map(|(stream, user)| {
                let mut q = format!("sessionId=session_0123456789abcdef0123456789abcdef&streamId={stream}&trxId=UP-250830181615-ABCDEFGH");
                if let Some(u) = user {
                    q.push_str(&format!("&userId={}", percent_encode(&u)));
                }
                q
            }),
    ]
}

/// Header values as API Gateway passes them (visible ASCII and spaces).
fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let content_type = prop_oneof![
        6 => Just("application/json".to_owned()),
        1 => Just("application/json; charset=utf-8".to_owned()),
        1 => Just("application/problem+json".to_owned()),
        1 => Just("text/plain".to_owned()),
        1 => "[ -~]{0,60}",
    ];
    (
        proptest::option::weighted(0.9, content_type),
        proptest::option::of(prop_oneof![
            "[ -~]{0,120}",
            (any::<i64>(), "[0-9a-f]{0,64}").prop_map(|(t, v)| format!("t={t},v1={v}")),
            Just("t=-9223372036854775808,v1=00".to_owned()),
            Just("t=9223372036854775807,v1=00".to_owned()),
        ]),
        proptest::option::of(prop_oneof![
            Just("http://127.0.0.1:3001".to_owned()),
            "[ -~]{0,40}"
        ]),
    )
        .prop_map(|(ct, sig, origin)| {
            let mut h = Vec::new();
            if let Some(ct) = ct {
                h.push(("content-type".to_owned(), ct));
            }
            if let Some(sig) = sig {
                h.push(("x-upstream-signature".to_owned(), sig));
            }
            if let Some(origin) = origin {
                h.push(("origin".to_owned(), origin));
            }
            h
        })
}

fn method() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(&["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"][..])
}

/// One arbitrary request to a function: method, path, query, headers, body, and whether to sign the
/// body correctly (so the webhook's parsing behind the signature is reached too).
type Case = (
    &'static str,
    String,
    String,
    Vec<(String, String)>,
    Option<String>,
    bool,
);

fn case(routes: &'static [(&'static str, &'static str)]) -> impl Strategy<Value = Case> {
    (
        prop_oneof![
            6 => proptest::sample::select(routes).prop_map(|(m, p)| (m, p.to_owned())),
            1 => (method(), proptest::sample::select(routes).prop_map(|(_, p)| p.to_owned())),
            1 => (method(), "/[ -~&&[^ ?#]]{0,40}"),
        ],
        query(),
        headers(),
        body(),
        any::<bool>(),
    )
        .prop_map(|((m, p), q, h, b, sign)| (m, p, q, h, b, sign))
}

/// Asserts the envelope: a JSON object with `success`, and on failure a stable code and a message.
/// Returns the code (`OK` on success) so a run can show it explored more than one answer.
fn assert_envelope(
    what: &str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
    method: &str,
) -> String {
    assert!(
        status < 500,
        "{what}: status {status}: {}",
        String::from_utf8_lossy(body)
    );
    if method == "OPTIONS"
        || (status == 200 && content_type.is_some_and(|c| c.starts_with("text/html")))
    {
        return format!("{method} {status}");
    }
    let json: Value = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {}", String::from_utf8_lossy(body)));
    match json["success"] {
        Value::Bool(true) => {
            assert!(status < 300 && json.get("data").is_some(), "{what}: {json}");
            "OK".to_owned()
        }
        Value::Bool(false) => {
            assert!(status >= 400, "{what}: {json}");
            let code = json["code"].as_str().unwrap_or_default();
            assert!(
                !code.is_empty() && code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'),
                "{what}: code {json}"
            );
            assert!(
                json["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{what}: {json}"
            );
            code.to_owned()
        }
        _ => panic!("{what}: no success flag: {json}"),
    }
}

fn event(api: &Api, (method, path, query, mut headers, body, sign): Case) -> Value {
    if sign {
        let t = upstream_session::Clock::now(&api.h.clock).timestamp();
        let raw = body.clone().unwrap_or_default();
        headers.retain(|(k, _)| k != "x-upstream-signature");
        headers.push((
            "x-upstream-signature".to_owned(),
            upstream_session::edge::signature::sign(SECRET.as_bytes(), t, raw.as_bytes()),
        ));
    }
    upstream_session::edge::event::http_v2_event(method, &path, &query, &headers, body.as_deref())
}

/// The `(method, path)` of each route, for the strategies.
fn pairs(
    routes: &'static [upstream_session::contract::Route],
) -> &'static [(&'static str, &'static str)] {
    Box::leak(routes.iter().map(|r| (r.method, r.path)).collect())
}

fn fuzz_public(function: &'static str, routes: &'static [(&'static str, &'static str)]) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let api = rt.block_on(api());
    let seen = std::cell::RefCell::new(std::collections::BTreeMap::<String, u32>::new());
    let mut runner = TestRunner::new(config());
    runner
        .run(&case(routes), |c| {
            let method = c.0;
            let what = format!("{function} {c:?}");
            let ev = event(&api, c);
            let reply = rt.block_on(api.call(function, &ev));
            let ct = reply
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok());
            let bytes = if reply.body.is_null() {
                Vec::new()
            } else {
                reply.body.to_string().into_bytes()
            };
            let code = assert_envelope(&what, reply.status, ct, &bytes, method);
            *seen.borrow_mut().entry(code).or_default() += 1;
            Ok(())
        })
        .unwrap();
    report(function, &seen.borrow());
}

/// Prints what the run met and checks it went past the first refusal.
fn report(function: &str, seen: &std::collections::BTreeMap<String, u32>) {
    eprintln!("{function}: {seen:?}");
    assert!(
        seen.len() >= 3,
        "{function}: the fuzzer met too few answers: {seen:?}"
    );
}

#[test]
fn generate_qris_survives_arbitrary_requests() {
    fuzz_public("generate-qris", pairs(generate_qris::SPEC.routes));
}

#[test]
fn payment_callback_survives_arbitrary_requests() {
    fuzz_public("payment-callback", pairs(payment_callback::SPEC.routes));
}

#[test]
fn check_access_survives_arbitrary_requests() {
    fuzz_public("check-access", pairs(check_access::SPEC.routes));
}

#[test]
fn user_sessions_survives_arbitrary_requests() {
    fuzz_public("user-sessions", pairs(user_sessions::SPEC.routes));
}

#[test]
fn streams_survives_arbitrary_requests() {
    fuzz_public("streams", pairs(streams::SPEC.routes));
}

#[test]
fn admin_survives_arbitrary_requests() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let api = rt.block_on(api());
    let state = admin::State {
        manager: api.stack.admin.manager.clone(),
        allow_local: false,
        media: api.stack.admin.media.clone(),
    };
    let routes: &'static [(&'static str, &'static str)] = &[
        ("POST", "/api/force-approve"),
        ("GET", "/admin/approve"),
        ("GET", "/admin/sessions"),
        (
            "GET",
            "/admin/sessions/session_0123456789abcdef0123456789abcdef/events",
        ),
        ("GET", "/admin/sessions/%E2%80%AE/events"),
        ("GET", "/admin/streams"),
        ("PUT", "/admin/streams/2"),
        ("PUT", "/admin/streams/new-stream"),
        ("PUT", "/admin/streams/a%20b"),
    ];
    let seen = std::cell::RefCell::new(std::collections::BTreeMap::<String, u32>::new());
    let mut runner = TestRunner::new(config());
    runner
        .run(&(case(routes), proptest::bool::weighted(0.85)), |(c, iam)| {
            let method = c.0;
            let what = format!("admin iam={iam} {c:?}");
            let mut ev = event(&api, c);
            if iam {
                ev["requestContext"]["authorizer"] = json!({"iam": {
                    "accessKey": "AKIAEXAMPLE", "accountId": "123456789012", "callerId": "AIDAEXAMPLE",
                    "userArn": "arn:aws:iam::123456789012:user/fuzz", "userId": "AIDAEXAMPLE"
                }});
            }
            let req = upstream_session::edge::event::request_from_event(&ev).unwrap();
            let resp = rt.block_on(admin::handler(&state, req));
            let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let body: &[u8] = resp.body().as_ref();
            let code = assert_envelope(&what, resp.status().as_u16(), ct.as_deref(), body, method);
            *seen.borrow_mut().entry(code).or_default() += 1;
            Ok(())
        })
        .unwrap();
    report("admin", &seen.borrow());
}
