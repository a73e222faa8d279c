//! Money: whole rupiah.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ParseError;

/// A positive amount of whole rupiah (QRIS in Indonesia carries no fractional rupiah).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct Amount(u64);

impl Amount {
    /// Largest amount representable in every layer (JSON numbers, DynamoDB, QRIS tag 54).
    pub const MAX: u64 = 9_999_999_999_999;

    /// Builds an amount; zero and values above [`Amount::MAX`] are refused.
    pub fn new(rupiah: u64) -> Result<Self, ParseError> {
        if rupiah == 0 || rupiah > Self::MAX {
            return Err(ParseError::BadAmount);
        }
        Ok(Self(rupiah))
    }

    /// Parses a JSON value: only a whole, positive number is accepted (`1000`, not `"1000"`, `1000.5` or `-1`).
    pub fn from_json(value: &serde_json::Value) -> Result<Self, ParseError> {
        value
            .as_u64()
            .ok_or(ParseError::BadAmount)
            .and_then(Self::new)
    }

    /// The number of rupiah.
    pub fn rupiah(self) -> u64 {
        self.0
    }

    /// Indonesian display form, e.g. `Rp 1.000`.
    pub fn display_idr(self) -> String {
        format_idr(self.0)
    }
}

/// Indonesian display form of any whole number of rupiah, zero included, e.g. `Rp 1.000`.
pub fn format_idr(rupiah: u64) -> String {
    let digits = rupiah.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 3);
    out.push_str("Rp ");
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

impl TryFrom<u64> for Amount {
    type Error = ParseError;
    fn try_from(value: u64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Amount> for u64 {
    fn from(value: Amount) -> u64 {
        value.0
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn positive_whole_rupiah_only() {
        assert_eq!(Amount::new(1000).unwrap().rupiah(), 1000);
        assert_eq!(Amount::new(0), Err(ParseError::BadAmount));
        assert_eq!(Amount::new(Amount::MAX + 1), Err(ParseError::BadAmount));
        assert!(Amount::from_json(&json!(1000)).is_ok());
        for bad in [
            json!(1000.5),
            json!(-1),
            json!("1000"),
            json!(null),
            json!(0),
        ] {
            assert_eq!(Amount::from_json(&bad), Err(ParseError::BadAmount), "{bad}");
        }
    }

    #[test]
    fn rupiah_display() {
        assert_eq!(Amount::new(1).unwrap().display_idr(), "Rp 1");
        assert_eq!(Amount::new(1000).unwrap().display_idr(), "Rp 1.000");
        assert_eq!(
            Amount::new(10_000_000).unwrap().display_idr(),
            "Rp 10.000.000"
        );
        assert_eq!(Amount::new(123_456).unwrap().display_idr(), "Rp 123.456");
    }
}
