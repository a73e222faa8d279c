//! Hardening (issue 12) through the real handlers on DynamoDB Local: invisible characters in ids,
//! cursors of another listing, a DynamoDB endpoint that never answers.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use upstream_tests::{Reply, api};

/// An admin request with an IAM caller in the request context.
async fn admin_get(state: &admin::State, path: &str, query: &str) -> (u16, Value) {
    let mut event = upstream_session::edge::event::http_v2_event("GET", path, query, &[], None);
    event["requestContext"]["authorizer"] = json!({"iam": {
        "accessKey": "AKIAEXAMPLE", "accountId": "123456789012", "callerId": "AIDAEXAMPLE",
        "userArn": "arn:aws:iam::123456789012:user/operator", "userId": "AIDAEXAMPLE"
    }});
    let req = upstream_session::edge::event::request_from_event(&event).unwrap();
    let resp = admin::handler(state, req).await;
    let body: &[u8] = resp.body().as_ref();
    (
        resp.status().as_u16(),
        serde_json::from_slice(body).unwrap(),
    )
}

#[tokio::test]
async fn a_cursor_of_another_listing_is_a_400_not_a_500() {
    let api = api().await;
    for user in ["u1", "u2", "u3"] {
        let r = api
            .request(
                "generate-qris",
                "POST",
                "/api/generate-qris",
                "",
                Some(json!({"streamId": "2", "userId": user})),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    let state = admin::State {
        manager: api.stack.admin.manager.clone(),
        allow_local: false,
        media: api.stack.admin.media.clone(),
    };
    let (status, page) = admin_get(&state, "/admin/sessions", "streamId=2&limit=1").await;
    assert_eq!(status, 200, "{page}");
    let by_stream = page["data"]["nextCursor"].as_str().unwrap().to_owned();
    let (status, page) = admin_get(&state, "/admin/sessions", "limit=1").await;
    assert_eq!(status, 200, "{page}");
    let by_created = page["data"]["nextCursor"].as_str().unwrap().to_owned();

    // Each cursor continues its own listing…
    let (status, _) = admin_get(
        &state,
        "/admin/sessions",
        &format!("streamId=2&limit=1&cursor={by_stream}"),
    )
    .await;
    assert_eq!(status, 200);
    // …and is refused by another one (another index, another stream) as bad input.
    for query in [
        format!("limit=1&cursor={by_stream}"),
        format!("streamId=2&limit=1&cursor={by_created}"),
        format!("streamId=4&limit=1&cursor={by_stream}"),
    ] {
        let (status, body) = admin_get(&state, "/admin/sessions", &query).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("INVALID_FIELD")),
            "{query}: {body}"
        );
        assert_eq!(body["success"], false);
    }
}

#[tokio::test]
async fn user_ids_with_format_characters_are_refused_by_every_function() {
    let api = api().await;
    for c in ['\u{202E}', '\u{2066}', '\u{200B}', '\u{2060}', '\u{FEFF}'] {
        let user = format!("admin{c}nimda");
        let r = api
            .request(
                "generate-qris",
                "POST",
                "/api/generate-qris",
                "",
                Some(json!({"streamId": "2", "userId": user})),
            )
            .await;
        assert_invalid_user(&r);
        let r = api
            .request(
                "user-sessions",
                "POST",
                "/api/user-sessions",
                "",
                Some(json!({"streamId": "2", "userId": user})),
            )
            .await;
        assert_invalid_user(&r);
        let query = format!(
            "userId={}",
            url_encode(&user) // the query string carries it percent-encoded
        );
        let r = api
            .request("user-sessions", "GET", "/api/user-sessions", &query, None)
            .await;
        assert_invalid_user(&r);
    }
}

fn assert_invalid_user(r: &Reply) {
    assert_eq!((r.status, r.code()), (400, "INVALID_FIELD"), "{:?}", r.body);
    assert_eq!(r.calls, 0, "nothing reaches DynamoDB");
}

fn url_encode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// A loopback TCP server that accepts connections and never answers (nor closes them).
fn black_hole() -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        listener.set_nonblocking(true).unwrap();
        let until = Instant::now() + Duration::from_secs(30);
        while Instant::now() < until {
            match listener.accept() {
                Ok((stream, _)) => held.push(stream),
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    });
    (endpoint, handle)
}

#[tokio::test]
async fn a_dynamodb_that_never_answers_is_a_503_within_the_operation_timeout() {
    let (endpoint, _server) = black_hole();
    let store = upstream_session::Store::new(
        upstream_session::store::local_client(&endpoint),
        "never",
        upstream_session::Policy::default(),
    );
    let manager = upstream_session::SessionManager::new(
        store,
        std::sync::Arc::new(upstream_session::SystemClock),
    );
    let state = check_access::State {
        manager,
        cors: upstream_session::edge::Cors::new("http://127.0.0.1:3001"),
        playback: None,
        viewer_auth: upstream_session::edge::ViewerAuth::Anonymous,
    };
    let event = upstream_session::edge::event::http_v2_event(
        "GET",
        "/api/check-access",
        "sessionId=session_0123456789abcdef0123456789abcdef&streamId=2",
        &[],
        None,
    );
    let req = upstream_session::edge::event::request_from_event(&event).unwrap();
    let started = Instant::now();
    let resp = tokio::time::timeout(Duration::from_secs(20), check_access::handler(&state, req))
        .await
        .expect("the handler answers instead of hanging");
    let elapsed = started.elapsed();
    let body: Value = serde_json::from_slice(resp.body().as_ref()).unwrap();
    assert_eq!(resp.status().as_u16(), 503, "{body}");
    assert_eq!(body["code"], "SERVICE_UNAVAILABLE");
    assert_eq!(body["success"], false);
    assert!(resp.headers().contains_key("retry-after"));
    assert!(
        elapsed < Duration::from_millis(4_000),
        "answered after {elapsed:?}, beyond the operation timeout"
    );
    assert!(
        elapsed >= Duration::from_millis(900),
        "answered after {elapsed:?}: the attempt timeout did not apply"
    );
}

