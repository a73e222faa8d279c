//! The QRIS specification's data-object rules (Bank Indonesia / ASPI, *Standar Nasional QR Code
//! Pembayaran*, MPM), beyond the syntax that [`Qris::parse`] checks. Every violation is reported with
//! its tag, the spec section it breaks and its [`Severity`], not only the first.
//!
//! Rules, as the spec states them (E: an error, W: a warning; `violation.rs` says why):
//! - 52 Merchant Category Code: mandatory (E), numeric, length "04" (W) (Table 3.6, 4.7.6.1, ISO
//!   18245).
//! - 53 Transaction Currency: mandatory, 3 digits (ISO 4217); "360" when 58 is "ID" (E) (4.7.7.1).
//! - 58 Country Code: mandatory, ISO 3166-1 alpha-2 (E) (4.7.12.1).
//! - 59 Merchant Name: mandatory, up to 25 characters; 60 Merchant City: mandatory, up to 15 (E)
//!   (Table 3.6, 4.7.13.1, 4.7.14.1).
//! - 54 Transaction Amount: not "0", digits with "." as the decimal separator, as many decimals as the
//!   currency's exponent (Rupiah: 2), no thousands separators, so "1.000" is not a thousand rupiah
//!   (E) (4.7.8.1).
//! - 55 Tip Indicator: "01", "02" or "03"; 56 Tip Value Fixed present only and always with "02"; 57 Tip
//!   Value Percentage present only and always with "03", from "00.01" to "99.99" (E) (4.7.9–4.7.11).
//! - 51 Merchant Account Information (domestic central repository): mandatory when the point of
//!   initiation is static ("11") (4.7.7), carrying the NMID in sub-tag 02 (Table 4.5) (W).
//!
//! An *Indonesian merchant* is one whose 58 is "ID" or that carries a merchant account template whose
//! globally unique identifier (sub-tag 00) is the QRIS one (`ID.CO.QRIS…`). The QRIS-specific rules
//! apply to it only: 53 must be "360", 58 must be "ID", and template 51 is the QRIS one (with the
//! NMID). Another country's EMVCo code is held to the generic rules (52, 54–57, 59, 60) alone; the
//! start-up check of the merchant's payload also requires an Indonesian merchant.

use super::payload::Qris;
use super::tlv::DataObject;
use super::violation::Severity::{self, Error, Warning};
use super::violation::Violation;

/// Longest merchant name (59), in characters.
pub const MAX_MERCHANT_NAME: usize = 25;
/// Longest merchant city (60), in characters.
pub const MAX_MERCHANT_CITY: usize = 15;
/// Longest NMID (51/02), in characters.
pub const MAX_NMID: usize = 15;

impl Qris {
    /// Every violation of the QRIS data-object rules (empty when the payload conforms).
    pub fn violations(&self) -> Vec<Violation> {
        let mut out = Vec::new();
        let mut push = |tag: &str, section: &'static str, severity: Severity, message: String| {
            out.push(Violation {
                tag: tag.to_owned(),
                section,
                severity,
                message,
            })
        };
        let value = |id: &str| self.get(id).map(|o| o.value.as_str());

