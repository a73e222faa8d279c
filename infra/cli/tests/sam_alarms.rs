//! template.yaml's alarms and dashboard, compared with what they watch: every function, route and
//! index of the template has its alarm, the business metrics are the ones the functions emit
//! (`upstream_session::metrics`), and the e-mail subscription exists only with `AlarmEmail`.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_yaml::Value;
use upstream_registry::specs;
use upstream_session::metrics::{
    NAMESPACE, OLDEST_OPEN_REFUND_HOURS, PAYMENTS_GRANTED, REFUNDS_OPENED, SALES_RUPIAH,
};
use upstream_session::store::TABLE;

fn template() -> Value {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml"));
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The resources of type `kind`, by logical id.
fn resources(t: &Value, kind: &str) -> BTreeMap<String, Value> {
    t["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(id, r)| (id.as_str().unwrap().to_owned(), r.clone()))
        .collect()
}

/// A scalar as written: a string, or `!Tag value` for an intrinsic function on a scalar.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Tagged(t) => format!("{} {}", t.tag, scalar(&t.value)),
        other => serde_yaml::to_string(other).unwrap().trim().to_owned(),
    }
}

/// One metric an alarm reads: namespace, name, and its dimensions as `(name, value)`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Watched {
    namespace: String,
    name: String,
    dimensions: BTreeSet<(String, String)>,
}

