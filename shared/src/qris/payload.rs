//! A validated QRIS payload: parsed, checked and CRC-verified.

use super::QrisError;
use super::crc::crc16_hex;
use super::tlv::{self, DataObject};

/// A payload that parsed and whose CRC verified. Holds the top-level data objects in their order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qris {
    objects: Vec<DataObject>,
}

impl Qris {
    /// Parses and validates a payload: structure, the rules of EMVCo MPM as used by QRIS, and the CRC.
    /// Nothing is repaired: any defect is an error.
    pub fn parse(payload: &str) -> Result<Self, QrisError> {
        if payload.is_empty() {
            return Err(QrisError::Empty);
        }
        let objects = parse_until_crc(payload)?;
        let qris = Self { objects };
        qris.check_rules()?;
        let crc = qris.get("63").ok_or(QrisError::MissingCrc)?;
        let body = &payload[..payload.len() - crc.value.len()];
        let expected = crc16_hex(body);
        if !crc.value.eq_ignore_ascii_case(&expected) {
            return Err(QrisError::CrcMismatch {
                expected,
                found: crc.value.clone(),
            });
        }
        Ok(qris)
    }

    /// Builds a payload from objects (without 63), appending a fresh CRC, and validates the result.
    pub fn build(objects: Vec<DataObject>) -> Result<Self, QrisError> {
        Self::parse(&with_crc(&objects))
    }

    /// The top-level data objects, in order (the last is 63).
    pub fn objects(&self) -> &[DataObject] {
        &self.objects
    }

    /// A top-level data object by tag.
    pub fn get(&self, id: &str) -> Option<&DataObject> {
        self.objects.iter().find(|o| o.id == id)
    }

    /// Whether tag 01 says dynamic (`12`).
    pub fn is_dynamic(&self) -> bool {
        self.get("01").is_some_and(|o| o.value == "12")
    }

    /// The payload text.
    pub fn payload(&self) -> String {
        tlv::encode(&self.objects)
    }

    fn check_rules(&self) -> Result<(), QrisError> {
        match self.objects.first() {
            Some(first) if first.id == "00" && first.value == "01" => {}
            _ => return Err(QrisError::BadFormatIndicator),
        }
        if let Some(poi) = self.get("01")
            && poi.value != "11"
            && poi.value != "12"
        {
            return Err(QrisError::BadPointOfInitiation {
                value: poi.value.clone(),
            });
        }
        if let Some(amount) = self.get("54")
            && !is_amount(&amount.value)
        {
            return Err(QrisError::BadAmountField {
                value: amount.value.clone(),
            });
        }
        let crc = self
            .objects
            .last()
            .filter(|o| o.id == "63")
            .ok_or(QrisError::MissingCrc)?;
        if crc.len() != 4 || !crc.value.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(QrisError::BadCrcLength);
        }
        Ok(())
    }
}

/// Parses top-level objects, reporting a misplaced 63 or characters after it precisely.
fn parse_until_crc(payload: &str) -> Result<Vec<DataObject>, QrisError> {
    // Walk the top-level headers to find where 63 ends, so that what follows gets its own error.
    let chars: Vec<char> = payload.chars().collect();
    let digit = |c: char| c.to_digit(10).map(|d| d as usize);
    let mut i = 0;
    let mut end = chars.len();
    while i + 4 <= chars.len() {
        let (Some(t1), Some(t2), Some(l1), Some(l2)) = (
            digit(chars[i]),
            digit(chars[i + 1]),
            digit(chars[i + 2]),
            digit(chars[i + 3]),
        ) else {
            break;
        };
        let next = i + 4 + l1 * 10 + l2;
        if (t1, t2) == (6, 3) && next <= chars.len() {
            end = next;
            break;
        }
        i = next;
    }
    let head: String = chars[..end].iter().collect();
    let objects = tlv::parse_list(&head, 0, "")?;
    if end < chars.len() {
        let rest: String = chars[end..].iter().collect();
        let crc_offset = objects.last().map_or(0, |o| o.offset);
        return Err(match tlv::parse_list(&rest, end, "") {
            Ok(more) if !more.is_empty() => QrisError::CrcNotLast { offset: crc_offset },
            _ => QrisError::TrailingData {
                offset: end,
                count: chars.len() - end,
            },
        });
    }
    if objects.last().is_some_and(|o| o.id == "63" && o.len() != 4) {
        return Err(QrisError::BadCrcLength);
    }
    Ok(objects)
}

/// Encodes objects (none of them 63) and appends `6304` and the CRC.
pub fn with_crc(objects: &[DataObject]) -> String {
    let mut payload = tlv::encode(objects);
    payload.push_str("6304");
    let crc = crc16_hex(&payload);
    payload.push_str(&crc);
    payload
}

/// EMVCo amount grammar: digits with an optional `.` decimal part, at most 13 characters.
pub fn is_amount(value: &str) -> bool {
    let mut parts = value.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next();
    value.len() <= 13
        && !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amount_grammar() {
        for ok in ["1", "1000", "23.72", "999.123", "10000.00", "1234567890123"] {
            assert!(is_amount(ok), "{ok}");
        }
        for bad in [
            "",
            ".5",
            "1.",
            "1,000",
            "-1",
            "1e3",
            "12345678901234",
            "1.2.3",
            " 1",
        ] {
            assert!(!is_amount(bad), "{bad}");
        }
    }
}