        match value("52") {
            None => push(
                "52",
                "4.7.6.1",
                Error,
                "merchant category code is missing".into(),
            ),
            Some(v) if !(v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit())) => push(
                "52",
                "4.7.6.1",
                Warning,
                format!("merchant category code must be exactly 4 digits, got {v:?}"),
            ),
            Some(_) => {}
        }

        let indonesian = self.is_indonesian_merchant();
        match value("53") {
            None => push(
                "53",
                "4.7.7.1",
                Error,
                "transaction currency is missing".into(),
            ),
            Some(v) if !(v.len() == 3 && v.bytes().all(|b| b.is_ascii_digit())) => push(
                "53",
                "4.7.7.1",
                Error,
                format!("transaction currency must be 3 digits (ISO 4217), got {v:?}"),
            ),
            Some(v) if indonesian && v != "360" => push(
                "53",
                "4.7.7.1",
                Error,
                format!("an Indonesian merchant's currency must be 360 (Rupiah), got {v:?}"),
            ),
            Some(_) => {}
        }
        match value("58") {
            None => push("58", "4.7.12.1", Error, "country code is missing".into()),
            Some(v) if !(v.len() == 2 && v.bytes().all(|b| b.is_ascii_uppercase())) => push(
                "58",
                "4.7.12.1",
                Error,
                format!("country code must be ISO 3166-1 alpha-2, got {v:?}"),
            ),
            Some(v) if indonesian && v != "ID" => push(
                "58",
                "4.7.12.1",
                Error,
                format!("a QRIS merchant's country code must be ID, got {v:?}"),
            ),
            Some(_) => {}
        }

        for (tag, section, what, max) in [
            ("59", "4.7.13.1", "merchant name", MAX_MERCHANT_NAME),
            ("60", "4.7.14.1", "merchant city", MAX_MERCHANT_CITY),
        ] {
            match self.get(tag) {
                None => push(tag, section, Error, format!("{what} is missing")),
                Some(o) if o.len() > max => push(
                    tag,
                    section,
                    Error,
                    format!("{what} is {} characters long; at most {max}", o.len()),
                ),
                Some(_) => {}
            }
        }

        if let Some(v) = value("54")
            && let Err(why) = check_amount(v)
        {
            push(
                "54",
                "4.7.8.1",
                Error,
                format!("transaction amount {v:?} {why}"),
            );
        }

        let tip = value("55");
        match tip {
            None | Some("01" | "02" | "03") => {}
            Some(v) => push(
                "55",
                "4.7.9.1",
                Error,
                format!("tip indicator must be 01, 02 or 03, got {v:?}"),
            ),
        }
        match (tip, value("56")) {
            (Some("02"), None) => push(
                "56",
                "4.7.10.1",
                Error,
                "tip indicator 02 requires a fixed tip value (56)".into(),
            ),
            (Some("02"), Some(v)) => {
                if let Err(why) = check_amount(v) {
                    push("56", "4.7.10.1", Error, format!("fixed tip {v:?} {why}"));
                }
            }
            (_, Some(_)) => push(
                "56",
                "4.7.10.1",
                Error,
                "a fixed tip value (56) is allowed only with tip indicator 02".into(),
            ),
            (_, None) => {}
        }
        match (tip, value("57")) {
            (Some("03"), None) => push(
                "57",
                "4.7.11.1",
                Error,
                "tip indicator 03 requires a tip percentage (57)".into(),
            ),
            (Some("03"), Some(v)) => {
                if !is_percentage(v) {
                    push(
                        "57",
                        "4.7.11.1",
                        Error,
                        format!("tip percentage must be from 00.01 to 99.99, got {v:?}"),
                    );
                }
            }
            (_, Some(_)) => push(
                "57",
                "4.7.11.1",
                Error,
                "a tip percentage (57) is allowed only with tip indicator 03".into(),
            ),
            (_, None) => {}
        }

        // Template 51 is QRIS's domestic central repository only for an Indonesian merchant; elsewhere
        // it is an ordinary merchant account template.
        let is_static = value("01") == Some("11");
        match self.get("51").filter(|_| indonesian) {
            None if is_static && indonesian => push(
                "51",
                "4.7.7",
                Warning,
                "a static QRIS must carry merchant account template 51 (with the NMID)".into(),
            ),
            None => {}
            Some(t) => match t.child("02").map(|c| c.value.as_str()) {
                None => push(
                    "51.02",
                    "Table 4.5",
                    Warning,
                    "template 51 must carry the NMID in sub-tag 02".into(),
                ),
                Some(nmid) if !is_nmid(nmid) => push(
                    "51.02",
                    "Table 4.5",
                    Warning,
                    format!("NMID must be ID and up to 13 letters or digits, got {nmid:?}"),
                ),
                Some(_) => {}
            },
        }
        out
    }

    /// Whether the payload conforms to the QRIS data-object rules: no violation at all, warnings
    /// included (a payload with warnings only is still payable).
    pub fn conforms(&self) -> bool {
        self.violations().is_empty()
    }

    /// Whether this can be the merchant's static QRIS for Upstream Pay: an Indonesian merchant whose
    /// payload has no error. `Ok` holds its warnings; the refusal lists every error, then every
    /// warning, one per line.
    pub fn check_merchant(&self) -> Result<Vec<Violation>, String> {
        let (errors, warnings): (Vec<_>, Vec<_>) =
            self.violations().into_iter().partition(Violation::is_error);
        let mut problems: Vec<String> = errors.iter().map(Violation::to_string).collect();
        if !self.is_indonesian_merchant() {
            problems.push(
                "error: not an Indonesian merchant: neither 58 = ID nor an ID.CO.QRIS template"
                    .into(),
            );
        }
        if problems.is_empty() {
            return Ok(warnings);
        }
        problems.extend(warnings.iter().map(Violation::to_string));
        Err(problems.join("\n"))
    }

    /// Whether this is an Indonesian merchant: 58 is `ID`, or a merchant account template (26–51)
    /// carries the QRIS globally unique identifier (`ID.CO.QRIS…`).
    pub fn is_indonesian_merchant(&self) -> bool {
        self.get("58").is_some_and(|o| o.value == "ID")
            || self.objects().iter().any(|o| {
                matches!(o.id.parse::<u8>(), Ok(26..=51)) && o.child("00").is_some_and(is_qris_guid)
            })
    }
}

