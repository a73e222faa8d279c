//! The QRIS specification's data-object rules, one test per rule, each on real payloads published in
//! public repositories and on a broken variant of them (the same payload with one object changed and
//! its CRC recomputed, so only the rule under test can refuse it).
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod conformance_payloads;

use conformance_payloads::*;
use upstream_session::qris::{DEMO_STATIC, DataObject};

#[test]
fn real_conforming_payloads_have_no_violations() {
    for p in CONFORMING {
        let q = qris(p);
        assert_eq!(q.violations(), vec![], "{p}");
        assert!(q.conforms());
    }
}

#[test]
fn codes_real_acquirers_issue_are_accepted_with_warnings() {
    let linkaja = qris(LINKAJA_GPN_DYNAMIC);
    let nmid = &linkaja.get("51").unwrap().child("02").unwrap().value;
    assert_eq!(
        (nmid.as_str(), linkaja.is_dynamic()),
        ("000000000000000", true)
    );
    let astrapay = qris(ASTRAPAY_WITHOUT_51);
    assert_eq!((astrapay.get("51"), astrapay.is_dynamic()), (None, false));
    for (q, expected) in [(linkaja, "51.02 warning"), (astrapay, "51 warning")] {
        assert_eq!(found(&q), [expected]);
        assert!(!q.conforms(), "a warning is still a violation");
        assert_eq!(
            q.check_merchant(),
            Ok(q.violations()),
            "accepted, with its warnings"
        );
    }
}

#[test]
fn the_merchant_check_refuses_every_error_and_only_errors() {
    let long_name = "N".repeat(26);
    let errors = [
        without(GOPAY_STATIC, "52"),
        set(GOPAY_STATIC, "53", "840"),
        without(GOPAY_STATIC, "53"),
        set(GOPAY_STATIC, "58", "SG"),
        set(DANA_STATIC, "58", "id"),
        without(GOPAY_STATIC, "58"),
        set(GOPAY_STATIC, "59", &long_name),
        without(GOPAY_STATIC, "59"),
        set(DANA_STATIC, "60", "Kota Pontianak!!"),
        without(GOPAY_STATIC, "60"),
        set(GOPAY_DECIMALS, "54", "1.000"),
        set(OVO_ASK_TIP, "55", "04"),
        without(DOKU_FIXED_TIP, "56"),
        set(GOPAY_STATIC, "56", "500"),
        set(OVO_PERCENT_TIP, "57", "100"),
        set(DOKU_FIXED_TIP, "57", "10"),
        // A warning does not hide an error next to it.
        set(LINKAJA_GPN_DYNAMIC, "53", "840"),
        set(ASTRAPAY_WITHOUT_51, "54", "0"),
        qris(ASTRAPAY_NONCONFORMING),
    ];
    for q in errors {
        let refusal = q.check_merchant().unwrap_err();
        let first = q.violations().into_iter().find(|v| v.is_error()).unwrap();
        assert!(refusal.starts_with(&first.to_string()), "{refusal}");
        assert!(
            refusal
                .lines()
                .all(|l| l.starts_with("error: ") || l.starts_with("warning: "))
        );
    }
    let warnings = [
        set(GOPAY_STATIC, "52", "573"),
        without(GOPAY_STATIC, "51"),
        set(ASTRAPAY_WITHOUT_51, "52", "111"),
    ];
    for q in warnings {
        assert!(!q.violations().is_empty());
        assert_eq!(q.check_merchant(), Ok(q.violations()), "{}", q.payload());
    }
}

#[test]
fn an_indonesian_merchant_is_58_id_or_a_qris_guid() {
    for p in [
        GOPAY_STATIC,
        NOBU_STATIC,
        DANA_STATIC,
        OVO_ASK_TIP,
        DEMO_STATIC,
    ] {
        assert!(qris(p).is_indonesian_merchant(), "{p}");
    }
    for p in [EMVCO_EXAMPLE, THAI_STATIC, JCB_DYNAMIC] {
        assert!(!qris(p).is_indonesian_merchant(), "{p}");
    }
    // The QRIS GUID alone makes it Indonesian, whatever 58 says.
    assert!(set(GOPAY_STATIC, "58", "SG").is_indonesian_merchant());
}

#[test]
fn rule_52_merchant_category_code_is_exactly_four_digits() {
    assert_eq!(qris(GOPAY_STATIC).get("52").unwrap().value, "5732");
    for bad in ["573", "57321", "57A2", "    "] {
        assert_eq!(
            found(&set(GOPAY_STATIC, "52", bad)),
            ["52 warning"],
            "{bad}"
        );
    }
    assert_eq!(found(&without(GOPAY_STATIC, "52")), ["52 error"]);
    assert!(found(&qris(ASTRAPAY_NONCONFORMING)).contains(&"52 warning".to_owned()));
}

