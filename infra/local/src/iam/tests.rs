//! The evaluator and the request analysis, then the proxy over raw HTTP against a stand-in upstream
//! (the SDK against DynamoDB Local is tested in `tests/tests/iam.rs`).

use std::io::{BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

use serde_json::json;

use super::*;

const TABLE: &str = "arn:aws:dynamodb:ap-southeast-3:123456789012:table/t1";

fn identity() -> Identity {
    Identity::lambda(
        "stack",
        "GenerateQrisFunction",
        "stack-generate-qris",
        "ap-southeast-3",
    )
}

fn checks_of(target: &str, body: serde_json::Value) -> Vec<(String, String)> {
    checks(
        &format!("DynamoDB_20120810.{target}"),
        body.to_string().as_bytes(),
        &identity(),
    )
    .into_iter()
    .map(|c| (c.action, c.resource))
    .collect()
}

fn pair(action: &str, resource: &str) -> (String, String) {
    (action.to_owned(), resource.to_owned())
}

#[test]
fn a_transaction_is_checked_item_by_item() {
    let body = json!({"TransactItems": [
        {"Put": {"TableName": "t1", "Item": {}}},
        {"ConditionCheck": {"TableName": "t1", "Key": {}, "ConditionExpression": "x"}},
        {"Update": {"TableName": "other", "Key": {}}},
        {"Delete": {"TableName": "t1", "Key": {}}},
    ]});
    assert_eq!(
        checks_of("TransactWriteItems", body),
        vec![
            pair("dynamodb:PutItem", TABLE),
            pair("dynamodb:ConditionCheckItem", TABLE),
            pair(
                "dynamodb:UpdateItem",
                "arn:aws:dynamodb:ap-southeast-3:123456789012:table/other"
            ),
            pair("dynamodb:DeleteItem", TABLE),
        ]
    );
    let get = json!({"TransactItems": [{"Get": {"TableName": "t1", "Key": {}}}]});
    assert_eq!(
        checks_of("TransactGetItems", get),
        vec![pair("dynamodb:GetItem", TABLE)]
    );

    let policy = Policy::new(vec![Statement::new(
        Effect::Allow,
        &["dynamodb:GetItem", "dynamodb:PutItem"],
        &[TABLE],
    )]);
    let put_and_check = checks(
        "DynamoDB_20120810.TransactWriteItems",
        json!({"TransactItems": [
            {"Put": {"TableName": "t1", "Item": {}}},
            {"ConditionCheck": {"TableName": "t1", "Key": {}}},
        ]})
        .to_string()
        .as_bytes(),
        &identity(),
    );
    let denial = policy.authorize(&put_and_check).unwrap_err();
    assert_eq!(
        denial,
        Denial {
            check: Check::new("dynamodb:ConditionCheckItem", TABLE),
            explicit: false
        },
        "the Put is allowed, the ConditionCheck refuses the whole transaction"
    );
    assert_eq!(
        denial.message(&identity().principal()),
        "User: arn:aws:sts::123456789012:assumed-role/stack-GenerateQrisFunctionRole/stack-generate-qris \
         is not authorized to perform: dynamodb:ConditionCheckItem on resource: \
         arn:aws:dynamodb:ap-southeast-3:123456789012:table/t1 because no identity-based policy \
         allows the dynamodb:ConditionCheckItem action"
    );
}

#[test]
fn a_query_on_an_index_needs_the_index_arn() {
    let by_user = format!("{TABLE}/index/byUser");
    assert_eq!(
        checks_of("Query", json!({"TableName": "t1", "IndexName": "byUser"})),
        vec![pair("dynamodb:Query", &by_user)]
    );
    assert_eq!(
        checks_of("Scan", json!({"TableName": "t1"})),
        vec![pair("dynamodb:Scan", TABLE)]
    );
    let table_only = Policy::new(vec![Statement::new(
        Effect::Allow,
        &["dynamodb:Query"],
        &[TABLE],
    )]);
    assert_eq!(
        table_only.decide("dynamodb:Query", &by_user),
        Decision::ImplicitDeny,
        "a grant on the table does not cover its indexes"
    );
    assert_eq!(
        table_only.decide("dynamodb:Query", TABLE),
        Decision::Allowed
    );
    let one_index = Policy::new(vec![Statement::new(
        Effect::Allow,
        &["dynamodb:Query"],
        &[&by_user],
    )]);
    assert_eq!(
        one_index.decide("dynamodb:Query", &by_user),
        Decision::Allowed
    );
    assert_eq!(
        one_index.decide("dynamodb:Query", &format!("{TABLE}/index/byCreated")),
        Decision::ImplicitDeny
    );
    assert_eq!(
        one_index.decide("dynamodb:Query", TABLE),
        Decision::ImplicitDeny
    );
}

#[test]
fn wildcards_match_as_iam_matches() {
    let policy = Policy::new(vec![Statement::new(
        Effect::Allow,
        &["dynamodb:Get*", "DynamoDB:query"],
        &[&format!("{TABLE}/index/*"), "arn:aws:dynamodb:*:*:table/t?"],
    )]);
    assert_eq!(policy.decide("dynamodb:GetItem", TABLE), Decision::Allowed);
    assert_eq!(
        policy.decide("dynamodb:Query", &format!("{TABLE}/index/byUser")),
        Decision::Allowed,
        "actions match case-insensitively"
    );
    assert_eq!(
        policy.decide("dynamodb:PutItem", TABLE),
        Decision::ImplicitDeny
    );
    assert_eq!(
        policy.decide("dynamodb:GetItem", &TABLE.replace("t1", "t12")),
        Decision::ImplicitDeny,
        "? is one character"
    );
    assert_eq!(
        policy.decide("dynamodb:GetItem", &TABLE.replace("t1", "T1")),
        Decision::ImplicitDeny,
        "resources match case-sensitively"
    );
    let everything = Policy::new(vec![Statement::new(Effect::Allow, &["dynamodb:*"], &["*"])]);
    assert_eq!(
        everything.decide("dynamodb:ConditionCheckItem", &format!("{TABLE}/index/x")),
        Decision::Allowed,
        "* spans slashes"
    );
    assert!(glob("a*b*c", "aXXbYYc", true) && !glob("a*b*c", "aXXbYY", true));
    assert!(glob("*", "", true) && !glob("?", "", true));
}

#[test]
fn an_explicit_deny_wins() {
    let policy = Policy::new(vec![
        Statement::new(Effect::Allow, &["dynamodb:*"], &["*"]),
        Statement::new(Effect::Deny, &["dynamodb:DeleteItem"], &[TABLE]),
    ]);
    assert_eq!(policy.decide("dynamodb:PutItem", TABLE), Decision::Allowed);
    assert_eq!(
        policy.decide("dynamodb:DeleteItem", TABLE),
        Decision::ExplicitDeny
    );
    let denial = policy
        .authorize(&[
            Check::new("dynamodb:PutItem", TABLE),
            Check::new("dynamodb:DeleteItem", TABLE),
        ])
        .unwrap_err();
    assert!(denial.explicit);
    assert!(
        denial
            .message("P")
            .ends_with("with an explicit deny in an identity-based policy"),
        "{}",
        denial.message("P")
    );
    let not_action = Policy::new(vec![Statement {
        effect: Effect::Allow,
        action: Patterns::AllBut(vec!["dynamodb:Delete*".into()]),
        resource: Patterns::Listed(vec![TABLE.into()]),
    }]);
    assert_eq!(
        not_action.decide("dynamodb:PutItem", TABLE),
        Decision::Allowed
    );
    assert_eq!(
        not_action.decide("dynamodb:DeleteItem", TABLE),
        Decision::ImplicitDeny
    );
    assert_eq!(
        Policy::default().decide("dynamodb:GetItem", TABLE),
        Decision::ImplicitDeny,
        "no policy allows nothing"
    );
}

#[test]
fn a_batch_needs_its_own_action_on_each_table() {
    let body = json!({"RequestItems": {
        "t1": [{"PutRequest": {"Item": {}}}, {"DeleteRequest": {"Key": {}}}],
        "t2": [{"PutRequest": {"Item": {}}}],
    }});
    assert_eq!(
        checks_of("BatchWriteItem", body),
        vec![
            pair("dynamodb:BatchWriteItem", TABLE),
            pair(
                "dynamodb:BatchWriteItem",
                "arn:aws:dynamodb:ap-southeast-3:123456789012:table/t2"
            ),
        ]
    );
    let put_only = Policy::new(vec![Statement::new(
        Effect::Allow,
        &["dynamodb:PutItem", "dynamodb:DeleteItem"],
        &[TABLE],
    )]);
    assert_eq!(
        put_only.decide("dynamodb:BatchWriteItem", TABLE),
        Decision::ImplicitDeny,
        "PutItem and DeleteItem do not grant BatchWriteItem"
    );
    assert_eq!(
        checks_of(
            "BatchGetItem",
            json!({"RequestItems": {"t1": {"Keys": []}}})
        ),
        vec![pair("dynamodb:BatchGetItem", TABLE)]
    );
    assert_eq!(
        checks_of("ListTables", json!({})),
        vec![pair("dynamodb:ListTables", "*")]
    );
    assert_eq!(
        checks_of("DescribeTable", json!({"TableName": TABLE})),
        vec![pair("dynamodb:DescribeTable", TABLE)],
        "a table ARN as TableName"
    );
    assert!(
        checks("DynamoDB_20120810.PutItem", b"not json", &identity()).is_empty(),
        "DynamoDB refuses a body that is not JSON before IAM"
    );
}

/// A stand-in upstream: answers each request with a chunked 200 carrying its body's length.
fn upstream() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let stream = stream.unwrap();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut writer = stream;
                while let Ok(Some(head)) = super::http::read_head(&mut reader) {
                    let body = super::http::read_body(&mut reader, &head).unwrap();
                    let text = format!("{{\"got\":{}}}", body.len());
                    let (a, b) = text.split_at(3);
                    write!(
                        writer,
                        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
                        a.len(),
                        b.len()
                    )
                    .unwrap();
                }
            });
        }
    });
    format!("http://{addr}")
}

