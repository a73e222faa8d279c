//! `ViewerAuth=oidc` on the local stack against a real OpenID provider (infra/oidc): the JWT
//! authorizer emulated from the template refuses a viewer route without a valid token before any
//! function runs (API Gateway's own 401), the functions take the verified `sub`, a body `userId`
//! that differs is 403, and a purchase follows the account to a request with no sessionId.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use common::{Dev, free_port};
use serde_json::json;
use upstream_local::oidc::{OidcOptions, OidcProvider};

/// Log lines of `route` the functions wrote (one per request a function answered).
fn answered(dev: &Dev, route: &str) -> usize {
    let needle = format!("\"route\":\"{route}\"");
    dev.logs
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains(&needle))
        .count()
}

#[test]
fn viewer_routes_need_a_token_and_act_for_its_subject() {
    let port = free_port();
    let redirect = format!("http://127.0.0.1:{port}/");
    let provider = OidcProvider::start(&OidcOptions::new(redirect.clone())).unwrap();
    let env = [
        ("VIEWER_AUTH", "oidc"),
        ("OIDC_ISSUER", provider.issuer()),
        ("OIDC_AUDIENCE", provider.audience()),
    ];
    let (dev, _) = Dev::spawn(port, &["--in-memory"], &env);
    let ana = provider.sign_in("ana", &redirect).unwrap().access_token;
    let budi = provider.sign_in("budi", &redirect).unwrap().access_token;
    let bearer = |t: &str| format!("Bearer {t}");

    // No token, a broken one: API Gateway's 401, and the function never ran.
    let before = answered(&dev, "check-access");
    for auth in [None, Some("Bearer not-a-jwt".to_owned())] {
        let mut headers = vec![];
        if let Some(a) = &auth {
            headers.push(("authorization", a.as_str()));
        }
        let r = dev.send("GET", "/api/check-access?streamId=2", &headers, "");
        assert_eq!(
            (r.status, r.body.as_str()),
            (401, r#"{"message":"Unauthorized"}"#),
            "{auth:?}"
        );
    }
    assert_eq!(
        answered(&dev, "check-access"),
        before,
        "no function ran: no DynamoDB call"
    );
    // The catalog stays open.
    assert_eq!(dev.request("GET", "/api/streams", None).0, 200);

    // A QR for another user than the token's subject: 403.
    let order = |user: &str| json!({"streamId": "2", "userId": user}).to_string();
    let ana_auth = bearer(&ana);
    let headers = [
        ("authorization", ana_auth.as_str()),
        ("content-type", "application/json"),
    ];
    let r = dev.send("POST", "/api/generate-qris", &headers, &order("budi"));
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.json()["code"], "FORBIDDEN");
    // Her own: paid, then access by stream alone, on any device (no sessionId).
    let r = dev.send("POST", "/api/generate-qris", &headers, &order("ana"));
    assert_eq!(r.status, 200, "{}", r.body);
    let session = r.json()["data"]["sessionId"].as_str().unwrap().to_owned();
    let (status, approved) = dev.request(
        "POST",
        "/api/force-approve",
        Some(&json!({"sessionId": session}).to_string()),
    );
    assert_eq!(status, 200, "{approved}");
    let r = dev.send("GET", "/api/check-access?streamId=2", &headers, "");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json()["data"]["hasAccess"],
        true,
        "the account's purchase"
    );
    assert_eq!(r.json()["data"]["sessionId"], session.as_str());
    // Another account has nothing, and cannot use her session.
    let budi_auth = bearer(&budi);
    let other = [("authorization", budi_auth.as_str())];
    let r = dev.send("GET", "/api/check-access?streamId=2", &other, "");
    assert_eq!(r.json()["data"]["hasAccess"], false, "{}", r.body);
    let r = dev.send(
        "GET",
        &format!("/api/check-access?streamId=2&sessionId={session}"),
        &other,
        "",
    );
    assert_eq!(r.json()["data"]["hasAccess"], false, "{}", r.body);
    // Her purchases, asked without a userId.
    let r = dev.send("GET", "/api/user-sessions", &headers, "");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["data"]["userId"], "ana");
    let r = dev.send("GET", "/api/user-sessions?userId=budi", &headers, "");
    assert_eq!(r.status, 403, "{}", r.body);
    dev.stop();
    provider.stop();
}
