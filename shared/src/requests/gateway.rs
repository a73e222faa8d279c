//! What the payment gateways send to `/api/payment-callback/<gateway>`: Midtrans's HTTP
//! notification and Xendit's QR payment callback. Read by the [provider](crate::provider) adapters.

use serde::Deserialize;
use serde::de::{Deserializer, Error as _};
use serde_json::Value;

use super::field::{object, text};
use crate::domain::Amount;

/// Midtrans's HTTP notification: `signature_key` = SHA-512 of order_id + status_code + gross_amount +
/// server key; the status API is then asked, and its answer (the same fields) is what counts.
// Every field is read leniently (anything but a string is absent), so the adapter refuses a missing
// signed field before it checks the signature, and anything else only after.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MidtransNotification {
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub(crate) order_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub(crate) status_code: Option<String>,
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub(crate) gross_amount: Option<String>,
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub(crate) signature_key: Option<String>,
    #[serde(default, deserialize_with = "text")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
    pub(crate) transaction_status: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub(crate) transaction_id: Option<String>,
    /// `accept` makes a `capture` a payment.
    #[serde(default, deserialize_with = "text")]
    pub(crate) fraud_status: Option<String>,
    /// `IDR` when given.
    #[serde(default, deserialize_with = "text")]
    pub(crate) currency: Option<String>,
    /// With `refund` / `partial_refund`: every refund of the transaction so far, each
    /// `{refund_chargeback_id, refund_key, refund_amount, …}` (read by the adapter).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<Object>>))]
    pub(crate) refunds: Option<Value>,
}

/// Xendit's QR payment callback, authenticated by `x-callback-token`.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct XenditCallback {
    /// `qr.payment` (other verified events are acknowledged and ignored).
    pub(crate) event: String,
    #[serde(deserialize_with = "object")]
    pub(crate) data: XenditPayment,
}

/// A QR payment: the `data` of Xendit's `qr.payment` callback, and an entry of
/// `GET /qr_codes/{qr_id}/payments`.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct XenditPayment {
    /// Xendit's id of the payment (`qrpy_…`).
    pub(crate) id: String,
    /// The QR code paid (`qr_…`): it must be the one created for the reference.
    pub(crate) qr_id: String,
    /// Our trxId, as the QR code's reference.
    pub(crate) reference_id: String,
    /// `SUCCEEDED`, `FAILED`, or not final yet.
    pub(crate) status: String,
    /// Whole rupiah.
    #[serde(deserialize_with = "rupiah")]
    pub(crate) amount: Amount,
    /// `IDR` when given.
    #[serde(default, deserialize_with = "text")]
    pub(crate) currency: Option<String>,
}

/// A JSON number of whole rupiah.
fn rupiah<'de, D: Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
    json_rupiah(&Value::deserialize(d)?)
        .and_then(|n| Amount::new(n).ok())
        .ok_or_else(|| D::Error::custom("not a whole number of rupiah"))
}

/// A JSON number of whole rupiah (`10000` or `10000.0`), greater than zero and at most [`Amount::MAX`].
pub(crate) fn json_rupiah(value: &serde_json::Value) -> Option<u64> {
    let n = match value.as_u64() {
        Some(n) => n,
        None => {
            let f = value.as_f64()?;
            if f.fract() != 0.0 || !(1.0..=Amount::MAX as f64).contains(&f) {
                return None;
            }
            f as u64
        }
    };
    (1..=Amount::MAX).contains(&n).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::json_rupiah;

    #[test]
    fn rupiah_numbers() {
        use serde_json::json;
        assert_eq!(json_rupiah(&json!(10000)), Some(10000));
        assert_eq!(json_rupiah(&json!(10000.0)), Some(10000));
        for bad in [
            json!(10000.5),
            json!(0),
            json!(-5),
            json!("10000"),
            json!(null),
        ] {
            assert_eq!(json_rupiah(&bad), None, "{bad}");
        }
    }
}