fn send(stream: &mut TcpStream, target: &str, body: &str) -> (String, String) {
    write!(
        stream,
        "POST / HTTP/1.1\r\nhost: x\r\nx-amz-target: DynamoDB_20120810.{target}\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let head = super::http::read_head(&mut reader).unwrap().unwrap();
    let mut out = Vec::new();
    let mut sink = std::io::Cursor::new(&mut out);
    super::http::relay_response(&head, &mut reader, &mut sink, false).unwrap();
    assert!(reader.buffer().is_empty(), "nothing read past the answer");
    (head.first_line.clone(), String::from_utf8(out).unwrap())
}

#[test]
fn the_proxy_forwards_allowed_calls_and_refuses_the_others_on_one_connection() {
    let proxy = IamProxy::start(
        &upstream(),
        identity(),
        Policy::new(vec![Statement::new(
            Effect::Allow,
            &["dynamodb:GetItem"],
            &[TABLE],
        )]),
    )
    .unwrap();
    let mut stream = TcpStream::connect(proxy.endpoint().trim_start_matches("http://")).unwrap();
    let get = r#"{"TableName":"t1","Key":{}}"#;
    let (status, raw) = send(&mut stream, "GetItem", get);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(raw.ends_with("0\r\n\r\n") && raw.contains("{\"g") && raw.contains("t\":27}"));
    let (status, raw) = send(&mut stream, "PutItem", r#"{"TableName":"t1","Item":{}}"#);
    assert_eq!(status, "HTTP/1.1 400 Bad Request");
    assert!(
        raw.contains("x-amzn-ErrorType: AccessDeniedException"),
        "{raw}"
    );
    let body: serde_json::Value =
        serde_json::from_str(raw.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(
        body["__type"],
        "com.amazon.coral.service#AccessDeniedException"
    );
    assert!(
        body["Message"]
            .as_str()
            .unwrap()
            .contains("not authorized to perform: dynamodb:PutItem on resource: "),
        "{body}"
    );
    // The same connection still serves allowed calls after a refusal.
    let (status, _) = send(&mut stream, "GetItem", get);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(proxy.denials().len(), 1);
    assert_eq!(proxy.checked(), 3);
    assert_eq!(proxy.denials()[0].check.action, "dynamodb:PutItem");

    // Dropping the proxy closes its connections.
    drop(proxy);
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    assert!(rest.is_empty());
}
