//! Property tests of the QRIS engine.

use proptest::prelude::*;
use upstream_session::qris::{
    DEFAULT_MAX_AMOUNT, DEMO_STATIC, DataObject, Qris, is_template, with_crc,
};

/// Printable ASCII and a few multi-byte characters (lengths count characters).
fn value(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(prop_oneof![8 => 0x20u8..0x7f, 1 => Just(0u8)], 1..=max).prop_map(
        |bytes| {
            bytes
                .into_iter()
                .map(|b| if b == 0 { 'é' } else { b as char })
                .collect()
        },
    )
}

fn sub_objects() -> impl Strategy<Value = Vec<DataObject>> {
    proptest::collection::btree_map(0u8..100, value(12), 1..5).prop_map(|m| {
        m.into_iter()
            .map(|(id, v)| DataObject::primitive(&format!("{id:02}"), &v))
            .collect()
    })
}

/// A valid static-ish payload: 00 first, random unique tags (templates get sub-objects), 58 present.
fn objects() -> impl Strategy<Value = Vec<DataObject>> {
    let tags = proptest::collection::btree_set(2u8..=99, 0..10).prop_map(|s| {
        s.into_iter()
            .filter(|t| ![54, 58, 63].contains(t))
            .collect::<Vec<_>>()
    });
    (
        tags,
        any::<bool>(),
        proptest::collection::vec((value(40), sub_objects()), 10),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(tags, with_poi, values, at)| {
            let mut objects = vec![DataObject::primitive("00", "01")];
            if with_poi {
                objects.push(DataObject::primitive("01", "11"));
            }
            for (tag, (v, subs)) in tags.into_iter().zip(values) {
                let id = format!("{tag:02}");
                if tag == 1 {
                    continue;
                }
                objects.push(if is_template(&id) {
                    DataObject::template(&id, subs)
                } else {
                    DataObject::primitive(&id, &v)
                });
            }
            let pos = 1 + at.index(objects.len());
            objects.insert(pos.min(objects.len()), DataObject::primitive("58", "ID"));
            objects
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn build_then_parse_round_trips(objs in objects()) {
        let payload = with_crc(&objs);
        let q = Qris::parse(&payload).unwrap();
        prop_assert_eq!(q.payload(), payload);
        let parsed: Vec<_> = q.objects().iter().take(objs.len()).map(|o| (o.id.clone(), o.value.clone())).collect();
        let built: Vec<_> = objs.iter().map(|o| (o.id.clone(), o.value.clone())).collect();
        prop_assert_eq!(parsed, built);
    }

    #[test]
    fn conversion_output_reparses_with_one_54(objs in objects(), amount in 1u64..=DEFAULT_MAX_AMOUNT, reference in proptest::option::of("[A-Z0-9-]{1,25}")) {
        let q = Qris::parse(&with_crc(&objs)).unwrap();
        match q.to_dynamic(amount, reference.as_deref(), DEFAULT_MAX_AMOUNT) {
            Ok(d) => {
                let again = Qris::parse(&d.payload()).unwrap();
                prop_assert!(again.is_dynamic());
                prop_assert_eq!(again.objects().iter().filter(|o| o.id == "54").count(), 1);
                prop_assert_eq!(again.get("54").unwrap().value.clone(), amount.to_string());
                let ids: Vec<_> = again.objects().iter().map(|o| o.id.clone()).collect();
                let p54 = ids.iter().position(|i| i == "54").unwrap();
                prop_assert_eq!(ids[p54 + 1].as_str(), "58");
                if let Some(r) = reference {
                    prop_assert_eq!(again.inspect().reference_label, Some(r));
                }
                // The tip objects are gone; untouched objects keep their bytes and order.
                prop_assert!(["55", "56", "57"].iter().all(|t| again.get(t).is_none()));
                let keep = |q: &Qris| q.objects().iter().filter(|o| !["01", "54", "55", "56", "57", "62", "63"].contains(&o.id.as_str())).map(|o| o.encode()).collect::<Vec<_>>();
                prop_assert_eq!(keep(&q), keep(&again));
            }
            Err(e) => {
                // The only legitimate refusal here: a template 62 too full for the label.
                prop_assert!(matches!(e, upstream_session::qris::QrisError::TemplateTooLong { .. }), "{e}");
            }
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = Qris::parse(&text);
    }

    #[test]
    fn mutations_of_valid_payloads_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<char>(), 0u8..3), 1..6)) {
        let mut chars: Vec<char> = DEMO_STATIC.chars().collect();
        for (at, c, op) in edits {
            let i = at.index(chars.len().max(1));
            match op {
                0 if !chars.is_empty() => { let j = i.min(chars.len() - 1); chars[j] = c; }
                1 => chars.insert(i.min(chars.len()), c),
                _ if !chars.is_empty() => { chars.remove(i.min(chars.len() - 1)); }
                _ => {}
            }
        }
        let text: String = chars.into_iter().collect();
        if let Ok(q) = Qris::parse(&text) {
            let _ = q.inspect();
            let _ = q.to_dynamic(1000, Some("UP-X"), DEFAULT_MAX_AMOUNT);
        }
    }
}
