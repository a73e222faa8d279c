//! Session and access views of the public and admin API: the JSON each handler answers,
//! built from the domain value and *now*. Nullable fields stay present as `null` (the original design's API shape).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::iso;
use crate::domain::{
    Amount, AuditEvent, PaymentId, PaymentSession, RevokeReason, SessionId, Status, StreamId,
    TrxId, UserId,
};

fn remaining(s: &PaymentSession, now: DateTime<Utc>) -> i64 {
    s.remaining_at(now).num_milliseconds().max(0)
}

/// A session as the operator sees it (admin API): with its sessionId and derived status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionView {
    /// The session's id (a bearer secret).
    pub session_id: SessionId,
    /// The transaction id the gateway and the QR carry.
    pub trx_id: TrxId,
    /// The viewer.
    pub user_id: UserId,
    /// The stream.
    pub stream_id: StreamId,
    /// The status as of now.
    pub status: Status,
    /// The amount in rupiah.
    pub amount: Amount,
    /// The amount formatted for people, e.g. `Rp 1.000`.
    pub amount_display: String,
    /// When it was created.
    pub created_at: String,
    /// When it was paid.
    pub paid_at: Option<String>,
    /// When the pending validity or the access window ends (ISO-8601 UTC).
    pub expires_at: String,
    /// Milliseconds of access (or validity) left, never negative.
    pub remaining_time: i64,
    /// The ledger record that paid it, if any.
    pub payment_id: Option<PaymentId>,
    /// Why it was revoked (`operator`, `refunded_at_gateway`), for a revoked session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoke_reason: Option<RevokeReason>,
}

impl SessionView {
    /// The view of `s` at `now`.
    pub fn of(s: &PaymentSession, now: DateTime<Utc>) -> Self {
        Self {
            session_id: s.session_id.clone(),
            trx_id: s.trx_id.clone(),
            user_id: s.user_id.clone(),
            stream_id: s.stream_id.clone(),
            status: s.status_at(now),
            amount: s.amount,
            amount_display: s.amount.display_idr(),
            created_at: iso(s.created_at),
            paid_at: s.paid_at.map(iso),
            expires_at: iso(s.expires_at),
            remaining_time: remaining(s, now),
            payment_id: s.payment_id.clone(),
            revoke_reason: s.revoke_reason,
        }
    }
}

/// The answer to an approval or a grant (admin): the session and how it came to grant access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprovalView {
    #[serde(flatten)]
    /// The session.
    pub session: SessionView,
    /// The session was already paid: nothing changed.
    pub already_paid: bool,
    /// Access given without a pending session (a Rp 0 ledger entry).
    pub complimentary: bool,
}

/// A page of sessions (admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionPageView {
    /// The sessions of this page.
    pub sessions: Vec<SessionView>,
    /// The cursor of the next page, if any.
    pub next_cursor: Option<String>,
}

/// A session with its audit trail (admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionEventsView {
    /// The session.
    pub session: SessionView,
    /// Its audit trail, oldest first.
    pub events: Vec<AuditEvent>,
}

/// `check-access`: whether a session grants access to a stream now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessView {
    /// Whether it grants access now.
    pub has_access: bool,
    /// The stream.
    pub stream_id: StreamId,
    /// The session's id (a bearer secret): the one asked about, or (signed in, asked by stream) the
    /// viewer's own session that holds the access; absent when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<SessionId>,
    /// Milliseconds until `expiresAt`, never negative.
    pub remaining_time: i64,
    /// When access ends; `null` without access.
    pub expires_at: Option<String>,
    /// The playback token for the media servers, when access is granted and tokens are configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub playback: Option<serde_json::Value>,
}

impl AccessView {
    /// The view of a check of `session_id` for `stream_id`: `session` when it grants access.
    pub fn of(
        stream_id: StreamId,
        session_id: Option<SessionId>,
        granted: Option<&PaymentSession>,
        remaining_ms: i64,
    ) -> Self {
        Self {
            has_access: granted.is_some(),
            stream_id,
            session_id,
            remaining_time: remaining_ms.max(0),
            expires_at: granted.map(|s| iso(s.expires_at)),
            playback: None,
        }
    }
}

/// `GET payment-callback`: a session's payment status, polled by the viewer page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusView {
    /// The transaction id the gateway and the QR carry.
    pub trx_id: TrxId,
    /// The session's id (a bearer secret).
    pub session_id: SessionId,
    /// The stream.
    pub stream_id: StreamId,
    /// The status as of now.
    pub status: Status,
    /// The amount in rupiah.
    pub amount: Amount,
    /// When the pending validity or the access window ends (ISO-8601 UTC).
    pub expires_at: String,
    /// Milliseconds until `expiresAt`, never negative.
    pub remaining_time: i64,
    /// Whether it grants access now.
    pub has_access: bool,
    /// The playback token for the media servers, when paid and tokens are configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub playback: Option<serde_json::Value>,
}

