//! template.yaml's EventBridge schedules, compared with the registry: each scheduled function is
//! invoked by exactly its `Schedule` event, has no route, its own log group, and finishes before the
//! next run.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_yaml::Value;
use upstream_registry::FUNCTIONS;

/// The template's functions, by their binary (the registry's name).
fn functions() -> BTreeMap<String, Value> {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml"));
    let t: Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    t["Resources"]
        .as_mapping()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::Serverless::Function")
        .map(|r| {
            let binary = r["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap();
            (binary.to_owned(), r.clone())
        })
        .collect()
}

/// `(function, schedule expression)` of the template's `Schedule` events.
fn template_schedules(fns: &BTreeMap<String, Value>) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (name, f) in fns {
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
    let fns = functions();
    let registry: BTreeSet<(String, String)> = FUNCTIONS
        .iter()
        .filter_map(|f| Some((f.spec.name.to_owned(), f.schedule()?.to_owned())))
        .collect();
    assert_eq!(template_schedules(&fns), registry);
    assert!(registry.contains(&("media-reaper".to_owned(), "rate(1 minute)".to_owned())));
    for (name, _) in &registry {
        let f = &fns[name];
        let events = f["Properties"]["Events"].as_mapping().unwrap();
        assert!(
            events.iter().all(|(_, e)| e["Type"] == "Schedule"),
            "{name}: no route"
        );
        assert!(f["Properties"]["Timeout"].as_u64().unwrap() < 60, "{name}");
        assert!(
            !f["Properties"]["LoggingConfig"]["LogGroup"].is_null(),
            "{name}"
        );
    }
}
