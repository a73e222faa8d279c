//! Each function's DynamoDB grants: evaluable locally, only the table and its indexes, exactly what its code calls.

use super::*;

/// The DynamoDB grants of each function's policy, as `(action, "table" | "index/<name>")`, read
/// through the same parser that enforces them locally (`upstream_local::template`).
fn dynamodb_grants(name: &str) -> BTreeSet<(String, String)> {
    let values = LocalValues {
        table: "t".into(),
        stack_name: "s".into(),
        region: "ap-southeast-3".into(),
        ..LocalValues::default()
    };
    let template = Template::load(&root().join("template.yaml")).unwrap();
    let access = template
        .access(name, &values)
        .unwrap_or_else(|e| panic!("{name}: the policy is evaluated locally: {e}"));
    let table = "arn:aws:dynamodb:ap-southeast-3:123456789012:table/t";
    let mut out = BTreeSet::new();
    for st in &access.policy.statements {
        let (Patterns::Listed(actions), Patterns::Listed(resources)) = (&st.action, &st.resource)
        else {
            panic!("{name}: no NotAction/NotResource: {st:?}");
        };
        let dynamodb: Vec<&String> = actions
            .iter()
            .filter(|a| a.starts_with("dynamodb:"))
            .collect();
        if dynamodb.is_empty() {
            assert!(
                resources.iter().all(|r| !r.contains(":dynamodb:")),
                "{name}: the table is granted only by DynamoDB statements: {st:?}"
            );
            continue;
        }
        assert_eq!(st.effect, Effect::Allow, "{name}: {st:?}");
        assert_eq!(
            dynamodb.len(),
            actions.len(),
            "{name}: one service a statement"
        );
        for r in resources {
            let on = if r == table {
                "table".to_owned()
            } else {
                let index = r
                    .strip_prefix(table)
                    .and_then(|rest| rest.strip_prefix("/index/"))
                    .unwrap_or_else(|| {
                        panic!("{name}: {r} is not the table or one of its indexes")
                    });
                assert!(
                    TABLE.indexes.iter().any(|i| i.name == index),
                    "{name}: {index} is not a declared index"
                );
                format!("index/{index}")
            };
            for a in &dynamodb {
                assert!(!a.contains(['*', '?']), "{name}: no wildcard actions: {a}");
                out.insert(((*a).clone(), on.clone()));
            }
        }
    }
    out
}

#[test]
fn each_policy_is_evaluable_locally_and_grants_only_the_table_and_its_indexes() {
    let grants: BTreeMap<String, BTreeSet<(String, String)>> = specs()
        .into_iter()
        .map(|spec| (spec.name.to_owned(), dynamodb_grants(spec.name)))
        .collect();
    assert_eq!(grants.keys().cloned().collect::<BTreeSet<_>>(), crates());
    let grant = |a: &str, on: &str| (format!("dynamodb:{a}"), on.to_owned());
    // The transaction that writes a new session checks the viewer's paid-access guard (issue 21:
    // without ConditionCheckItem every QR fails on AWS with AccessDeniedException).
    assert!(
        grants["generate-qris"].contains(&grant("ConditionCheckItem", "table")),
        "{:?}",
        grants["generate-qris"]
    );
    // The viewer's list is read from its index only, never from the table.
    assert_eq!(
        grants["user-sessions"],
        BTreeSet::from([grant("Query", "index/byUser")])
    );
    // The catalog reads only: the list (1 Query) and one stream (1 GetItem), never a write.
    assert_eq!(
        grants["streams"],
        BTreeSet::from([grant("Query", "table"), grant("GetItem", "table")])
    );
    // The verifier records the connections SRS and MediaMTX admitted; its publish hook reads the
    // catalog and marks entries live. Nothing else.
    assert_eq!(
        grants["playback-auth"],
        BTreeSet::from([
            grant("PutItem", "table"),
            grant("Query", "table"),
            grant("UpdateItem", "table")
        ])
    );
    // The reaper finds due connections on their index and deletes them.
    assert_eq!(
        grants["media-reaper"],
        BTreeSet::from([
            grant("Query", "index/byKick"),
            grant("BatchWriteItem", "table"),
            grant("Query", "index/byRefund"),
        ])
    );
}
