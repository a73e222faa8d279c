//! A viewer's way to a playback token, through the functions themselves: a paid session (generate-qris,
//! then the signed webhook) and check-access with playback tokens switched on.

use serde_json::json;
use upstream_session::catalog::CACHE_TTL;
use upstream_session::edge::playback::PlaybackIssuer;

use crate::{Api, Reply, playback_env};

/// Switches playback tokens on in check-access and the status poll of `api`.
pub fn with_playback_tokens(mut api: Api) -> Api {
    // Each issuer reads the catalog with its function's own client (through its IAM proxy).
    let issuer = |manager| {
        Some(PlaybackIssuer::new(
            playback_env(&api.playback_key)
                .issuer()
                .expect("a signing key"),
            manager,
            CACHE_TTL,
        ))
    };
    api.stack.check_access.playback = issuer(&api.stack.check_access.manager);
    api.stack.payment_callback.playback = issuer(&api.stack.payment_callback.manager);
    api
}

/// The test API with playback tokens switched on in check-access and the status poll.
pub async fn playback_api() -> Api {
    with_playback_tokens(crate::api().await)
}

/// A paid session of `user` for `stream`: (trxId, sessionId).
pub async fn paid(api: &Api, user: &str, stream: &str) -> (String, String) {
    let r = api.generate_qris(user, stream).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let text = |v: &serde_json::Value| v.as_str().expect("a string").to_owned();
    let trx = text(&r.data()["trxId"]);
    let session = text(&r.data()["sessionId"]);
    let amount = r.data()["amount"].clone();
    let w = api
        .webhook(
            &json!({"trxId": trx, "amount": amount, "status": "paid", "providerRef": format!("RRN-{trx}")}),
            None,
        )
        .await;
    assert_eq!(w.data()["outcome"], "granted", "{:?}", w.body);
    (trx, session)
}

/// check-access of `session` for `stream`.
pub async fn check(api: &Api, session: &str, stream: &str) -> Reply {
    api.check_access(session, stream).await
}

/// The playback token check-access gives `session` for `stream`.
pub async fn token(api: &Api, session: &str, stream: &str) -> String {
    let r = check(api, session, stream).await;
    r.data()["playback"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no playback token: {:?}", r.body))
        .to_owned()
}
