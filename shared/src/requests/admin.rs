//! The operator's bodies: approvals and grants, revocations and settlements.

use serde::Deserialize;
use serde_json::Value;

use super::Field;
use crate::domain::SessionKey;
use crate::domain::{SessionId, StreamId, TrxId, UserId};
use crate::error_code::ErrorCode;
use crate::refusal::ApiError;

/// `POST /api/force-approve`: a session (by sessionId or trxId), or a viewer and a stream.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForceApproveRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<SessionId>))]
    #[serde(default)]
    session_id: Field,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<TrxId>))]
    #[serde(default)]
    trx_id: Field,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<StreamId>))]
    #[serde(default)]
    stream_id: Field,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<UserId>))]
    #[serde(default)]
    user_id: Field,
    /// Why, for the audit trail (≤ 500 characters).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 500))]
    #[serde(default)]
    note: Field,
}

/// What an operator approves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApprovalTarget {
    /// A session, by sessionId or trxId (the one the viewer reads off their screen). A viewer or a
    /// stream named beside it must be the session's: a mistyped trxId approves nothing.
    Session {
        /// The session.
        key: SessionKey,
        /// The viewer it must belong to, when named.
        user_id: Option<UserId>,
        /// The stream it must be for, when named.
        stream_id: Option<StreamId>,
    },
    /// A viewer's access to a stream: their one pending session (several: `AMBIGUOUS_SESSION`,
    /// name one by trxId), or a complimentary grant when there is none.
    Viewer {
        /// The viewer.
        user_id: UserId,
        /// The stream.
        stream_id: StreamId,
    },
}

/// An approval, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForceApproval {
    /// What to approve.
    pub target: ApprovalTarget,
    /// The operator's note.
    pub note: Option<String>,
}

impl TryFrom<ForceApproveRequest> for ForceApproval {
    type Error = ApiError;

    /// `note`, `sessionId`, `trxId`, `streamId`, `userId`: a session named by either id (a viewer
    /// or stream beside it is what it must match), else both `streamId` and `userId`
    /// (`MISSING_SESSION_REF` without them).
    fn try_from(body: ForceApproveRequest) -> Result<Self, ApiError> {
        let note = note(body.note)?;
        let session = body.session_id.optional("sessionId", SessionId::parse)?;
        let trx = body.trx_id.optional("trxId", TrxId::parse)?;
        let stream_id = body.stream_id.optional("streamId", StreamId::parse)?;
        let user_id = body.user_id.optional("userId", UserId::parse)?;
        let key = match (session, trx) {
            (Some(id), _) => Some(SessionKey::Session(id)),
            (None, Some(trx)) => Some(SessionKey::Trx(trx)),
            (None, None) => None,
        };
        let target = match (key, stream_id, user_id) {
            (Some(key), stream_id, user_id) => ApprovalTarget::Session {
                key,
                user_id,
                stream_id,
            },
            (None, Some(stream_id), Some(user_id)) => ApprovalTarget::Viewer { user_id, stream_id },
            (None, _, _) => return Err(ApiError::of(ErrorCode::MissingSessionRef)),
        };
        Ok(Self { target, note })
    }
}

/// `POST /admin/sessions/{sessionId}/revoke`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevokeRequest {
    /// Why (≤ 500 characters).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 500))]
    #[serde(default)]
    note: Field,
    /// Owe the granting payment back.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<bool>))]
    #[serde(default)]
    refund: Field,
}

/// A revocation, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// Owe the payment that granted access back.
    pub refund: bool,
    /// The operator's note.
    pub note: Option<String>,
}

impl TryFrom<RevokeRequest> for Revocation {
    type Error = ApiError;

    /// `refund` (absent or `null`: false), then `note`.
    fn try_from(body: RevokeRequest) -> Result<Self, ApiError> {
        let refund = match body.refund.value() {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(ApiError::invalid("refund")),
        };
        Ok(Self {
            refund,
            note: note(body.note)?,
        })
    }
}

/// An operator's note.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteRequest {
    /// ≤ 500 characters.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 500))]
    #[serde(default)]
    note: Field,
}

impl NoteRequest {
    /// The note, checked (see [`NoteRequest`]).
    pub fn note(self) -> Result<Option<String>, ApiError> {
        note(self.note)
    }
}

/// An operator's free-text note: ≤ 500 characters, no control characters but newlines; empty or
/// `null` is none.
fn note(field: Field) -> Result<Option<String>, ApiError> {
    match field.value() {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(n))
            if n.chars().count() <= 500 && !n.chars().any(|c| c.is_control() && c != '\n') =>
        {
            Ok(Some(n.clone()).filter(|n| !n.is_empty()))
        }
        Some(_) => Err(ApiError::invalid("note")),
    }
}
