//! A broken QRIS rule and how much it matters: an error refuses the payload, a warning is reported.

use serde::Serialize;

/// How much a broken rule matters, decided rule by rule in `conformance.rs`.
///
/// An **error** makes a payer's app refuse the code, or pay the wrong amount, the wrong merchant or in
/// the wrong currency: a missing mandatory object (52, 53, 58, 59, 60), the currency (53 must be 360
/// for an Indonesian merchant), the country (58: ISO alpha-2, `ID` for a QRIS merchant, which decides
/// domestic against cross-border routing), the amount rules (54: above zero, at most two decimals, so
/// `1.000` is never read as a thousand), the tip objects (55/56/57: the payer would be asked for, or
/// charged, a tip the merchant did not mean) and lengths that overflow what apps display and store
/// (59 > 25, 60 > 15 characters). The CRC and the syntax are checked before any rule, by
/// [`Qris::parse`](super::Qris::parse), and are always refusals.
///
/// A **warning** is a format the specification asks for but that apps in the wild still pay: the
/// identifier formats, which neither route the money nor set the amount (52 not four digits; the NMID
/// in 51.02 not `ID` + up to 13 letters or digits, or absent), and a static code without template 51.
/// Real acquirers issue such codes: AstraPay's static codes with MCC `111` or `1111` and no template
/// 51, LinkAja's GPN codes whose NMID is fifteen zeros (`shared/tests/fixtures/qris/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The code cannot be paid as intended: refused.
    Error,
    /// Off the specification, still payable: reported.
    Warning,
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Error => "error",
            Self::Warning => "warning",
        })
    }
}

/// One broken rule: the data object's tag (`parent.child` inside a template), the spec section, how
/// much it matters and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The QRIS tag.
    pub tag: String,
    /// The rule's section of the QRIS specification.
    pub section: &'static str,
    /// Whether it refuses the payload.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
}

impl Violation {
    /// Whether the code cannot be paid as intended.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: tag {} ({}): {}",
            self.severity, self.tag, self.section, self.message
        )
    }
}