#[tokio::test]
async fn the_catalog_cache_forgets_unknown_streams_fast_and_stays_bounded() {
    let api = api().await;
    let ask = || {
        api.request(
            "generate-qris",
            "POST",
            "/api/generate-qris",
            "",
            Some(json!({"streamId": "premiere", "userId": "early-bird"})),
        )
    };
    assert_eq!(ask().await.code(), "STREAM_NOT_FOUND");
    let premiere: upstream_session::domain::Stream = serde_json::from_value(
        json!({"id": "premiere", "title": "Premiere", "price": 5000, "active": true}),
    )
    .unwrap();
    api.h.store.put_stream(&premiere).await.unwrap();
    api.h.clock.advance(chrono::TimeDelta::seconds(4));
    assert_eq!(ask().await.code(), "STREAM_NOT_FOUND", "a miss is cached…");
    api.h.clock.advance(chrono::TimeDelta::seconds(2));
    let r = ask().await;
    assert_eq!(r.status, 200, "…for at most 5 s: {:?}", r.body);

    let catalog = &api.stack.generate_qris.catalog;
    for i in 0..1_030 {
        let id = upstream_session::domain::StreamId::parse(format!("probe-{i}")).unwrap();
        assert_eq!(catalog.active(&id).await.unwrap(), None);
    }
    assert_eq!(
        catalog.cached_entries(),
        upstream_session::catalog::MAX_ENTRIES
    );
}

#[test]
fn the_start_up_check_refuses_a_non_conforming_static_qris() {
    use upstream_session::qris::{DEMO_STATIC, DataObject, Qris};
    assert!(generate_qris::static_qris(DEMO_STATIC).is_ok());
    let edit = |id: &str, value: &str| {
        let mut objects = Qris::parse(DEMO_STATIC.trim()).unwrap().objects().to_vec();
        objects.pop();
        match objects.iter_mut().find(|o| o.id == id) {
            Some(o) => *o = DataObject::primitive(id, value),
            None => {
                let at = objects.iter().position(|o| o.id == "58").unwrap();
                objects.insert(at, DataObject::primitive(id, value));
            }
        }
        Qris::build(objects).unwrap().payload()
    };
    for (id, value, tag) in [
        ("53", "840", "error: tag 53"),
        ("59", "UPSTREAM DEMO MERCHANT OF JAKARTA", "error: tag 59"),
        ("54", "1.000", "error: tag 54"),
        ("55", "02", "error: tag 56"),
    ] {
        let err = generate_qris::static_qris(&edit(id, value)).unwrap_err();
        assert!(err.to_string().contains(tag), "{id}={value}: {err}");
    }
    // A format apps still pay (an MCC of three digits) is a warning: the start goes on.
    let odd_mcc = edit("52", "783");
    assert!(!Qris::parse(&odd_mcc).unwrap().conforms());
    assert_eq!(
        generate_qris::static_qris(&odd_mcc).unwrap().payload(),
        odd_mcc
    );
    // A conforming foreign (Thai PromptPay) code is not an Indonesian merchant.
    let thai = "0002010102110216478772000245472004155303920002454991531343007640052044640122067749700130810016A00000067701011201150107536000315080214KB0000018904640320KPS004KB00000189046431690016A00000067701011301030040214KB0000018904640420KPS004KB00000189046451430014A0000000041010010641697102111234567890152045631530376454041.005802TH5910NOKKY SHOP6004CITY62240508854304870708420677496304E809";
    let err = generate_qris::static_qris(thai).unwrap_err();
    assert!(
        err.to_string().contains("not an Indonesian merchant"),
        "{err}"
    );
}

#[test]
fn the_start_up_check_accepts_codes_real_acquirers_issue_with_warnings() {
    // Test data of `astrapay/spring-qris` (shared/tests/fixtures/qris/README.md says where).
    for (payload, tag) in [
        (
            include_str!("../../shared/tests/fixtures/qris/linkaja_gpn_dynamic.txt"),
            "51.02",
        ),
        (
            include_str!("../../shared/tests/fixtures/qris/astrapay_static_without_51.txt"),
            "51",
        ),
    ] {
        let qris = generate_qris::static_qris(payload).unwrap();
        let found: Vec<_> = qris
            .violations()
            .into_iter()
            .map(|v| (v.tag, v.severity))
            .collect();
        assert_eq!(
            found,
            [(tag.to_owned(), upstream_session::qris::Severity::Warning)]
        );
    }
}

#[tokio::test]
async fn regression_extreme_signature_timestamps_are_refused_not_a_panic() {
    let api = api().await;
    let body = json!({"trxId": "UP-250830181615-ABCDEFGH", "amount": 1000, "status": "paid", "providerRef": format!("RRN-{}", "UP-250830181615-ABCDEFGH")});
    for header in [
        "t=-9223372036854775808,v1=00",
        "t=9223372036854775807,v1=00",
        "t=-9223372036854775808,v1=",
    ] {
        let r = api.webhook(&body, Some(header.to_owned())).await;
        assert_eq!(r.status, 401, "{header}: {:?}", r.body);
        assert_eq!(r.code(), "INVALID_SIGNATURE");
    }
}
