//! The admin function in-process on DynamoDB Local: approvals by each key, grants, IAM refusal,
//! audit events with the principal, the catalog, the session list and the page.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use chrono::TimeDelta;
use serde_json::{Value, json};
use upstream_tests::{Api, Reply, api};

const OPERATOR: &str = "arn:aws:iam::123456789012:user/operator";

struct Admin {
    api: Api,
    state: admin::State,
}

async fn setup() -> Admin {
    let api = api().await;
    // The admin function's own client, through its IAM proxy; IAM callers only (as deployed).
    let state = admin::State {
        manager: api.stack.admin.manager.clone(),
        allow_local: false,
        media: api.stack.admin.media.clone(),
    };
    Admin { api, state }
}

impl Admin {
    async fn call(
        &self,
        method: &str,
        path: &str,
        query: &str,
        body: Option<Value>,
        iam: bool,
    ) -> Reply {
        self.api
            .admin_as(&self.state, method, path, query, body, iam)
            .await
    }

    async fn approve(&self, body: Value) -> Reply {
        self.call("POST", "/api/force-approve", "", Some(body), true)
            .await
    }

    async fn pending(&self, user: &str, stream: &str) -> (String, String) {
        let r = self.api.generate_qris(user, stream).await;
        (
            r.data()["sessionId"].as_str().unwrap().to_owned(),
            r.data()["trxId"].as_str().unwrap().to_owned(),
        )
    }
}

#[tokio::test]
async fn approve_by_each_key_is_idempotent_and_audited() {
    let a = setup().await;
    let (s1, _) = a.pending("u1", "2").await;
    let (_, t2) = a.pending("u2", "2").await;
    let (s3, _) = a.pending("u3", "4").await;

    let r = a
        .approve(json!({"sessionId": s1, "note": "transfer dicek manual"}))
        .await;
    assert_eq!(
        (
            r.status,
            r.data()["status"].clone(),
            r.data()["alreadyPaid"].clone()
        ),
        (200, json!("paid"), json!(false))
    );
    let again = a.approve(json!({"sessionId": s1})).await;
    assert_eq!(
        (again.status, again.data()["alreadyPaid"].clone()),
        (200, json!(true))
    );

    let r = a.approve(json!({"trxId": t2})).await;
    assert_eq!(r.data()["status"], "paid");
    let r = a.approve(json!({"streamId": "4", "userId": "u3"})).await;
    assert_eq!(
        (
            r.data()["sessionId"].clone(),
            r.data()["complimentary"].clone()
        ),
        (json!(s3), json!(false))
    );

    let trail = a
        .call(
            "GET",
            &format!("/admin/sessions/{s1}/events"),
            "",
            None,
            true,
        )
        .await;
    let events = trail.data()["events"].as_array().unwrap();
    let paid = events.iter().find(|e| e["action"] == "paid").unwrap();
    assert_eq!(paid["actor"], OPERATOR);
    assert_eq!(paid["source"], "admin");
    assert_eq!(paid["note"], "transfer dicek manual");

    let unknown = a.approve(json!({"trxId": "UP-UNKNOWN"})).await;
    assert_eq!((unknown.status, unknown.code()), (404, "SESSION_NOT_FOUND"));
    let nothing = a.approve(json!({"note": "?"})).await;
    assert_eq!((nothing.status, nothing.code()), (400, "MISSING_FIELD"));
}

#[tokio::test]
async fn complimentary_grant_and_its_conflict() {
    let a = setup().await;
    let r = a.approve(json!({"streamId": "2", "userId": "vip"})).await;
    assert_eq!(
        (
            r.status,
            r.data()["complimentary"].clone(),
            r.data()["status"].clone()
        ),
        (200, json!(true), json!("paid"))
    );
    let sid = r.data()["sessionId"].as_str().unwrap().to_owned();
    let check = a
        .api
        .request(
            "check-access",
            "GET",
            "/api/check-access",
            &format!("sessionId={sid}&streamId=2"),
            None,
        )
        .await;
    assert_eq!(check.data()["hasAccess"], true);
    let again = a.approve(json!({"streamId": "2", "userId": "vip"})).await;
    assert_eq!((again.status, again.code()), (409, "ALREADY_HAS_ACCESS"));
    let unknown_stream = a.approve(json!({"streamId": "77", "userId": "vip"})).await;
    assert_eq!(unknown_stream.status, 404);
}

#[tokio::test]
async fn requests_without_an_iam_caller_are_refused_unless_local() {
    let mut a = setup().await;
    let (sid, _) = a.pending("u1", "2").await;
    for (method, path) in [
        ("POST", "/api/force-approve"),
        ("GET", "/admin/sessions"),
        ("GET", "/admin/approve"),
    ] {
        let r = a
            .call(method, path, "", Some(json!({"sessionId": sid})), false)
            .await;
        assert_eq!((r.status, r.code()), (403, "FORBIDDEN"), "{method} {path}");
    }
    let s = a
        .api
        .h
        .manager
        .get_payment_session(&upstream_session::domain::SessionId::parse(&sid).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        s.status,
        upstream_session::domain::Status::Pending,
        "nothing changed"
    );

    a.state.allow_local = true;
    let r = a
        .call(
            "POST",
            "/api/force-approve",
            "",
            Some(json!({"sessionId": sid})),
            false,
        )
        .await;
    assert_eq!(r.status, 200);
    let trail = a
        .call(
            "GET",
            &format!("/admin/sessions/{sid}/events"),
            "",
            None,
            false,
        )
        .await;
    assert!(
        trail.data()["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor"] == "local")
    );
}

