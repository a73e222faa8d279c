//! Domain types that parse once: identifiers, money and the payment session.

/// `ALL`, `NAMES`, `as_str` and `parse` of a unit enum whose wire names strum derives
/// (`IntoStaticStr`, `EnumString`, `VariantArray`, `VariantNames`) with the case rule of its serde
/// `rename_all`; `domain::tests::wire_names_agree` checks that the two agree.
macro_rules! wire_names {
    ($name:ident) => {
        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = <Self as strum::VariantArray>::VARIANTS;

            /// The wire names of `ALL`, in the same order.
            pub const NAMES: &'static [&'static str] = <Self as strum::VariantNames>::VARIANTS;

            /// The wire and storage name.
            pub fn as_str(self) -> &'static str {
                self.into()
            }

            /// Parses the wire and storage name.
            pub fn parse(raw: &str) -> Option<Self> {
                raw.parse().ok()
            }
        }
    };
}
use wire_names;

mod amount;
mod connection;
mod event;
mod ids;
mod media_path;
mod payment;
mod refund;
mod schedule;
mod session;
mod stream;
mod thumbnail;

pub use amount::{Amount, format_idr};
pub use connection::{Connection, MediaServer, MediamtxList, Target};
pub use event::AuditEvent;
pub use ids::{ClientId, IdempotencyKey, SessionId, SessionKey, StreamId, TrxId, UserId};
pub use media_path::MediaPath;
pub use payment::{
    Outcome, PaymentId, PaymentRecord, PaymentReport, RefundReason, RefundStatus, ReportKind,
    Settlement,
};
pub use refund::{GatewayRefund, RefundReport};
pub use schedule::{AccessUntil, Phase, Schedule, ScheduleError};
pub use session::{GatewayCharge, PaymentSession, RevokeReason, Status};
pub use stream::{
    MAX_CATEGORY_CHARS, MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS, Stream, is_category,
    is_description, is_title,
};
pub use thumbnail::{MAX_THUMBNAIL_LEN, ThumbnailUrl};
#[cfg(feature = "openapi")]
pub(crate) use {ids::SESSION_PREFIX, payment::PAYMENT_PREFIX};

/// Why a value was refused when parsing a domain type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("{field} is empty")]
    /// Empty.
    Empty {
        /// The field.
        field: &'static str,
    },
    #[error("{field} is longer than {max} characters")]
    /// Longer than allowed.
    TooLong {
        /// The field.
        field: &'static str,
        /// The limit.
        max: usize,
    },
    #[error("{field} contains a character that is not allowed")]
    /// A character that is not allowed.
    BadCharacter {
        /// The field.
        field: &'static str,
    },
    #[error("{field} is not in the expected format")]
    /// Not in the expected format.
    BadFormat {
        /// The field.
        field: &'static str,
    },
    #[error("amount must be a whole number of rupiah greater than zero")]
    /// Not a whole rupiah amount in range.
    BadAmount,
}

#[cfg(test)]
mod tests {
    use std::fmt::Debug;
    use std::str::FromStr;

    use serde::Serialize;
    use strum::{VariantArray, VariantNames};

    use super::*;

    /// The wire names of `T`, after checking that serde and strum name every variant alike and
    /// that the names parse back.
    fn names<T>() -> Vec<&'static str>
    where
        T: VariantArray
            + VariantNames
            + Serialize
            + FromStr
            + Into<&'static str>
            + Copy
            + PartialEq
            + Debug,
    {
        let names = <T as VariantNames>::VARIANTS;
        assert_eq!(names.len(), <T as VariantArray>::VARIANTS.len());
        for (variant, name) in <T as VariantArray>::VARIANTS.iter().zip(names) {
            assert_eq!(serde_json::to_value(variant).unwrap(), *name);
            assert_eq!(Into::<&str>::into(*variant), *name);
            assert_eq!(name.parse::<T>().ok().as_ref(), Some(variant));
        }
        names.to_vec()
    }

    #[test]
    fn wire_names_agree() {
        assert_eq!(
            names::<Status>(),
            ["pending", "paid", "failed", "expired", "revoked"]
        );
        assert_eq!(names::<RefundStatus>(), ["open", "settled"]);
        assert_eq!(names::<RevokeReason>(), ["operator", "refunded_at_gateway"]);
        assert_eq!(
            names::<RefundReason>(),
            [
                "duplicate_access",
                "second_payment",
                "too_late",
                "session_closed",
                "amount_mismatch",
                "unknown_trx",
                "revoked"
            ]
        );
        assert_eq!(names::<MediaServer>(), ["srs", "mediamtx"]);
        assert_eq!(
            names::<MediamtxList>(),
            [
                "rtmpconns",
                "rtmpsconns",
                "rtspsessions",
                "rtspssessions",
                "webrtcsessions",
                "srtconns",
                "hlssessions"
            ]
        );
        assert_eq!(Status::NAMES, names::<Status>());
        assert_eq!(Status::parse("Paid"), None);
        assert_eq!(RefundReason::parse("too late"), None);
    }
}