fn is_qris_guid(guid: &DataObject) -> bool {
    guid.value
        .get(..10)
        .is_some_and(|p| p.eq_ignore_ascii_case("ID.CO.QRIS"))
}

/// An amount: digits, optionally `.` and at most two decimals (the Rupiah's exponent), above zero.
fn check_amount(v: &str) -> Result<(), &'static str> {
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    if whole.is_empty() || !v.bytes().all(|b| b.is_ascii_digit() || b == b'.') || frac.contains('.')
    {
        return Err("is not digits with an optional decimal point");
    }
    if frac.len() > 2 {
        return Err("has more than two decimals (no thousands separators: 1.000 is one rupiah)");
    }
    if !v.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        return Err("must be more than zero");
    }
    Ok(())
}

/// A percentage from 00.01 to 99.99: one or two digits, optionally `.` and one or two decimals.
fn is_percentage(v: &str) -> bool {
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !(1..=2).contains(&whole.len()) || frac.len() > 2 || !digits(whole) || !digits(frac) {
        return false;
    }
    if v.contains('.') && frac.is_empty() {
        return false;
    }
    // Hundredths of a percent: every part is at most two digits, so this cannot overflow.
    let whole: u32 = whole.parse().unwrap_or(0);
    let frac: u32 = format!("{frac:0<2}").parse().unwrap_or(0);
    (1..=9_999).contains(&(whole * 100 + frac))
}

/// An NMID: `ID` followed by 1–13 ASCII letters or digits.
fn is_nmid(v: &str) -> bool {
    v.len() <= MAX_NMID
        && v.len() > 2
        && v.starts_with("ID")
        && v.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        for ok in ["1", "1000", "1000.00", "1000.5", "23.72", "0.01", "1000."] {
            assert_eq!(check_amount(ok), Ok(()), "{ok}");
        }
        for bad in [
            "0", "0.00", "000", "1.000", "999.123", "1,000", "", ".5x", "1.2.3",
        ] {
            assert!(check_amount(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn percentages() {
        for ok in ["00.01", "0.7", "5", "10.5", "99.99", "0.01"] {
            assert!(is_percentage(ok), "{ok}");
        }
        for bad in [
            "0", "00.00", "100", "100.00", "99.999", "5.", ".5", "-1", "1e1", "",
        ] {
            assert!(!is_percentage(bad), "{bad}");
        }
    }

    #[test]
    fn nmids() {
        assert!(is_nmid("ID1025389683406"));
        assert!(!is_nmid("ID10253896834060"));
        assert!(!is_nmid("1025389683406"));
        assert!(!is_nmid("ID"));
        assert!(!is_nmid("ID 12"));
    }
}
