//! Fuzzing the QRIS engine's edges: arbitrary text, and well-formed payloads whose rule-bearing objects
//! (52–60, tips, template 51) carry arbitrary values, never panic in parsing, inspection, the
//! conformance rules or the dynamic conversion.

use proptest::prelude::*;
use upstream_session::qris::{DEFAULT_MAX_AMOUNT, DataObject, Qris, with_crc};

/// Exercises everything a parsed payload offers.
fn exercise(q: &Qris) {
    let _ = q.inspect();
    let violations = q.violations();
    assert_eq!(q.conforms(), violations.is_empty());
    for v in &violations {
        assert!(!v.tag.is_empty() && !v.to_string().is_empty());
    }
    let _ = q.check_merchant();
    for amount in [0, 1, 1000, DEFAULT_MAX_AMOUNT, u64::MAX] {
        if let Ok(d) = q.to_dynamic(amount, Some("UP-TEST"), DEFAULT_MAX_AMOUNT) {
            assert!(["55", "56", "57"].iter().all(|t| d.get(t).is_none()));
            let _ = d.violations();
        }
    }
}

/// Values for the rule-bearing tags: mostly short odd text, sometimes plausible.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9.]{1,6}",
        "[ -~]{1,30}",
        ".{1,20}",
        Just("360".to_owned()),
        Just("ID".to_owned()),
        Just("02".to_owned()),
        Just("03".to_owned()),
    ]
}

fn rule_objects() -> impl Strategy<Value = Vec<DataObject>> {
    let tags = proptest::sample::subsequence(
        vec![
            "01", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60",
        ],
        0..=11,
    );
    (tags, proptest::collection::vec(value(), 11), "[ -~]{1,16}").prop_map(
        |(tags, values, nmid)| {
            let mut objects = vec![DataObject::primitive("00", "01")];
            for (tag, v) in tags.into_iter().zip(values) {
                objects.push(match tag {
                    "51" => DataObject::template(
                        "51",
                        vec![
                            DataObject::primitive("00", "ID.CO.QRIS.WWW"),
                            DataObject::primitive("02", &nmid),
                        ],
                    ),
                    "01" => DataObject::primitive("01", if v.len() % 2 == 0 { "11" } else { "12" }),
                    _ => DataObject::primitive(tag, &v),
                });
            }
            objects
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        if let Ok(q) = Qris::parse(&text) {
            exercise(&q);
        }
    }

    #[test]
    fn arbitrary_rule_values_never_panic(objects in rule_objects()) {
        // Values the syntax refuses (a bad 54, say) are errors; everything else reaches the rules.
        if let Ok(q) = Qris::parse(&with_crc(&objects)) {
            exercise(&q);
        }
    }
}
