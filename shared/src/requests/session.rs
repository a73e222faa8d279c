//! The viewer's bodies: asking for a QR (`POST /api/generate-qris`) and asking whether a viewer
//! has access to a stream (`POST /api/user-sessions`).

use serde::Deserialize;

use super::Field;
use crate::domain::{Amount, SessionId, StreamId, UserId};
use crate::refusal::ApiError;

/// `POST /api/generate-qris`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GenerateQrisRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = StreamId, required = true))]
    #[serde(default)]
    stream_id: Field,
    #[cfg_attr(feature = "openapi", schema(value_type = UserId, required = true))]
    #[serde(default)]
    user_id: Field,
    /// When given, must equal the stream's price.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Amount>))]
    #[serde(default)]
    amount: Field,
    /// The caller's own pending session to reuse; ignored unless it is theirs and still payable.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<SessionId>))]
    #[serde(default)]
    session_id: Field,
}

/// A QR asked for, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrisOrder {
    /// The stream.
    pub stream_id: StreamId,
    /// The viewer.
    pub user_id: UserId,
    /// The amount the client expects to pay, when it said.
    pub amount: Option<Amount>,
    /// The session the caller presented for reuse (an unreadable one is ignored, never refused).
    pub session_id: Option<SessionId>,
}

impl TryFrom<GenerateQrisRequest> for QrisOrder {
    type Error = ApiError;

    /// `streamId`, `userId`, then `amount`: the first bad one is refused.
    fn try_from(body: GenerateQrisRequest) -> Result<Self, ApiError> {
        Ok(Self {
            stream_id: body.stream_id.require("streamId", StreamId::parse)?,
            user_id: body.user_id.require("userId", UserId::parse)?,
            amount: body.amount.amount("amount")?,
            session_id: body
                .session_id
                .value()
                .and_then(|v| v.as_str())
                .and_then(|s| SessionId::parse(s).ok()),
        })
    }
}

/// `POST /api/user-sessions`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserAccessRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = UserId, required = true))]
    #[serde(default)]
    user_id: Field,
    #[cfg_attr(feature = "openapi", schema(value_type = StreamId, required = true))]
    #[serde(default)]
    stream_id: Field,
}

/// Whether a viewer has access to a stream: the question, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessQuery {
    /// The viewer.
    pub user_id: UserId,
    /// The stream.
    pub stream_id: StreamId,
}

impl TryFrom<UserAccessRequest> for AccessQuery {
    type Error = ApiError;

    /// `userId`, then `streamId`.
    fn try_from(body: UserAccessRequest) -> Result<Self, ApiError> {
        Ok(Self {
            user_id: body.user_id.require("userId", UserId::parse)?,
            stream_id: body.stream_id.require("streamId", StreamId::parse)?,
        })
    }
}