impl StatusView {
    /// The view of `s` at `now`.
    pub fn of(s: &PaymentSession, now: DateTime<Utc>) -> Self {
        let status = s.status_at(now);
        Self {
            trx_id: s.trx_id.clone(),
            session_id: s.session_id.clone(),
            stream_id: s.stream_id.clone(),
            status,
            amount: s.amount,
            expires_at: iso(s.expires_at),
            remaining_time: remaining(s, now),
            has_access: status == Status::Paid,
            playback: None,
        }
    }
}

/// `generate-qris`: the payable QR of a pending session; it always carries the session's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QrView {
    /// The session's id (a bearer secret).
    pub session_id: SessionId,
    /// The transaction id the gateway and the QR carry.
    pub trx_id: TrxId,
    /// The QR as a `data:image/png;base64,…` URL.
    pub qr_code: String,
    /// The QRIS payload.
    pub qris_data: String,
    /// The amount in rupiah.
    pub amount: Amount,
    /// The amount formatted for people, e.g. `Rp 1.000`.
    pub amount_display: String,
    /// The stream.
    pub stream_id: StreamId,
    /// The viewer.
    pub user_id: UserId,
    /// When the pending validity or the access window ends (ISO-8601 UTC).
    pub expires_at: String,
    /// Milliseconds until `expiresAt`, never negative.
    pub remaining_time: i64,
    /// The presented pending session was reused.
    pub reused: bool,
}

impl QrView {
    /// The view of `s` at `now` with its QR payload and image.
    pub fn of(
        s: &PaymentSession,
        qris_data: String,
        qr_code: String,
        reused: bool,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            session_id: s.session_id.clone(),
            trx_id: s.trx_id.clone(),
            qr_code,
            qris_data,
            amount: s.amount,
            amount_display: s.amount.display_idr(),
            stream_id: s.stream_id.clone(),
            user_id: s.user_id.clone(),
            expires_at: iso(s.expires_at),
            remaining_time: remaining(s, now),
            reused,
        }
    }
}

/// One of a viewer's sessions (`user-sessions`): never its sessionId.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserSessionView {
    /// The stream.
    pub stream_id: StreamId,
    /// The transaction id the gateway and the QR carry; `null` unless the request presented a
    /// sessionId of this viewer (a userId alone proves nothing).
    pub trx_id: Option<TrxId>,
    /// The status as of now.
    pub status: Status,
    /// The amount in rupiah.
    pub amount: Amount,
    /// When the pending validity or the access window ends (ISO-8601 UTC).
    pub expires_at: String,
    /// Milliseconds until `expiresAt`, never negative.
    pub remaining_time: i64,
}

impl UserSessionView {
    /// The view of `s` at `now`, with its trxId when `reveal`.
    pub fn of(s: &PaymentSession, now: DateTime<Utc>, reveal: bool) -> Self {
        Self {
            stream_id: s.stream_id.clone(),
            trx_id: reveal.then(|| s.trx_id.clone()),
            status: s.status_at(now),
            amount: s.amount,
            expires_at: iso(s.expires_at),
            remaining_time: remaining(s, now),
        }
    }
}

/// `GET user-sessions`: a viewer's live sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserSessionsView {
    /// The viewer.
    pub user_id: UserId,
    /// The viewer's live sessions.
    pub active_sessions: Vec<UserSessionView>,
    /// How many of the viewer's sessions are live.
    pub total_active: usize,
}

impl UserSessionsView {
    /// The view of `user`'s `sessions` at `now`; their trxIds only when `reveal` (the caller proved
    /// it is this viewer by presenting one of their sessionIds).
    pub fn of(user: UserId, sessions: &[PaymentSession], now: DateTime<Utc>, reveal: bool) -> Self {
        let active: Vec<_> = sessions
            .iter()
            .map(|s| UserSessionView::of(s, now, reveal))
            .collect();
        Self {
            user_id: user,
            total_active: active.len(),
            active_sessions: active,
        }
    }
}

/// `POST user-sessions`: whether a viewer has access to a stream, from any of their sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserAccessView {
    /// Whether it grants access now.
    pub has_access: bool,
    /// The stream.
    pub stream_id: StreamId,
    /// Milliseconds until `expiresAt`, never negative.
    pub remaining_time: i64,
    /// When the pending validity or the access window ends (ISO-8601 UTC).
    pub expires_at: Option<String>,
    /// How many of the viewer's sessions are live.
    pub total_active: usize,
}

impl UserAccessView {
    /// The view for `stream` of a viewer's `sessions` at `now`: the paid one lasting longest.
    pub fn of(stream: StreamId, sessions: &[PaymentSession], now: DateTime<Utc>) -> Self {
        let paid = sessions
            .iter()
            .filter(|s| s.stream_id == stream && s.status_at(now) == Status::Paid)
            .max_by_key(|s| s.expires_at);
        Self {
            has_access: paid.is_some(),
            stream_id: stream,
            remaining_time: paid.map_or(0, |s| remaining(s, now)),
            expires_at: paid.map(|s| iso(s.expires_at)),
            total_active: sessions.len(),
        }
    }
}

/// The answer to a revocation (admin): the session and the refund it opened, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevokeView {
    #[serde(flatten)]
    /// The session.
    pub session: SessionView,
    /// The refund the revocation opened, if any.
    pub refund: Option<super::PaymentView>,
}
