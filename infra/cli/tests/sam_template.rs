//! template.yaml is the contract with AWS: its routes, table and policies must be what the code uses.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_yaml::Value;
use upstream_local::iam::{Effect, Patterns};
use upstream_local::template::{LocalValues, Template};
use upstream_registry::{FUNCTIONS, specs};
use upstream_session::store::TABLE;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn template() -> Value {
    serde_yaml::from_str(&std::fs::read_to_string(root().join("template.yaml")).unwrap()).unwrap()
}

fn tag(v: &Value) -> Option<String> {
    match v {
        Value::Tagged(t) => Some(t.tag.to_string()),
        _ => None,
    }
}

fn functions(t: &Value) -> BTreeMap<String, Value> {
    t["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .map(|(_, r)| {
            (
                r["Metadata"]["BuildProperties"]["Binary"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                r.clone(),
            )
        })
        .collect()
}

fn crates() -> BTreeSet<String> {
    std::fs::read_dir(root().join("functions"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// `upstream routes`: what the local stack serves.
fn local_routes() -> BTreeSet<(String, String, String)> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_upstream"))
        .arg("routes")
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["function"].as_str().unwrap().into(),
                r["method"].as_str().unwrap().into(),
                r["path"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[test]
fn functions_match_the_workspace_crates() {
    let t = template();
    let fns = functions(&t);
    assert_eq!(fns.keys().cloned().collect::<BTreeSet<_>>(), crates());
    for (name, f) in &fns {
        assert_eq!(f["Metadata"]["BuildMethod"], "rust-cargolambda", "{name}");
    }
    let g = &t["Globals"]["Function"];
    assert_eq!(g["Runtime"], "provided.al2023");
    assert_eq!(g["Handler"], "bootstrap");
    assert_eq!(g["MemorySize"], 128);
    assert_eq!(g["LoggingConfig"]["LogFormat"], "JSON");
    assert_eq!(tag(&g["Architectures"][0]).as_deref(), Some("!Ref"));
    assert_eq!(t["Parameters"]["Architecture"]["Default"], "arm64");
}

#[test]
fn routes_match_what_the_local_stack_serves() {
    let t = template();
    let mut template_routes = BTreeSet::new();
    for (name, f) in functions(&t) {
        if let Some(events) = f["Properties"]["Events"].as_mapping() {
            for (_, e) in events {
                if e["Type"] == "Schedule" {
                    continue; // checked by `schedules_match_the_registry`
                }
                assert_eq!(e["Type"], "HttpApi");
                let p = &e["Properties"];
                template_routes.insert((
                    name.clone(),
                    p["Method"].as_str().unwrap().to_owned(),
                    p["Path"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    let local: BTreeSet<_> = local_routes()
        .into_iter()
        .filter(|(f, _, _)| f != "admin")
        .collect();
    assert_eq!(template_routes, local);
    assert!(
        template_routes
            .iter()
            .all(|(_, _, p)| p.starts_with("/api/"))
    );
    // Every public function crate but the scheduled ones has at least one route.
    let routed: BTreeSet<_> = template_routes.iter().map(|(f, _, _)| f.clone()).collect();
    let mut public = crates();
    public.remove("admin");
    for f in upstream_registry::scheduled() {
        public.remove(f.spec.name);
    }
    assert_eq!(routed, public);
}

/// `(function, schedule expression)` of the template's `Schedule` events.
fn template_schedules(t: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (name, f) in functions(t) {
        let Some(events) = f["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for (_, e) in events.iter().filter(|(_, e)| e["Type"] == "Schedule") {
            let expression = e["Properties"]["Schedule"].as_str().unwrap();
            out.insert((name.clone(), expression.to_owned()));
        }
    }
    out
}

#[test]
fn schedules_match_the_registry() {
    let t = template();
    let registry: BTreeSet<(String, String)> = FUNCTIONS
        .iter()
        .filter_map(|f| Some((f.spec.name.to_owned(), f.schedule()?.to_owned())))
        .collect();
    assert_eq!(template_schedules(&t), registry);
    assert!(registry.contains(&("media-reaper".to_owned(), "rate(1 minute)".to_owned())));
    // A scheduled function has no route, its own log group, and finishes before the next run.
    let fns = functions(&t);
    for (name, _) in &registry {
        let f = &fns[name];
        let events = f["Properties"]["Events"].as_mapping().unwrap();
        assert!(
            events.iter().all(|(_, e)| e["Type"] == "Schedule"),
            "{name}"
        );
        assert!(f["Properties"]["Timeout"].as_u64().unwrap() < 60, "{name}");
        assert!(
            !f["Properties"]["LoggingConfig"]["LogGroup"].is_null(),
            "{name}"
        );
    }
}

#[test]
fn admin_is_reachable_only_through_an_iam_function_url() {
    let t = template();
    let admin = &functions(&t)["admin"];
    assert_eq!(
        admin["Properties"]["FunctionUrlConfig"]["AuthType"],
        "AWS_IAM"
    );
    assert!(
        admin["Properties"]["Events"].is_null(),
        "no API route for the admin function"
    );
    let admin_paths: BTreeSet<_> = local_routes()
        .into_iter()
        .filter(|(f, _, _)| f == "admin")
        .map(|(_, _, p)| p)
        .collect();
    let text = std::fs::read_to_string(root().join("template.yaml")).unwrap();
    for path in admin_paths {
        assert!(
            !text.contains(&format!("Path: {path}")),
            "{path} must not be an API route"
        );
    }
}

#[test]
fn table_matches_the_definition_in_code() {
    let t = template();
    let table = &t["Resources"]["SessionsTable"];
    assert_eq!(table["Type"], "AWS::DynamoDB::Table");
    assert_eq!(table["DeletionPolicy"], "Retain");
    let p = &table["Properties"];
    assert_eq!(p["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        p["TimeToLiveSpecification"]["AttributeName"],
        TABLE.ttl_attribute
    );
    assert_eq!(p["TimeToLiveSpecification"]["Enabled"], true);
    assert_eq!(
        p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        true
    );
    assert_eq!(p["SSESpecification"]["SSEEnabled"], true);

    let attrs: BTreeSet<(String, String)> = p["AttributeDefinitions"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["AttributeName"].as_str().unwrap().into(),
                a["AttributeType"].as_str().unwrap().into(),
            )
        })
        .collect();
    let code: BTreeSet<(String, String)> = TABLE
        .attribute_definitions()
        .iter()
        .map(|a| (a.name.into(), a.kind.into()))
        .collect();
    assert_eq!(attrs, code);

    let keys = |v: &Value| -> Vec<(String, String)> {
        v.as_sequence()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["AttributeName"].as_str().unwrap().into(),
                    k["KeyType"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    assert_eq!(
        keys(&p["KeySchema"]),
        vec![
            (TABLE.hash.name.into(), "HASH".into()),
            (TABLE.range.name.into(), "RANGE".into())
        ]
    );
    let indexes: BTreeMap<String, Vec<(String, String)>> = p["GlobalSecondaryIndexes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|i| {
            let name = i["IndexName"].as_str().unwrap();
            let def = TABLE.indexes.iter().find(|d| d.name == name).unwrap();
            match def.projection.attributes() {
                None => assert_eq!(i["Projection"]["ProjectionType"], "ALL", "{name}"),
                Some(attrs) => {
                    assert_eq!(i["Projection"]["ProjectionType"], "INCLUDE", "{name}");
                    let listed: Vec<&str> = i["Projection"]["NonKeyAttributes"]
                        .as_sequence()
                        .unwrap()
                        .iter()
                        .map(|a| a.as_str().unwrap())
                        .collect();
                    assert_eq!(
                        listed, attrs,
                        "{name}: the template projects what the code reads"
                    );
                }
            }
            (name.into(), keys(&i["KeySchema"]))
        })
        .collect();
    let code: BTreeMap<String, Vec<(String, String)>> = TABLE
        .indexes
        .iter()
        .map(|i| {
            (
                i.name.into(),
                vec![
                    (i.hash.name.into(), "HASH".into()),
                    (i.range.name.into(), "RANGE".into()),
                ],
            )
        })
        .collect();
    assert_eq!(indexes, code);
}

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
    // The verifier reads nothing: it records the connections SRS and MediaMTX admitted.
    assert_eq!(
        grants["playback-auth"],
        BTreeSet::from([grant("PutItem", "table")])
    );
    // The reaper finds due connections on their index and deletes them, and reads the oldest open
    // refund (the metric its alarm reads) on the refunds' index.
    assert_eq!(
        grants["media-reaper"],
        BTreeSet::from([
            grant("Query", "index/byKick"),
            grant("BatchWriteItem", "table"),
            grant("Query", "index/byRefund"),
        ])
    );
}

#[test]
fn the_merchant_payload_is_a_no_echo_parameter_without_default() {
    let t = template();
    let p = &t["Parameters"]["StaticQrisPayload"];
    assert_eq!(p["NoEcho"], true);
    assert!(p["Default"].is_null(), "no default");
    for gone in [
        "WebhookSecret",
        "OmeSecretKey",
        "PaymentGatewaySecretName",
        "SrsApiPassword",
        "MediamtxApiPassword",
    ] {
        assert!(
            t["Parameters"][gone].is_null(),
            "{gone}: secrets are read from Secrets Manager, never passed as parameters"
        );
    }
    // A media server's API password is a secret the template creates only for a server in use.
    for (secret, condition) in [
        ("SrsApiSecret", "HasSrsApi"),
        ("MediamtxApiSecret", "HasMediamtxApi"),
    ] {
        assert_eq!(t["Resources"][secret]["Condition"], condition, "{secret}");
        assert!(!t["Conditions"][condition].is_null(), "{condition}");
    }
    let text = std::fs::read_to_string(root().join("template.yaml")).unwrap();
    assert!(!text.contains("000201"), "no QRIS payload in the template");
    let samconfig = std::fs::read_to_string(root().join("samconfig.toml")).unwrap();
    assert!(samconfig.contains("ap-southeast-3") && samconfig.contains("resolve_s3 = true"));
    let overrides = samconfig
        .lines()
        .find(|l| l.starts_with("parameter_overrides"))
        .unwrap();
    assert!(
        !overrides.contains("WebhookSecret") && !overrides.contains("StaticQrisPayload"),
        "no secrets in samconfig"
    );
}

#[test]
fn playback_keys_never_are_in_the_repo() {
    let text = std::fs::read_to_string(root().join("template.yaml")).unwrap();
    assert!(!text.contains("BEGIN PRIVATE KEY") && !text.contains("BEGIN EC PRIVATE KEY"));
}

#[test]
fn each_function_spec_names_its_template_resource_crate_and_routes() {
    let t = template();
    let mut names = BTreeSet::new();
    for spec in specs() {
        assert!(names.insert(spec.name), "{} declared twice", spec.name);
        let r = &t["Resources"][spec.resource];
        assert_eq!(r["Type"], "AWS::Serverless::Function", "{}", spec.resource);
        assert_eq!(r["Metadata"]["BuildProperties"]["Binary"], spec.name);
        assert!(
            root()
                .join("functions")
                .join(spec.name)
                .join("Cargo.toml")
                .is_file(),
            "{}",
            spec.name
        );
    }
    // `upstream routes` prints the registry's functions and routes.
    let specs: BTreeSet<(String, String, String)> = specs()
        .iter()
        .flat_map(|s| {
            s.routes
                .iter()
                .map(|r| (s.name.to_owned(), r.method.to_string(), r.path.to_string()))
        })
        .collect();
    assert_eq!(specs, local_routes());
}
