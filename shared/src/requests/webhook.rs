//! The generic signed webhook's body (`POST /api/payment-callback`): a gateway's report of a
//! payment, for the ledger.

use serde::Deserialize;
use serde::de::IntoDeserializer;
use serde::de::value::{Error as WordError, StrDeserializer};
use serde_json::Value;

use super::Field;
use crate::domain::{PaymentReport, ReportKind, TrxId};
use crate::refusal::ApiError;

/// The provider the ledger records for this webhook's reports.
const PROVIDER: &str = "webhook";

/// `POST /api/payment-callback` (signed).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = TrxId, required = true))]
    #[serde(default)]
    trx_id: Field,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::domain::Amount, required = true))]
    #[serde(default)]
    amount: Field,
    #[cfg_attr(feature = "openapi", schema(value_type = WebhookStatus, required = true))]
    #[serde(default)]
    status: Field,
    /// The gateway's reference of the payment: the bank's RRN or the aggregator's id. Required with
    /// `paid` (each payment is keyed by it: two payments of one QR are two records); optional with
    /// `failed` (default: the trxId).
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, required = true, min_length = 1, max_length = 128)
    )]
    #[serde(default)]
    provider_ref: Field,
}

/// The webhook's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WebhookStatus {
    /// The money arrived.
    Paid,
    /// The payment failed.
    Failed,
}

impl WebhookStatus {
    /// Reads the wire word (`paid`, `failed`).
    pub fn parse(word: &str) -> Option<Self> {
        let word: StrDeserializer<'_, WordError> = word.into_deserializer();
        Self::deserialize(word).ok()
    }
}

impl From<WebhookStatus> for ReportKind {
    fn from(status: WebhookStatus) -> Self {
        match status {
            WebhookStatus::Paid => ReportKind::Paid,
            WebhookStatus::Failed => ReportKind::Failed,
        }
    }
}

impl TryFrom<WebhookRequest> for PaymentReport {
    type Error = ApiError;

    /// `trxId`, `amount`, `status` (not a string: missing), then `providerRef` (1–128 characters,
    /// no control characters; required with `paid`, so a second payment of one QR is never taken for
    /// a repeat delivery of the first).
    fn try_from(body: WebhookRequest) -> Result<Self, ApiError> {
        let trx_id = body.trx_id.require("trxId", TrxId::parse)?;
        let amount = body
            .amount
            .amount("amount")?
            .ok_or_else(|| ApiError::missing("amount"))?;
        let kind = match body.status.value().and_then(Value::as_str) {
            None => return Err(ApiError::missing("status")),
            Some(word) => WebhookStatus::parse(word).ok_or_else(|| ApiError::invalid("status"))?,
        };
        let provider_ref = match body.provider_ref.value() {
            None | Some(Value::Null) => None,
            Some(Value::String(s))
                if !s.is_empty()
                    && s.chars().count() <= 128
                    && !s.chars().any(char::is_control) =>
            {
                Some(s.clone())
            }
            Some(_) => return Err(ApiError::invalid("providerRef")),
        };
        if kind == WebhookStatus::Paid && provider_ref.is_none() {
            return Err(ApiError::missing("providerRef"));
        }
        Ok(PaymentReport {
            provider: PROVIDER.into(),
            provider_ref,
            trx_id: trx_id.to_string(),
            amount: amount.rupiah(),
            kind: kind.into(),
        })
    }
}