#[tokio::test]
async fn catalog_update_changes_the_price_of_new_qr_codes() {
    let a = setup().await;
    let before = a
        .api
        .request(
            "generate-qris",
            "POST",
            "/api/generate-qris",
            "",
            Some(json!({"streamId": "2", "userId": "a"})),
        )
        .await;
    assert_eq!(before.data()["amount"], 1000);
    let put = a
        .call(
            "PUT",
            "/admin/streams/2",
            "",
            Some(json!({"title": "Konser Spesial", "price": 2500, "active": true})),
            true,
        )
        .await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    let list = a.call("GET", "/admin/streams", "", None, true).await;
    assert_eq!(list.data()["streams"][0]["price"], 2500);
    // A warm container may serve the cached price for at most 60 s.
    a.api.h.clock.advance(TimeDelta::seconds(61));
    let after = a
        .api
        .request(
            "generate-qris",
            "POST",
            "/api/generate-qris",
            "",
            Some(json!({"streamId": "2", "userId": "b"})),
        )
        .await;
    assert_eq!(after.data()["amount"], 2500);
    let q =
        upstream_session::qris::Qris::parse(after.data()["qrisData"].as_str().unwrap()).unwrap();
    assert_eq!(q.get("54").unwrap().value, "2500");

    let bad = a
        .call(
            "PUT",
            "/admin/streams/2",
            "",
            Some(json!({"title": "", "price": 0})),
            true,
        )
        .await;
    assert_eq!(bad.status, 400);
    let off = a
        .call(
            "PUT",
            "/admin/streams/4",
            "",
            Some(json!({"title": "Off", "price": 1000, "active": false})),
            true,
        )
        .await;
    assert_eq!(off.status, 200);
    let gone = a
        .api
        .request(
            "generate-qris",
            "POST",
            "/api/generate-qris",
            "",
            Some(json!({"streamId": "4", "userId": "c"})),
        )
        .await;
    assert_eq!(gone.status, 404, "inactive streams cannot be bought");
}

#[tokio::test]
async fn session_list_is_newest_first_filtered_and_paged() {
    let a = setup().await;
    let mut ids = Vec::new();
    for (i, stream) in ["2", "4", "2"].iter().enumerate() {
        a.api.h.clock.advance(TimeDelta::seconds(1));
        ids.push(a.pending(&format!("user{i}"), stream).await.0);
    }
    a.approve(json!({"sessionId": ids[0]})).await;
    let all = a.call("GET", "/admin/sessions", "", None, true).await;
    let got: Vec<_> = all.data()["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sessionId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        got,
        vec![ids[2].clone(), ids[1].clone(), ids[0].clone()],
        "newest first, with sessionIds"
    );

    let stream2 = a
        .call("GET", "/admin/sessions", "streamId=2", None, true)
        .await;
    assert_eq!(stream2.data()["sessions"].as_array().unwrap().len(), 2);
    let paid = a
        .call("GET", "/admin/sessions", "status=paid", None, true)
        .await;
    let paid: Vec<_> = paid.data()["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sessionId"].clone())
        .collect();
    assert_eq!(paid, vec![json!(ids[0])]);

    let first = a
        .call("GET", "/admin/sessions", "limit=2", None, true)
        .await;
    assert_eq!(first.data()["sessions"].as_array().unwrap().len(), 2);
    let cursor = first.data()["nextCursor"].as_str().unwrap().to_owned();
    let second = a
        .call(
            "GET",
            "/admin/sessions",
            &format!("limit=2&cursor={cursor}"),
            None,
            true,
        )
        .await;
    assert_eq!(second.data()["sessions"][0]["sessionId"], ids[0].as_str());
    let forged = a
        .call(
            "GET",
            "/admin/sessions",
            "cursor=eyJldmlsIjpbIlMiLCJ4Il19",
            None,
            true,
        )
        .await;
    assert_eq!((forged.status, forged.code()), (400, "INVALID_FIELD"));

    a.api.h.clock.advance(TimeDelta::hours(3));
    let expired = a
        .call("GET", "/admin/sessions", "status=expired", None, true)
        .await;
    assert_eq!(
        expired.data()["sessions"].as_array().unwrap().len(),
        3,
        "expired is derived from now"
    );
}

#[tokio::test]
async fn the_page_renders_the_session_list_from_the_table() {
    let a = setup().await;
    let (sid, trx) = a.pending("<b>budi</b>", "2").await;
    let (other, _) = a.pending("sari", "4").await;
    a.approve(json!({"sessionId": sid})).await;
    let page = a.call("GET", "/admin/approve", "", None, true).await;
    assert_eq!(page.status, 200);
    let html = page.body.as_str().unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains(&sid) && html.contains(&trx) && html.contains(&other));
    assert!(html.contains("<span class=\"badge PAID\">PAID</span>"));
    assert!(html.contains("<span class=\"badge PENDING\">PENDING</span>"));
    assert!(html.contains("Rp 1.000"));
    assert!(html.contains(&format!(
        "<button class=\"approve\" data-session=\"{other}\">Approve</button>"
    )));
    assert!(
        html.contains("&lt;b&gt;budi&lt;/b&gt;") && !html.contains("<b>budi</b>"),
        "user text is escaped"
    );
    assert!(html.contains("Persetujuan Pembayaran"));
    assert!(!html.contains("https://"), "self-contained: no CDN");
}
