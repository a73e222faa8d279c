//! The QRIS specification's data-object rules, one test per rule, each on real payloads published in
//! public repositories and on a broken variant of them (the same payload with one object changed and
//! its CRC recomputed, so only the rule under test can refuse it).
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use upstream_session::qris::{DEMO_STATIC, DataObject, Qris};

/// Static GoPay merchant (`Rifaldo-dev/qrisdinamis` README; also in `tests/qris.rs`).
const GOPAY_STATIC: &str = "00020101021126610014COM.GO-JEK.WWW01189360091436271261480210G6271261480303UMI51440014ID.CO.QRIS.WWW0215ID10253896834060303UMI5204573253033605802ID5909aldo soft6013PASAMAN BARAT61052656662070703A0163042275";
/// Static Nobu Bank merchant (a dynamic-QRIS implementation guide; also in `tests/qris.rs`).
const NOBU_STATIC: &str = "00020101021126670016COM.NOBUBANK.WWW01189360050300000879140214703239147837910303UMI51440014ID.CO.QRIS.WWW0215ID20232709941630303UMI5204481253033605802ID5923GRANOOL STORE OK12295776006KEDIRI61056421262070703A0163047127";
/// The EMVCo MPM specification's example (China, dynamic, tip indicator 01; also in `tests/qris.rs`).
const EMVCO_EXAMPLE: &str = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A";
/// Thai PromptPay static code (also in `tests/qris.rs`): not an Indonesian merchant.
const THAI_STATIC: &str = "0002010102110216478772000245472004155303920002454991531343007640052044640122067749700130810016A00000067701011201150107536000315080214KB0000018904640320KPS004KB00000189046431690016A00000067701011301030040214KB0000018904640420KPS004KB00000189046451430014A0000000041010010641697102111234567890152045631530376454041.005802TH5910NOKKY SHOP6004CITY62240508854304870708420677496304E809";
/// `dongri/emv-qrcode` README (Japan, amount with three decimals; also in `tests/qris.rs`).
const JCB_DYNAMIC: &str = "0002010102121313JCB12345678900416MASTER12345678905204531153033925407999.1235802JP5906DONGRI6005TOKYO62240104hoge0504fuga0704piyo6304C343";

// The following are test payloads of `astrapay/spring-qris`, Indonesian merchants' real codes.
/// DANA static merchant.
const DANA_STATIC: &str = "00020101021126570011ID.DANA.WWW011893600915300060605702090006060570303UMI51440014ID.CO.QRIS.WWW0215ID10190046990790303UMI5204481453033605802ID5912Saifullah.id6014Kota Pontianak61057812463045F72";
/// DOKU dynamic: amount 1000, tip indicator 02 with a fixed tip of 500.
const DOKU_FIXED_TIP: &str = "00020101021226530012COM.DOKU.WWW0118936008990000002475020424750303URE51440014ID.CO.QRIS.WWW0215ID10200392934820303URE5204539953033605404100055020256035005802ID5911GUREUM SHOP6013JAKARTA PUSAT61051064062070703A016304FD26";
/// OVO dynamic: tip indicator 01 (the wallet asks).
const OVO_ASK_TIP: &str = "00020101021226580006id.ovo01189360091200006049620215yq38ZDs7MI6oaz50303UKE51450015ID.OR.GPNQR.WWW0215ID10200416988350303UKE52045812530336054061000005502015802ID5911Tims Donuts6013Jakarta Barat61051161062310507VCcCtqJ0716HgxK16eFVHfvKnGO6304E237";
/// OVO dynamic: tip indicator 03 with a 0.7 % tip.
const OVO_PERCENT_TIP: &str = "00020101021226580006id.ovo01189360091200006049620215yq38ZDs7MI6oaz50303UKE51450015ID.OR.GPNQR.WWW0215ID10200416988350303UKE520458125303360540650000055020357030.75802ID5911Tims Donuts6013Jakarta Barat61051161062310507VCcCtqJ0716HgxK16eFVHfvKnGO6304265F";
/// GoPay dynamic (Starbucks): amount with two decimals, `39000.00`.
const GOPAY_DECIMALS: &str = "00020101021226610014COM.GO-JEK.WWW01189360091432343267810210G2343267810303UBE51440014ID.CO.QRIS.WWW0215ID20190143816000303UBE5204581253033605802ID5910Starbucks 6013JAKARTA PUSAT610510210540839000.006239502801202104130502044NMWVA6P4CID0703A0363049A04";
/// AstraPay static merchant as published: a 3-digit MCC, a 26-character name and no template 51.
const ASTRAPAY_NONCONFORMING: &str = "00020101021126640018ID.CO.ASTRAPAY.WWW011893600822321000022702092100002270303UBE520311153033605802ID5926INFAQ/SEDEKAH AMANAH ASTRA6007Sumbawa61058431362290708ASTRAPAY981302092100002276304C9C2";

