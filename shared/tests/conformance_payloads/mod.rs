//! The payloads the conformance tests hold to the rules (real codes published in public repositories,
//! each naming its source) and the edits that break one rule at a time.

use upstream_session::qris::{DEMO_STATIC, DataObject, Qris};

/// Static GoPay merchant (`Rifaldo-dev/qrisdinamis` README; also in `tests/qris.rs`).
pub const GOPAY_STATIC: &str = "00020101021126610014COM.GO-JEK.WWW01189360091436271261480210G6271261480303UMI51440014ID.CO.QRIS.WWW0215ID10253896834060303UMI5204573253033605802ID5909aldo soft6013PASAMAN BARAT61052656662070703A0163042275";
/// Static Nobu Bank merchant (a dynamic-QRIS implementation guide; also in `tests/qris.rs`).
pub const NOBU_STATIC: &str = "00020101021126670016COM.NOBUBANK.WWW01189360050300000879140214703239147837910303UMI51440014ID.CO.QRIS.WWW0215ID20232709941630303UMI5204481253033605802ID5923GRANOOL STORE OK12295776006KEDIRI61056421262070703A0163047127";
/// The EMVCo MPM specification's example (China, dynamic, tip indicator 01; also in `tests/qris.rs`).
pub const EMVCO_EXAMPLE: &str = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A";
/// Thai PromptPay static code (also in `tests/qris.rs`): not an Indonesian merchant.
pub const THAI_STATIC: &str = "0002010102110216478772000245472004155303920002454991531343007640052044640122067749700130810016A00000067701011201150107536000315080214KB0000018904640320KPS004KB00000189046431690016A00000067701011301030040214KB0000018904640420KPS004KB00000189046451430014A0000000041010010641697102111234567890152045631530376454041.005802TH5910NOKKY SHOP6004CITY62240508854304870708420677496304E809";
/// `dongri/emv-qrcode` README (Japan, amount with three decimals; also in `tests/qris.rs`).
pub const JCB_DYNAMIC: &str = "0002010102121313JCB12345678900416MASTER12345678905204531153033925407999.1235802JP5906DONGRI6005TOKYO62240104hoge0504fuga0704piyo6304C343";

// The following are test payloads of `astrapay/spring-qris`, Indonesian merchants' real codes.
/// DANA static merchant.
pub const DANA_STATIC: &str = "00020101021126570011ID.DANA.WWW011893600915300060605702090006060570303UMI51440014ID.CO.QRIS.WWW0215ID10190046990790303UMI5204481453033605802ID5912Saifullah.id6014Kota Pontianak61057812463045F72";
/// DOKU dynamic: amount 1000, tip indicator 02 with a fixed tip of 500.
pub const DOKU_FIXED_TIP: &str = "00020101021226530012COM.DOKU.WWW0118936008990000002475020424750303URE51440014ID.CO.QRIS.WWW0215ID10200392934820303URE5204539953033605404100055020256035005802ID5911GUREUM SHOP6013JAKARTA PUSAT61051064062070703A016304FD26";
/// OVO dynamic: tip indicator 01 (the wallet asks).
pub const OVO_ASK_TIP: &str = "00020101021226580006id.ovo01189360091200006049620215yq38ZDs7MI6oaz50303UKE51450015ID.OR.GPNQR.WWW0215ID10200416988350303UKE52045812530336054061000005502015802ID5911Tims Donuts6013Jakarta Barat61051161062310507VCcCtqJ0716HgxK16eFVHfvKnGO6304E237";
/// OVO dynamic: tip indicator 03 with a 0.7 % tip.
pub const OVO_PERCENT_TIP: &str = "00020101021226580006id.ovo01189360091200006049620215yq38ZDs7MI6oaz50303UKE51450015ID.OR.GPNQR.WWW0215ID10200416988350303UKE520458125303360540650000055020357030.75802ID5911Tims Donuts6013Jakarta Barat61051161062310507VCcCtqJ0716HgxK16eFVHfvKnGO6304265F";
/// GoPay dynamic (Starbucks): amount with two decimals, `39000.00`.
pub const GOPAY_DECIMALS: &str = "00020101021226610014COM.GO-JEK.WWW01189360091432343267810210G2343267810303UBE51440014ID.CO.QRIS.WWW0215ID20190143816000303UBE5204581253033605802ID5910Starbucks 6013JAKARTA PUSAT610510210540839000.006239502801202104130502044NMWVA6P4CID0703A0363049A04";
/// AstraPay static merchant as published: a 3-digit MCC, a 26-character name and no template 51.
pub const ASTRAPAY_NONCONFORMING: &str = "00020101021126640018ID.CO.ASTRAPAY.WWW011893600822321000022702092100002270303UBE520311153033605802ID5926INFAQ/SEDEKAH AMANAH ASTRA6007Sumbawa61058431362290708ASTRAPAY981302092100002276304C9C2";

// Codes real acquirers issue that break format rules only: `fixtures/qris/README.md` (from the test
// data of `astrapay/spring-qris`, src/test/java/com/astrapay/qris/SpringQrisApplicationTests.java).
/// LinkAja dynamic on the GPN template: its NMID (51.02) is fifteen zeros.
pub const LINKAJA_GPN_DYNAMIC: &str = include_str!("../fixtures/qris/linkaja_gpn_dynamic.txt");
/// AstraPay static merchant without template 51 (and MCC 1111).
pub const ASTRAPAY_WITHOUT_51: &str =
    include_str!("../fixtures/qris/astrapay_static_without_51.txt");

pub const CONFORMING: [&str; 10] = [
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

pub fn qris(p: &str) -> Qris {
    Qris::parse(p.trim()).unwrap_or_else(|e| panic!("{e}: {p}"))
}

/// The payload with `edit` applied to its top-level objects and a fresh CRC.
pub fn edited(p: &str, edit: impl FnOnce(&mut Vec<DataObject>)) -> Qris {
    let mut objects = qris(p).objects().to_vec();
    objects.pop(); // 63
    edit(&mut objects);
    Qris::build(objects).unwrap()
}

/// Replaces tag `id` (inserting it before 58 when absent).
pub fn set(p: &str, id: &str, value: &str) -> Qris {
    edited(p, |o| match o.iter_mut().find(|x| x.id == id) {
        Some(x) => *x = DataObject::primitive(id, value),
        None => {
            let at = o.iter().position(|x| x.id == "58").unwrap();
            o.insert(at, DataObject::primitive(id, value));
        }
    })
}

pub fn without(p: &str, id: &str) -> Qris {
    edited(p, |o| o.retain(|x| x.id != id))
}

/// The violations, each as its tag and severity (`52 warning`).
pub fn found(q: &Qris) -> Vec<String> {
    q.violations()
        .into_iter()
        .map(|v| format!("{} {}", v.tag, v.severity))
        .collect()
}
