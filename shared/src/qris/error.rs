//! QRIS errors: each names what is wrong and where.

/// Why a payload or a conversion was refused. Offsets count characters from the payload's start;
/// tags inside templates are written `parent.child` (e.g. `62.05`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrisError {
    #[error("payload is empty")]
    Empty,
    #[error("data object at offset {offset} is truncated (needs 4 header characters)")]
    Truncated { offset: usize },
    #[error("tag at offset {offset} is not two digits")]
    BadTag { offset: usize },
    #[error("tag {tag} at offset {offset}: length is not two digits")]
    BadLength { tag: String, offset: usize },
    #[error("tag {tag} at offset {offset}: length 00 is not allowed")]
    ZeroLength { tag: String, offset: usize },
    #[error(
        "tag {tag} at offset {offset}: length {length} runs past the end ({available} characters left)"
    )]
    LengthPastEnd {
        tag: String,
        offset: usize,
        length: usize,
        available: usize,
    },
    #[error("tag {tag} at offset {offset} appears twice")]
    DuplicateTag { tag: String, offset: usize },
    #[error("payload must start with 000201 (payload format indicator 01)")]
    BadFormatIndicator,
    #[error("tag 01 (point of initiation) must be 11 or 12, got {value:?}")]
    BadPointOfInitiation { value: String },
    #[error("tag 54 (transaction amount) is not a valid amount: {value:?}")]
    BadAmountField { value: String },
    #[error("tag 63 (CRC) is missing")]
    MissingCrc,
    #[error("tag 63 (CRC) at offset {offset} must be the last data object")]
    CrcNotLast { offset: usize },
    #[error("tag 63 (CRC) must have length 04")]
    BadCrcLength,
    #[error("CRC mismatch: payload says {found}, computed {expected}")]
    CrcMismatch { expected: String, found: String },
    #[error("{count} characters follow the CRC at offset {offset}")]
    TrailingData { offset: usize, count: usize },
    #[error("tag 58 (country code) is missing: cannot place the amount")]
    MissingCountryCode,
    #[error("amount must be a whole number of rupiah from 1 to {max}, got {amount}")]
    AmountOutOfRange { amount: u64, max: u64 },
    #[error("reference label must be 1-25 printable ASCII characters")]
    BadReference,
    #[error("template 62 would be {length} characters long; at most 99 fit")]
    TemplateTooLong { length: usize },
}