#[test]
fn rule_53_an_indonesian_merchant_charges_rupiah() {
    assert_eq!(found(&set(GOPAY_STATIC, "53", "840")), ["53 error"]);
    assert_eq!(found(&set(DOKU_FIXED_TIP, "53", "36")), ["53 error"]);
    assert_eq!(found(&without(NOBU_STATIC, "53")), ["53 error"]);
    // Another country's currency is fine for another country's merchant.
    assert_eq!(qris(EMVCO_EXAMPLE).get("53").unwrap().value, "156");
    assert_eq!(
        found(&set(EMVCO_EXAMPLE, "53", "840")),
        Vec::<String>::new()
    );
}

#[test]
fn rule_58_a_qris_merchant_is_in_indonesia() {
    assert_eq!(found(&set(GOPAY_STATIC, "58", "SG")), ["58 error"]);
    assert_eq!(found(&set(DANA_STATIC, "58", "id")), ["58 error"]);
    assert_eq!(found(&set(THAI_STATIC, "58", "T1")), ["58 error"]);
    assert_eq!(qris(THAI_STATIC).get("58").unwrap().value, "TH");
    // 58 = ID alone makes the merchant Indonesian: then 53 must be 360.
    assert_eq!(found(&set(EMVCO_EXAMPLE, "58", "ID")), ["53 error"]);
}

#[test]
fn rule_59_60_merchant_name_and_city_lengths() {
    let name = qris(NOBU_STATIC).get("59").unwrap().len();
    assert_eq!(name, 23);
    assert_eq!(
        found(&set(NOBU_STATIC, "59", &"N".repeat(25))),
        Vec::<String>::new()
    );
    assert_eq!(
        found(&set(NOBU_STATIC, "59", &"N".repeat(26))),
        ["59 error"]
    );
    assert_eq!(
        found(&set(DANA_STATIC, "60", "Kota Pontianak!")),
        Vec::<String>::new()
    );
    assert_eq!(
        found(&set(DANA_STATIC, "60", "Kota Pontianak!!")),
        ["60 error"]
    );
    // Characters, not bytes.
    assert_eq!(
        found(&set(DANA_STATIC, "60", &"é".repeat(15))),
        Vec::<String>::new()
    );
    assert_eq!(found(&without(GOPAY_STATIC, "59")), ["59 error"]);
    assert_eq!(found(&without(GOPAY_STATIC, "60")), ["60 error"]);
    assert!(found(&qris(ASTRAPAY_NONCONFORMING)).contains(&"59 error".to_owned()));
}

#[test]
fn rule_54_amount_above_zero_with_at_most_two_decimals() {
    for (p, amount) in [
        (DOKU_FIXED_TIP, "1000"),
        (GOPAY_DECIMALS, "39000.00"),
        (THAI_STATIC, "1.00"),
        (EMVCO_EXAMPLE, "23.72"),
    ] {
        assert_eq!(qris(p).get("54").unwrap().value, amount);
    }
    for bad in ["1.000", "39000.001", "0", "0.00", "000"] {
        assert_eq!(
            found(&set(GOPAY_DECIMALS, "54", bad)),
            ["54 error"],
            "{bad}"
        );
    }
    assert_eq!(
        found(&qris(JCB_DYNAMIC)),
        ["54 error"],
        "999.123 has three decimals"
    );
}

#[test]
fn rule_55_tip_indicator_is_01_02_or_03() {
    assert_eq!(qris(OVO_ASK_TIP).get("55").unwrap().value, "01");
    for bad in ["00", "04", "99"] {
        assert_eq!(found(&set(OVO_ASK_TIP, "55", bad)), ["55 error"], "{bad}");
    }
}

#[test]
fn rule_56_fixed_tip_only_and_always_with_02() {
    let q = qris(DOKU_FIXED_TIP);
    assert_eq!(
        (
            q.get("55").unwrap().value.as_str(),
            q.get("56").unwrap().value.as_str()
        ),
        ("02", "500")
    );
    assert_eq!(found(&without(DOKU_FIXED_TIP, "56")), ["56 error"]);
    assert_eq!(found(&set(DOKU_FIXED_TIP, "55", "01")), ["56 error"]);
    assert_eq!(found(&set(OVO_ASK_TIP, "56", "500")), ["56 error"]);
    assert_eq!(found(&set(DOKU_FIXED_TIP, "56", "0")), ["56 error"]);
    assert_eq!(
        found(&set(GOPAY_STATIC, "56", "500")),
        ["56 error"],
        "56 without 55"
    );
}

