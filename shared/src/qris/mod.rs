//! The QRIS engine: parse and validate EMVCo merchant-presented payloads, turn a static QRIS into a
//! dynamic one with an exact amount, inspect, and render. Pure: no I/O.

mod conformance;
mod crc;
mod dynamic;
mod error;
mod inspect;
mod payload;
mod render;
mod symbol;
mod tlv;
mod violation;

pub use conformance::{MAX_MERCHANT_CITY, MAX_MERCHANT_NAME, MAX_NMID};
pub use crc::crc16_hex;
pub use dynamic::DEFAULT_MAX_AMOUNT;
pub use error::QrisError;
pub use inspect::{MerchantAccount, QrisInfo};
pub use payload::{Qris, is_amount, with_crc};
pub use render::{PNG_SCALE, QUIET_ZONE, RenderError, png, png_data_url, svg};
pub use tlv::{DataObject, is_template};
pub use violation::{Severity, Violation};

/// The repository's demo merchant (made up, valid CRC): a static QRIS for local use and tests.
pub const DEMO_STATIC: &str = include_str!("demo_static.txt");