const CONFORMING: [&str; 10] = [
    GOPAY_STATIC,
    NOBU_STATIC,
    EMVCO_EXAMPLE,
    THAI_STATIC,
    DANA_STATIC,
    DOKU_FIXED_TIP,
    OVO_ASK_TIP,
    OVO_PERCENT_TIP,
    GOPAY_DECIMALS,
    DEMO_STATIC,
];

fn qris(p: &str) -> Qris {
    Qris::parse(p.trim()).unwrap_or_else(|e| panic!("{e}: {p}"))
}

/// The payload with `edit` applied to its top-level objects and a fresh CRC.
fn edited(p: &str, edit: impl FnOnce(&mut Vec<DataObject>)) -> Qris {
    let mut objects = qris(p).objects().to_vec();
    objects.pop(); // 63
    edit(&mut objects);
    Qris::build(objects).unwrap()
}

/// Replaces tag `id` (inserting it before 58 when absent).
fn set(p: &str, id: &str, value: &str) -> Qris {
    edited(p, |o| match o.iter_mut().find(|x| x.id == id) {
        Some(x) => *x = DataObject::primitive(id, value),
        None => {
            let at = o.iter().position(|x| x.id == "58").unwrap();
            o.insert(at, DataObject::primitive(id, value));
        }
    })
}

fn without(p: &str, id: &str) -> Qris {
    edited(p, |o| o.retain(|x| x.id != id))
}

/// The tags of the violations.
fn tags(q: &Qris) -> Vec<String> {
    q.violations().into_iter().map(|v| v.tag).collect()
}

#[test]
fn real_conforming_payloads_have_no_violations() {
    for p in CONFORMING {
        let q = qris(p);
        assert_eq!(q.violations(), vec![], "{p}");
        assert!(q.conforms());
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
        assert_eq!(tags(&set(GOPAY_STATIC, "52", bad)), ["52"], "{bad}");
    }
    assert_eq!(tags(&without(GOPAY_STATIC, "52")), ["52"]);
    assert!(tags(&qris(ASTRAPAY_NONCONFORMING)).contains(&"52".to_owned()));
}

#[test]
fn rule_53_an_indonesian_merchant_charges_rupiah() {
    assert_eq!(tags(&set(GOPAY_STATIC, "53", "840")), ["53"]);
    assert_eq!(tags(&set(DOKU_FIXED_TIP, "53", "36")), ["53"]);
    assert_eq!(tags(&without(NOBU_STATIC, "53")), ["53"]);
    // Another country's currency is fine for another country's merchant.
    assert_eq!(qris(EMVCO_EXAMPLE).get("53").unwrap().value, "156");
    assert_eq!(tags(&set(EMVCO_EXAMPLE, "53", "840")), Vec::<String>::new());
}

#[test]
fn rule_58_a_qris_merchant_is_in_indonesia() {
    assert_eq!(tags(&set(GOPAY_STATIC, "58", "SG")), ["58"]);
    assert_eq!(tags(&set(DANA_STATIC, "58", "id")), ["58"]);
    assert_eq!(tags(&set(THAI_STATIC, "58", "T1")), ["58"]);
    assert_eq!(qris(THAI_STATIC).get("58").unwrap().value, "TH");
    // 58 = ID alone makes the merchant Indonesian: then 53 must be 360.
    assert_eq!(tags(&set(EMVCO_EXAMPLE, "58", "ID")), ["53"]);
}