impl Watched {
    fn of(m: &Value) -> Self {
        let dimensions = m["Dimensions"]
            .as_sequence()
            .map(|ds| {
                ds.iter()
                    .map(|d| (scalar(&d["Name"]), scalar(&d["Value"])))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            namespace: scalar(&m["Namespace"]),
            name: scalar(&m["MetricName"]),
            dimensions,
        }
    }

    fn dimension(&self, name: &str) -> Option<&str> {
        self.dimensions
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The metrics an alarm reads: its own metric, or each `MetricStat` of its metric math.
fn watched(alarm: &Value) -> Vec<Watched> {
    let p = &alarm["Properties"];
    match p["Metrics"].as_sequence() {
        Some(queries) => queries
            .iter()
            .filter(|q| !q["MetricStat"].is_null())
            .map(|q| Watched::of(&q["MetricStat"]["Metric"]))
            .collect(),
        None => vec![Watched::of(p)],
    }
}

fn alarms(t: &Value) -> BTreeMap<String, Vec<Watched>> {
    resources(t, "AWS::CloudWatch::Alarm")
        .into_iter()
        .map(|(id, a)| {
            let w = watched(&a);
            (id, w)
        })
        .collect()
}

/// `(function resource, "METHOD /path")` of every HTTP API route in the template.
fn routes(t: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (id, f) in resources(t, "AWS::Serverless::Function") {
        let Some(events) = f["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for e in events.values().filter(|e| e["Type"] == "HttpApi") {
            let p = &e["Properties"];
            out.insert((
                id.clone(),
                format!("{} {}", scalar(&p["Method"]), scalar(&p["Path"])),
            ));
        }
    }
    out
}

#[test]
fn every_function_and_route_has_its_failure_alarm() {
    let t = template();
    let alarms = alarms(&t);
    let functions = resources(&t, "AWS::Serverless::Function");
    let routes = routes(&t);
    assert!(routes.len() > 10, "{routes:?}");
    for id in functions.keys() {
        let me = format!("!Ref {id}");
        let mine: Vec<(&String, &Vec<Watched>)> = alarms
            .iter()
            .filter(|(_, ws)| ws.iter().any(|w| w.dimension("FunctionName") == Some(&me)))
            .collect();
        let served: BTreeSet<&String> = routes
            .iter()
            .filter(|(f, _)| f == id)
            .map(|(_, r)| r)
            .collect();
        let failures = mine.iter().any(|(_, ws)| {
            let alarmed: BTreeSet<&str> = ws
                .iter()
                .filter(|w| w.namespace == "AWS/ApiGateway" && w.name == "5xx")
                .filter_map(|w| w.dimension("Route"))
                .collect();
            let lambda = ws.iter().any(|w| {
                w.namespace == "AWS/Lambda"
                    && ["Errors", "Url5xxCount"].contains(&w.name.as_str())
                    && w.dimension("FunctionName") == Some(&me)
            });
            if served.is_empty() {
                lambda
            } else {
                served.iter().all(|r| alarmed.contains(r.as_str()))
            }
        });
        assert!(failures, "{id}: no alarm on its 5xx answers or failed runs");
    }
    // Every alarmed route is one the template serves, of the API the template declares.
    for w in alarms.values().flatten().filter(|w| w.name == "5xx") {
        assert_eq!(w.dimension("ApiId"), Some("!Ref HttpApi"), "{w:?}");
        assert_eq!(w.dimension("Stage"), Some("$default"), "{w:?}");
        let route = w.dimension("Route").unwrap();
        assert!(routes.iter().any(|(_, r)| r == route), "{route}");
    }
    // Per-route metrics exist only with detailed metrics on.
    let api = &t["Resources"]["HttpApi"]["Properties"]["DefaultRouteSettings"];
    assert_eq!(api["DetailedMetricsEnabled"], Value::Bool(true));

    // Lambda throttles: every function of the stack.
    let throttled: BTreeSet<String> = alarms["LambdaThrottlesAlarm"]
        .iter()
        .filter(|w| w.name == "Throttles")
        .map(|w| w.dimension("FunctionName").unwrap().to_owned())
        .collect();
    let all: BTreeSet<String> = functions.keys().map(|id| format!("!Ref {id}")).collect();
    assert_eq!(throttled, all);

    // payment-callback: any failure of any of its routes, or of the function, alarms.
    let callback = &alarms["PaymentCallbackErrorsAlarm"];
    for (_, r) in routes
        .iter()
        .filter(|(f, _)| f == "PaymentCallbackFunction")
    {
        assert!(
            callback.iter().any(|w| w.dimension("Route") == Some(r)),
            "{r}"
        );
    }
    assert!(callback.iter().any(|w| w.name == "Errors"));
}

#[test]
fn the_table_and_every_index_have_a_throttle_alarm() {
    let t = template();
    let mut indexes = BTreeSet::new();
    let mut table = false;
    for (id, ws) in alarms(&t) {
        let throttles: Vec<&Watched> = ws
            .iter()
            .filter(|w| w.namespace == "AWS/DynamoDB" && w.name.ends_with("ThrottleEvents"))
            .collect();
        if throttles.is_empty() {
            continue;
        }
        let names: BTreeSet<&str> = throttles.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(
            names,
            BTreeSet::from(["ReadThrottleEvents", "WriteThrottleEvents"]),
            "{id}"
        );
        for w in throttles {
            assert_eq!(w.dimension("TableName"), Some("!Ref SessionsTable"), "{id}");
            match w.dimension("GlobalSecondaryIndexName") {
                Some(index) => {
                    indexes.insert(index.to_owned());
                }
                None => table = true,
            }
        }
    }
    assert!(table, "the table's own throttles");
    // A new index in the table's definition (and so in the template) cannot miss its alarm.
    let defined: BTreeSet<String> = TABLE.indexes.iter().map(|i| i.name.to_owned()).collect();
    assert_eq!(indexes, defined);
}

#[test]
fn the_old_open_refund_alarm_reads_what_the_reaper_emits() {
    let t = template();
    let reaper = specs()
        .into_iter()
        .find(|s| s.resource == "MediaReaperFunction")
        .unwrap();
    let alarm = &t["Resources"]["OldOpenRefundAlarm"]["Properties"];
    assert_eq!(
        watched(&t["Resources"]["OldOpenRefundAlarm"]),
        [Watched {
            namespace: NAMESPACE.into(),
            name: OLDEST_OPEN_REFUND_HOURS.into(),
            dimensions: BTreeSet::from([("Function".into(), reaper.name.into())]),
        }]
    );
    assert_eq!(alarm["Statistic"], "Maximum");
    assert_eq!(alarm["Threshold"].as_f64(), Some(24.0));
    assert_eq!(alarm["ComparisonOperator"], "GreaterThanThreshold");
    // The reaper runs each minute: no data means it does not, and that alarms too.
    assert_eq!(alarm["TreatMissingData"], "breaching");
}

#[test]
fn every_alarm_notifies_the_topic_and_e_mail_only_when_asked() {
    let t = template();
    for (id, a) in resources(&t, "AWS::CloudWatch::Alarm") {
        let actions: Vec<String> = a["Properties"]["AlarmActions"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(scalar)
            .collect();
        assert_eq!(actions, ["!Ref AlarmTopic"], "{id}");
    }
    assert_eq!(
        resources(&t, "AWS::SNS::Topic").keys().collect::<Vec<_>>(),
        ["AlarmTopic"]
    );
    assert_eq!(t["Parameters"]["AlarmEmail"]["Default"], "");
    let condition = serde_yaml::to_string(&t["Conditions"]["HasAlarmEmail"]).unwrap();
    assert_eq!(
        condition.trim(),
        "!Not\n- !Equals\n  - !Ref AlarmEmail\n  - ''"
    );
    let subscriptions = resources(&t, "AWS::SNS::Subscription");
    assert_eq!(subscriptions.len(), 1);
    let s = &subscriptions["AlarmEmailSubscription"];
    assert_eq!(s["Condition"], "HasAlarmEmail");
    assert_eq!(scalar(&s["Properties"]["Endpoint"]), "!Ref AlarmEmail");
    assert_eq!(scalar(&s["Properties"]["TopicArn"]), "!Ref AlarmTopic");
    assert_eq!(s["Properties"]["Protocol"], "email");
    for output in ["DashboardUrl", "AlarmTopicArn"] {
        assert!(!t["Outputs"][output]["Value"].is_null(), "{output}");
    }
}

/// The dashboard's body with every `${…}` substituted by `X`, as JSON.
fn dashboard(t: &Value) -> serde_json::Value {
    let dashboards = resources(t, "AWS::CloudWatch::Dashboard");
    let body = &dashboards["OperationsDashboard"]["Properties"]["DashboardBody"];
    let Value::Tagged(sub) = body else {
        panic!("a !Sub body: {body:?}")
    };
    let mut text = sub.value.as_str().unwrap().to_owned();
    while let Some(start) = text.find("${") {
        let end = start + text[start..].find('}').unwrap();
        text.replace_range(start..=end, "X");
    }
    serde_json::from_str(&text).unwrap()
}

#[test]
fn the_dashboard_shows_sales_refunds_and_latency_per_route() {
    let t = template();
    let body = dashboard(&t);
    let mut business = BTreeSet::new();
    let mut latency = BTreeSet::new();
    let emitters: BTreeSet<&str> = specs().iter().map(|s| s.name).collect();
    for widget in body["widgets"].as_array().unwrap() {
        for m in widget["properties"]["metrics"].as_array().unwrap() {
            let parts = m.as_array().unwrap();
            match parts[0].as_str() {
                Some(ns) if ns == NAMESPACE => {
                    assert_eq!(parts[2], "Function", "{m}");
                    let function = parts[3].as_str().unwrap();
                    assert!(emitters.contains(function), "{function}");
                    business.insert(parts[1].as_str().unwrap().to_owned());
                }
                Some("AWS/ApiGateway") if parts[1] == "Latency" => {
                    assert_eq!(widget["properties"]["stat"], "p99");
                    latency.insert(parts[7].as_str().unwrap().to_owned());
                }
                _ => {}
            }
        }
    }
    let shown: BTreeSet<String> = [PAYMENTS_GRANTED, SALES_RUPIAH, REFUNDS_OPENED]
        .into_iter()
        .chain([OLDEST_OPEN_REFUND_HOURS])
        .map(str::to_owned)
        .collect();
    assert_eq!(business, shown);
    let served: BTreeSet<String> = routes(&t).into_iter().map(|(_, r)| r).collect();
    assert_eq!(latency, served);
}