#[test]
fn rule_57_percentage_only_and_always_with_03_within_00_01_and_99_99() {
    let q = qris(OVO_PERCENT_TIP);
    assert_eq!(
        (
            q.get("55").unwrap().value.as_str(),
            q.get("57").unwrap().value.as_str()
        ),
        ("03", "0.7")
    );
    for ok in ["00.01", "99.99", "5"] {
        assert_eq!(
            found(&set(OVO_PERCENT_TIP, "57", ok)),
            Vec::<String>::new(),
            "{ok}"
        );
    }
    for bad in ["00.00", "100", "99.999", "5.", "-1"] {
        assert_eq!(
            found(&set(OVO_PERCENT_TIP, "57", bad)),
            ["57 error"],
            "{bad}"
        );
    }
    assert_eq!(found(&without(OVO_PERCENT_TIP, "57")), ["57 error"]);
    assert_eq!(found(&set(OVO_ASK_TIP, "57", "10")), ["57 error"]);
    assert_eq!(found(&set(DOKU_FIXED_TIP, "57", "10")), ["57 error"]);
}

#[test]
fn rule_51_a_static_qris_carries_template_51_with_an_nmid() {
    let q = qris(GOPAY_STATIC);
    assert_eq!(
        q.get("51").unwrap().child("02").unwrap().value,
        "ID1025389683406"
    );
    assert_eq!(found(&without(GOPAY_STATIC, "51")), ["51 warning"]);
    assert!(found(&qris(ASTRAPAY_NONCONFORMING)).contains(&"51 warning".to_owned()));
    let no_nmid = edited(NOBU_STATIC, |o| {
        let t = o.iter_mut().find(|x| x.id == "51").unwrap();
        let children: Vec<_> = t
            .children
            .clone()
            .unwrap()
            .into_iter()
            .filter(|c| c.id != "02")
            .collect();
        *t = DataObject::template("51", children);
    });
    assert_eq!(found(&no_nmid), ["51.02 warning"]);
    let bad_nmid = edited(NOBU_STATIC, |o| {
        let t = o.iter_mut().find(|x| x.id == "51").unwrap();
        let mut children = t.children.clone().unwrap();
        children.iter_mut().find(|c| c.id == "02").unwrap().value = "XX2023270994163".into();
        *t = DataObject::template("51", children);
    });
    assert_eq!(found(&bad_nmid), ["51.02 warning"]);
    // A dynamic code may do without 51; another country's 51 is not QRIS's.
    assert_eq!(found(&without(DOKU_FIXED_TIP, "51")), Vec::<String>::new());
    assert!(qris(THAI_STATIC).get("51").is_some());
}

#[test]
fn every_violation_is_reported_with_its_tag() {
    assert_eq!(
        found(&qris(ASTRAPAY_NONCONFORMING)),
        ["52 warning", "59 error", "51 warning"]
    );
    let many = edited(GOPAY_STATIC, |o| {
        for (id, v) in [
            ("52", "1"),
            ("53", "840"),
            ("59", &"x".repeat(30)),
            ("60", &"y".repeat(16)),
        ] {
            o.iter_mut().find(|x| x.id == id).unwrap().value = v.to_owned();
        }
        o.retain(|x| x.id != "51");
    });
    let violations = many.violations();
    let found: Vec<_> = violations.iter().map(|v| v.tag.as_str()).collect();
    assert_eq!(found, ["52", "53", "59", "60", "51"]);
    assert!(
        violations
            .iter()
            .all(|v| !v.section.is_empty() && !v.message.is_empty())
    );
}

#[test]
fn making_a_payload_dynamic_removes_the_tip_objects() {
    for p in [DOKU_FIXED_TIP, OVO_ASK_TIP, OVO_PERCENT_TIP] {
        let d = qris(p)
            .to_dynamic(25_000, Some("UP-TEST"), 10_000_000)
            .unwrap();
        for tip in ["55", "56", "57"] {
            assert!(d.get(tip).is_none(), "{tip} left in {}", d.payload());
        }
        assert_eq!(d.get("54").unwrap().value, "25000");
        assert_eq!(d.violations(), vec![], "{}", d.payload());
    }
}

#[test]
fn the_demo_merchant_conforms() {
    let q = qris(DEMO_STATIC);
    assert!(q.is_indonesian_merchant());
    assert_eq!(q.violations(), vec![]);
    assert!(!q.is_dynamic());
}