#[test]
fn rule_59_60_merchant_name_and_city_lengths() {
    let name = qris(NOBU_STATIC).get("59").unwrap().len();
    assert_eq!(name, 23);
    assert_eq!(
        tags(&set(NOBU_STATIC, "59", &"N".repeat(25))),
        Vec::<String>::new()
    );
    assert_eq!(tags(&set(NOBU_STATIC, "59", &"N".repeat(26))), ["59"]);
    assert_eq!(
        tags(&set(DANA_STATIC, "60", "Kota Pontianak!")),
        Vec::<String>::new()
    );
    assert_eq!(tags(&set(DANA_STATIC, "60", "Kota Pontianak!!")), ["60"]);
    // Characters, not bytes.
    assert_eq!(
        tags(&set(DANA_STATIC, "60", &"é".repeat(15))),
        Vec::<String>::new()
    );
    assert_eq!(tags(&without(GOPAY_STATIC, "59")), ["59"]);
    assert_eq!(tags(&without(GOPAY_STATIC, "60")), ["60"]);
    assert!(tags(&qris(ASTRAPAY_NONCONFORMING)).contains(&"59".to_owned()));
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
        assert_eq!(tags(&set(GOPAY_DECIMALS, "54", bad)), ["54"], "{bad}");
    }
    assert_eq!(
        tags(&qris(JCB_DYNAMIC)),
        ["54"],
        "999.123 has three decimals"
    );
}

#[test]
fn rule_55_tip_indicator_is_01_02_or_03() {
    assert_eq!(qris(OVO_ASK_TIP).get("55").unwrap().value, "01");
    for bad in ["00", "04", "99"] {
        assert_eq!(tags(&set(OVO_ASK_TIP, "55", bad)), ["55"], "{bad}");
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
    assert_eq!(tags(&without(DOKU_FIXED_TIP, "56")), ["56"]);
    assert_eq!(tags(&set(DOKU_FIXED_TIP, "55", "01")), ["56"]);
    assert_eq!(tags(&set(OVO_ASK_TIP, "56", "500")), ["56"]);
    assert_eq!(tags(&set(DOKU_FIXED_TIP, "56", "0")), ["56"]);
    assert_eq!(
        tags(&set(GOPAY_STATIC, "56", "500")),
        ["56"],
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
            tags(&set(OVO_PERCENT_TIP, "57", ok)),
            Vec::<String>::new(),
            "{ok}"
        );
    }
    for bad in ["00.00", "100", "99.999", "5.", "-1"] {
        assert_eq!(tags(&set(OVO_PERCENT_TIP, "57", bad)), ["57"], "{bad}");
    }
    assert_eq!(tags(&without(OVO_PERCENT_TIP, "57")), ["57"]);
    assert_eq!(tags(&set(OVO_ASK_TIP, "57", "10")), ["57"]);
    assert_eq!(tags(&set(DOKU_FIXED_TIP, "57", "10")), ["57"]);
}

#[test]
fn rule_51_a_static_qris_carries_template_51_with_an_nmid() {
    let q = qris(GOPAY_STATIC);
    assert_eq!(
        q.get("51").unwrap().child("02").unwrap().value,
        "ID1025389683406"
    );
    assert_eq!(tags(&without(GOPAY_STATIC, "51")), ["51"]);
    assert!(tags(&qris(ASTRAPAY_NONCONFORMING)).contains(&"51".to_owned()));
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
    assert_eq!(tags(&no_nmid), ["51.02"]);
    let bad_nmid = edited(NOBU_STATIC, |o| {
        let t = o.iter_mut().find(|x| x.id == "51").unwrap();
        let mut children = t.children.clone().unwrap();
        children.iter_mut().find(|c| c.id == "02").unwrap().value = "XX2023270994163".into();
        *t = DataObject::template("51", children);
    });
    assert_eq!(tags(&bad_nmid), ["51.02"]);
    // A dynamic code may do without 51; another country's 51 is not QRIS's.
    assert_eq!(tags(&without(DOKU_FIXED_TIP, "51")), Vec::<String>::new());
    assert!(qris(THAI_STATIC).get("51").is_some());
}

#[test]
fn every_violation_is_reported_with_its_tag() {
    assert_eq!(tags(&qris(ASTRAPAY_NONCONFORMING)), ["52", "59", "51"]);
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
