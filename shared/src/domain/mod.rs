//! Domain types that parse once: identifiers, money and the payment session.

mod amount;
mod event;
mod ids;
mod media_path;
mod payment;
mod session;
mod stream;

pub use amount::{Amount, format_idr};
pub use event::AuditEvent;
pub use ids::{IdempotencyKey, SessionId, StreamId, TrxId, UserId};
pub use media_path::MediaPath;
pub use payment::{
    Outcome, PaymentId, PaymentRecord, PaymentReport, RefundReason, RefundStatus, ReportKind,
    Settlement,
};
pub use session::{GatewayCharge, PaymentSession, Status};
pub use stream::Stream;
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
