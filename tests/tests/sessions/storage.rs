//! What every item carries (its ttl, the table's TTL setting) and an unreachable DynamoDB.

use super::*;

#[tokio::test]
async fn every_item_carries_ttl_and_ttl_is_enabled() {
    let h = harness().await;
    let s = created(&h, "demo-user", "4").await;
    created(&h, "demo-user", "2").await;
    h.clock.advance(TimeDelta::minutes(3));
    h.manager
        .mark_paid(&SessionKey::Session(s.session_id.clone()), &webhook())
        .await
        .unwrap();

    let ttl = h
        .client
        .describe_time_to_live()
        .table_name(&h.table)
        .send()
        .await
        .unwrap();
    let desc = ttl.time_to_live_description().unwrap();
    assert_eq!(desc.attribute_name(), Some("ttl"));
    assert_eq!(desc.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));

    let items = scan_all(&h.client, &h.table).await;
    assert!(
        items.len() >= 7,
        "sessions, mirrors, guard, ledger and events: {}",
        items.len()
    );
    let paid_ttl =
        (t0() + TimeDelta::minutes(3) + TimeDelta::hours(2) + TimeDelta::hours(24)).timestamp();
    for item in &items {
        let ttl: i64 = item["ttl"]
            .as_n()
            .expect("ttl is a number")
            .parse()
            .unwrap();
        let kind = item["kind"].as_s().unwrap();
        if kind == "payment" {
            continue;
        }
        if kind != "event" && item["sessionId"].as_s().unwrap() == s.session_id.as_str() {
            assert_eq!(ttl, paid_ttl, "{kind} copy of the paid session");
        }
        assert!(ttl > t0().timestamp(), "ttl is epoch seconds in the future");
        assert!(ttl < 10_000_000_000, "ttl is seconds, not milliseconds");
    }
}

#[tokio::test]
async fn an_unreachable_dynamodb_is_unavailable_not_a_panic() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = local_client(&format!("http://127.0.0.1:{port}"));
    let store = Store::new(client, "nowhere", Default::default());
    let err = store
        .get_session(&upstream_session::domain::SessionId::generate())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
}
