//! IAM enforced locally: through a function's proxy the real SDK gets DynamoDB's
//! `AccessDeniedException` for a call outside the policy (and nothing is written), and a function
//! whose template policy lacks an action it needs takes its real error path.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Put, PutRequest, TransactWriteItem, WriteRequest,
};
use serde_json::json;
use upstream_local::iam::{Check, Denial, Effect, IamProxy, Identity, Policy, Statement};
use upstream_session::store::{StoreError, Timeouts, local_client_with};
use upstream_tests::iam::{REGION, STACK, template_without};
use upstream_tests::{api, api_with_template, client, dynamo, fresh_table, scan_all};

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn item(pk: &str) -> std::collections::HashMap<String, AttributeValue> {
    [("pk".to_owned(), s(pk)), ("sk".to_owned(), s("x"))].into()
}

#[tokio::test]
async fn the_sdk_gets_access_denied_for_what_the_policy_does_not_allow() {
    let table = fresh_table(&client()).await;
    let identity = Identity::lambda(STACK, "TestFunction", "upstream-test-f", REGION);
    let arn = identity.table_arn(&table);
    let by_user = format!("{arn}/index/byUser");
    let proxy = IamProxy::start(
        &dynamo().endpoint(),
        identity.clone(),
        Policy::new(vec![
            Statement::new(
                Effect::Allow,
                &["dynamodb:GetItem", "dynamodb:PutItem"],
                &[&arn],
            ),
            Statement::new(Effect::Allow, &["dynamodb:Query"], &[&by_user]),
        ]),
    )
    .unwrap();
    let client = local_client_with(&proxy.endpoint(), Timeouts::RELAXED);

    // Allowed: forwarded, answered by DynamoDB Local.
    client
        .put_item()
        .table_name(&table)
        .set_item(Some(item("a")))
        .send()
        .await
        .unwrap();
    let got = client
        .get_item()
        .table_name(&table)
        .set_key(Some(item("a")))
        .send()
        .await
        .unwrap();
    assert!(got.item().is_some());

    // A transaction with a ConditionCheck: refused whole, as IAM checks every item.
    let put = Put::builder()
        .table_name(&table)
        .set_item(Some(item("b")))
        .build()
        .unwrap();
    let check = ConditionCheck::builder()
        .table_name(&table)
        .set_key(Some(item("a")))
        .condition_expression("attribute_exists(pk)")
        .build()
        .unwrap();
    let err = client
        .transact_write_items()
        .transact_items(TransactWriteItem::builder().put(put).build())
        .transact_items(TransactWriteItem::builder().condition_check(check).build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 400);
    let service = err.as_service_error().unwrap();
    assert_eq!(service.code(), Some("AccessDeniedException"));
    assert_eq!(
        service.message().unwrap(),
        format!(
            "User: arn:aws:sts::123456789012:assumed-role/upstream-test-TestFunctionRole/upstream-test-f \
             is not authorized to perform: dynamodb:ConditionCheckItem on resource: {arn} because no \
             identity-based policy allows the dynamodb:ConditionCheckItem action"
        )
    );
    assert_eq!(
        scan_all(&upstream_tests::client(), &table).await.len(),
        1,
        "the transaction's Put was not applied"
    );

    // An index the policy does not name; the batch action a PutItem grant does not cover.
    let query = |index: &str| {
        client
            .query()
            .table_name(&table)
            .index_name(index)
            .key_condition_expression("userPk = :u")
            .expression_attribute_values(":u", s("u"))
            .send()
    };
    query("byUser").await.unwrap();
    let err = query("byCreated").await.unwrap_err();
    assert!(
        err.as_service_error()
            .unwrap()
            .message()
            .unwrap()
            .contains(&format!(
                "dynamodb:Query on resource: {arn}/index/byCreated "
            )),
        "{err:?}"
    );
    let err = client
        .batch_write_item()
        .request_items(
            &table,
            vec![
                WriteRequest::builder()
                    .put_request(
                        PutRequest::builder()
                            .set_item(Some(item("c")))
                            .build()
                            .unwrap(),
                    )
                    .build(),
            ],
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.as_service_error().unwrap().code(),
        Some("AccessDeniedException")
    );

    // The store maps it to a backend failure whose text (logged) names the denial.
    let store = upstream_session::Store::new(client.clone(), table.clone(), Default::default());
    match store.list_streams().await {
        Err(StoreError::Backend(text)) => assert!(
            text.contains("AccessDeniedException") && text.contains("not authorized"),
            "{text}"
        ),
        other => panic!("a table Query is not allowed: {other:?}"),
    }
    assert_eq!(
        proxy
            .denials()
            .iter()
            .map(|d| d.check.action.as_str())
            .collect::<Vec<_>>(),
        [
            "dynamodb:ConditionCheckItem",
            "dynamodb:Query",
            "dynamodb:BatchWriteItem",
            "dynamodb:Query"
        ]
    );
}

async fn generate(api: &upstream_tests::Api) -> upstream_tests::Reply {
    let order = json!({"streamId": "2", "userId": "iam-user"});
    api.request(
        "generate-qris",
        "POST",
        "/api/generate-qris",
        "",
        Some(order),
    )
    .await
}

#[tokio::test]
async fn generate_qris_needs_condition_check_item_in_its_template_policy() {
    // The template as on main before issue 21: the QR fails as it would on AWS.
    let broken = api_with_template(&template_without(
        "GenerateQrisFunction",
        "dynamodb:ConditionCheckItem",
    ))
    .await;
    let r = generate(&broken).await;
    assert_eq!(
        (r.status, r.code()),
        (500, "INTERNAL_ERROR"),
        "{:?}",
        r.body
    );
    let arn = broken
        .iam
        .of("generate-qris")
        .identity()
        .table_arn(&broken.h.table);
    assert_eq!(
        broken.iam.of("generate-qris").denials(),
        vec![Denial {
            check: Check::new("dynamodb:ConditionCheckItem", &arn),
            explicit: false
        }]
    );
    assert_eq!(
        scan_all(&broken.h.client, &broken.h.table)
            .await
            .iter()
            .filter(|i| {
                i["pk"]
                    .as_s()
                    .is_ok_and(|pk| pk.starts_with("SESSION#") || pk.starts_with("TRX#"))
            })
            .count(),
        0,
        "no session written (the transaction is refused whole)"
    );

    // The repository's template allows it.
    let api = api().await;
    let r = generate(&api).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(api.iam.denials().is_empty());
}

#[tokio::test]
#[should_panic(
    expected = "template.yaml does not allow what the functions do: check-access: dynamodb:GetItem"
)]
async fn a_call_the_template_does_not_allow_fails_the_test() {
    let api = api_with_template(&template_without("CheckAccessFunction", "dynamodb:GetItem")).await;
    let r = api
        .request(
            "check-access",
            "GET",
            "/api/check-access",
            "sessionId=session_0123456789abcdef0123456789abcdef&streamId=2",
            None,
        )
        .await;
    assert_eq!(r.status, 500);
    // What the harness checks after every call with the repository's template.
    api.iam.assert_none_denied();
}
