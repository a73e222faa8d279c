//! Typed response views: how domain values appear in JSON (camelCase, the original design's field names), built
//! from the domain type and *now*, one place per view.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::domain::{PaymentRecord, PaymentSession, Status, Stream, format_idr};

mod session;
mod stream;
pub use session::{
    AccessView, ApprovalView, QrView, RevokeView, SessionEventsView, SessionPageView, SessionView,
    StatusView, UserAccessView, UserSessionView, UserSessionsView,
};
pub use stream::{StreamEntryView, StreamView, StreamsView};

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A payment on the ledger, as the operator and the gateway's answer see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentView {
    /// The ledger record's id.
    pub payment_id: String,
    /// The gateway (`static`, `midtrans`, `xendit`, `manual`, `complimentary`).
    pub provider: String,
    /// The gateway's reference of the payment.
    pub provider_ref: String,
    /// The transaction id it reported.
    pub trx_id: String,
    /// The amount in rupiah.
    pub amount: u64,
    /// The amount formatted for people, e.g. `Rp 1.000`.
    pub amount_display: String,
    /// `granted`, `refund_due`, `failed`, `refunded` (paid back at the gateway) or `reconciled` (an
    /// approval the gateway's payment confirmed).
    pub outcome: &'static str,
    /// What became of it, in Bahasa Indonesia.
    pub outcome_text: &'static str,
    /// For a refund owed: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// For a refund owed: the reason in Bahasa Indonesia.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_text: Option<&'static str>,
    /// For a refund owed: `open` or `settled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    /// When the report arrived.
    pub received_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The session it paid, if any.
    pub session_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The viewer, if known.
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The stream, if known.
    pub stream_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// When the refund was settled.
    pub settled_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Who settled the refund.
    pub settled_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// A free-form note.
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The record this one concerns: for `refunded` the payment it returned, for `reconciled` the
    /// gateway's payment that confirmed it, for that payment the approval it confirmed.
    pub related_payment_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// For `refunded`: the gateway's id of the refund.
    pub gateway_refund_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Rupiah of this payment the gateway has paid back so far.
    pub refunded_at_gateway: Option<u64>,
}

impl PaymentView {
    /// The view of a record.
    pub fn of(r: &PaymentRecord) -> Self {
        Self {
            payment_id: r.payment_id.to_string(),
            provider: r.provider.clone(),
            provider_ref: r.provider_ref.clone(),
            trx_id: r.trx_id.clone(),
            amount: r.amount,
            amount_display: format_idr(r.amount),
            outcome: r.outcome.as_str(),
            outcome_text: r.outcome.label_id(),
            reason: r.outcome.reason().map(|x| x.as_str()),
            reason_text: r.outcome.reason().map(|x| x.label_id()),
            status: r.refund_status().map(|s| s.as_str()),
            received_at: iso(r.received_at),
            session_id: r.session_id.as_ref().map(ToString::to_string),
            user_id: r.user_id.as_ref().map(ToString::to_string),
            stream_id: r.stream_id.as_ref().map(ToString::to_string),
            settled_at: r.settlement.as_ref().map(|s| iso(s.at)),
            settled_by: r.settlement.as_ref().map(|s| s.by.clone()),
            note: r
                .settlement
                .as_ref()
                .and_then(|s| s.note.clone())
                .or_else(|| r.note.clone()),
            related_payment_id: r.related.as_ref().map(ToString::to_string),
            gateway_refund_id: r.gateway_refund_id.clone(),
            refunded_at_gateway: (r.refunded > 0).then_some(r.refunded),
        }
    }
}

/// A pending session an approval by stream and user could mean (`AMBIGUOUS_SESSION`'s
/// `candidates`): what the operator can match against the viewer's screen, never its sessionId.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionCandidate {
    /// The transaction id shown under the viewer's QR.
    pub trx_id: crate::domain::TrxId,
    /// When it was created.
    pub created_at: String,
    /// The amount in rupiah.
    pub amount: crate::domain::Amount,
    /// The amount formatted for people, e.g. `Rp 1.000`.
    pub amount_display: String,
}

impl SessionCandidate {
    /// The candidate of `s`.
    pub fn of(s: &PaymentSession) -> Self {
        Self {
            trx_id: s.trx_id.clone(),
            created_at: iso(s.created_at),
            amount: s.amount,
            amount_display: s.amount.display_idr(),
        }
    }
}

/// The answer to a gateway's payment report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportView {
    /// The ledger record's id (absent while the gateway still reports the payment as pending).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// The transaction id it reported.
    pub trx_id: String,
    /// `granted`, `refund_due`, `failed`, `refunded` (a refund made at the gateway), `reconciled`,
    /// `pending` (nothing recorded yet), or `ignored` (the notification names a charge that is not its
    /// session's: nothing recorded).
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// For a refund owed: why.
    pub reason: Option<&'static str>,
    /// A repeat delivery: nothing changed.
    pub already_processed: bool,
    /// Money is owed back for this payment.
    pub refund_due: bool,
    /// The session's status now, when the report named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The session's expiry, when the report named one.
    pub expires_at: Option<String>,
}

impl ReportView {
    /// The view of a recorded report.
    pub fn of(
        record: &PaymentRecord,
        already: bool,
        session: Option<&PaymentSession>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            payment_id: Some(record.payment_id.to_string()),
            trx_id: record.trx_id.clone(),
            outcome: record.outcome.as_str(),
            reason: record.outcome.reason().map(|r| r.as_str()),
            already_processed: already,
            refund_due: record.outcome.reason().is_some(),
            status: session.map(|s| s.status_at(now)),
            expires_at: session.map(|s| iso(s.expires_at)),
        }
    }
}

impl ReportView {
    /// The answer to a gateway notification of a payment still pending: nothing is recorded.
    pub fn pending(trx_id: String) -> Self {
        Self::unrecorded(trx_id, "pending")
    }

    /// The answer to a gateway notification that names a charge which is not its session's (a
    /// forgery, or another application's QR code on the same account): nothing is recorded, and the
    /// 200 stops the gateway's retries, which could never change that.
    pub fn ignored(trx_id: String) -> Self {
        Self::unrecorded(trx_id, "ignored")
    }

    fn unrecorded(trx_id: String, outcome: &'static str) -> Self {
        Self {
            payment_id: None,
            trx_id,
            outcome,
            reason: None,
            already_processed: false,
            refund_due: false,
            status: None,
            expires_at: None,
        }
    }
}

/// A page of refunds (admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundPageView {
    /// The refunds of this page.
    pub refunds: Vec<PaymentView>,
    /// The cursor of the next page, if any.
    pub cursor: Option<String>,
}

/// A page of the ledger (admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentPageView {
    /// The payments of this page, oldest first.
    pub payments: Vec<PaymentView>,
    /// The cursor of the next page, if any.
    pub cursor: Option<String>,
}

/// The answer to a settlement (admin): the payment, and whether it was settled before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettlementView {
    #[serde(flatten)]
    /// The payment.
    pub payment: PaymentView,
    /// It was settled before: nothing changed.
    pub already_settled: bool,
}

/// The whole catalog (admin), inactive streams included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogView {
    /// Every stream.
    pub streams: Vec<Stream>,
}

/// One catalog entry as written (admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogEntryView {
    /// The stream.
    pub stream: Stream,
}
