//! `GET /api/user-sessions?userId=…` in the anonymous mode, through the real handler on DynamoDB
//! Local: a userId is chosen by the client, so it lists a viewer's purchases without their trxIds
//! unless the request also presents one of that viewer's live sessionIds.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use serde_json::Value;
use upstream_tests::{Api, Reply, api};

async fn list(api: &Api, query: &str) -> Reply {
    api.request("user-sessions", "GET", "/api/user-sessions", query, None)
        .await
}

fn trx_ids(r: &Reply) -> Vec<Value> {
    r.data()["activeSessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["trxId"].clone())
        .collect()
}

#[tokio::test]
async fn a_user_id_alone_lists_no_trx_ids() {
    let api = api().await;
    let (carol_trx, carol_session) = api.pending("carol", "2").await;
    let (paid_trx, _) = api.pending("carol", "4").await;
    api.pay(&paid_trx, 1000, "RRN-C4").await;
    let (_, other_session) = api.pending("dodi", "2").await;

    // Anyone may ask about "carol": the streams, statuses and expiries, never a trxId.
    let anonymous = list(&api, "userId=carol").await;
    assert_eq!(anonymous.status, 200, "{:?}", anonymous.body);
    assert_eq!(anonymous.calls, 1, "one Query");
    assert_eq!(anonymous.data()["totalActive"], 2);
    assert_eq!(trx_ids(&anonymous), vec![Value::Null, Value::Null]);
    let text = anonymous.body.to_string();
    assert!(
        !text.contains(&carol_trx) && !text.contains(&paid_trx),
        "{text}"
    );

    // Another viewer's sessionId proves nothing about carol.
    let stranger = list(&api, &format!("userId=carol&sessionId={other_session}")).await;
    assert_eq!(trx_ids(&stranger), vec![Value::Null, Value::Null]);

    // Carol's own sessionId (the page keeps it) shows her trxIds, in the same one Query.
    let own = list(&api, &format!("userId=carol&sessionId={carol_session}")).await;
    assert_eq!(own.calls, 1, "no extra read");
    let mut shown: Vec<String> = trx_ids(&own)
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    shown.sort();
    let mut expected = vec![carol_trx, paid_trx];
    expected.sort();
    assert_eq!(shown, expected);
    assert!(
        !own.body.to_string().contains("session_"),
        "never a sessionId"
    );

    // A malformed sessionId is refused like any other parameter.
    let bad = list(&api, "userId=carol&sessionId=nope").await;
    assert_eq!((bad.status, bad.code()), (400, "INVALID_FIELD"));
}
