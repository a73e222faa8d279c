//! QRIS errors: each names what is wrong and where.

/// Why a payload or a conversion was refused. Offsets count characters from the payload's start;
/// tags inside templates are written `parent.child` (e.g. `62.05`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrisError {
    #[error("payload is empty")]
    /// Empty.
    Empty,
    #[error("data object at offset {offset} is truncated (needs 4 header characters)")]
    /// Ends inside a data object.
    Truncated {
        /// The byte offset.
        offset: usize,
    },
    #[error("tag at offset {offset} is not two digits")]
    /// A tag that is not two digits.
    BadTag {
        /// The byte offset.
        offset: usize,
    },
    #[error("tag {tag} at offset {offset}: length is not two digits")]
    /// A length that is not two digits.
    BadLength {
        /// The tag.
        tag: String,
        /// The byte offset.
        offset: usize,
    },
    #[error("tag {tag} at offset {offset}: length 00 is not allowed")]
    /// A data object of length zero.
    ZeroLength {
        /// The tag.
        tag: String,
        /// The byte offset.
        offset: usize,
    },
    #[error(
        "tag {tag} at offset {offset}: length {length} runs past the end ({available} characters left)"
    )]
    /// A length past the end of the payload.
    LengthPastEnd {
        /// The tag.
        tag: String,
        /// The byte offset.
        offset: usize,
        /// The length.
        length: usize,
        /// What is left.
        available: usize,
    },
    #[error("tag {tag} at offset {offset} appears twice")]
    /// A tag present twice.
    DuplicateTag {
        /// The tag.
        tag: String,
        /// The byte offset.
        offset: usize,
    },
    #[error("payload must start with 000201 (payload format indicator 01)")]
    /// Tag 00 is not `01`.
    BadFormatIndicator,
    #[error("tag 01 (point of initiation) must be 11 or 12, got {value:?}")]
    /// Tag 01 is neither `11` nor `12`.
    BadPointOfInitiation {
        /// The value found.
        value: String,
    },
    #[error("tag 54 (transaction amount) is not a valid amount: {value:?}")]
    /// Tag 54 is not a valid amount.
    BadAmountField {
        /// The value found.
        value: String,
    },
    #[error("tag 63 (CRC) is missing")]
    /// No CRC (tag 63).
    MissingCrc,
    #[error("tag 63 (CRC) at offset {offset} must be the last data object")]
    /// The CRC is not the last data object.
    CrcNotLast {
        /// The byte offset.
        offset: usize,
    },
    #[error("tag 63 (CRC) must have length 04")]
    /// The CRC is not four characters.
    BadCrcLength,
    #[error("CRC mismatch: payload says {found}, computed {expected}")]
    /// The CRC does not match the payload.
    CrcMismatch {
        /// The computed CRC.
        expected: String,
        /// The CRC in the payload.
        found: String,
    },
    #[error("{count} characters follow the CRC at offset {offset}")]
    /// Bytes after the CRC.
    TrailingData {
        /// The byte offset.
        offset: usize,
        /// How many bytes.
        count: usize,
    },
    #[error("tag 58 (country code) is missing: cannot place the amount")]
    /// No country code (tag 58).
    MissingCountryCode,
    #[error("amount must be a whole number of rupiah from 1 to {max}, got {amount}")]
    /// The amount is zero or above the limit.
    AmountOutOfRange {
        /// The amount.
        amount: u64,
        /// The limit.
        max: u64,
    },
    #[error("reference label must be 1-25 printable ASCII characters")]
    /// The reference is not usable in tag 62.
    BadReference,
    #[error("template 62 would be {length} characters long; at most 99 fit")]
    /// Tag 62 would exceed 99 characters.
    TemplateTooLong {
        /// The length.
        length: usize,
    },
}
