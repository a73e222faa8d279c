//! The response envelope of the seeds: `{"success": true, "data": …}` or
//! `{"success": false, "error": "<Bahasa Indonesia>", "code": "<STABLE_CODE>"}`.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use lambda_http::http::{HeaderValue, header};
use lambda_http::{Body, Response};
use serde_json::{Value, json};

use crate::error_code::{ErrorCode, error_envelope};
use crate::store::StoreError;

/// A refusal with its HTTP status, stable code and message for people, built from an [`ErrorCode`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The stable wire code.
    pub code: &'static str,
    /// The message for people (Bahasa Indonesia).
    pub message: String,
    /// Seconds for `Retry-After` (503 only).
    pub retry_after: Option<u32>,
    kind: ErrorCode,
}

/// A handler's result.
pub type ApiResult = Result<Response<Body>, ApiError>;

impl ApiError {
    /// The refusal `code` stands for, with its status, message and `Retry-After`.
    pub fn of(code: ErrorCode) -> Self {
        Self {
            status: code.status(),
            code: code.code(),
            message: code.message(None),
            retry_after: code.retry_after(),
            kind: code,
        }
    }

    /// The message with its detail (a field name, a price) for the codes that take one.
    pub fn with_detail(mut self, detail: &str) -> Self {
        self.message = self.kind.message(Some(detail));
        self
    }

    /// The situation this refusal stands for.
    pub fn kind(&self) -> ErrorCode {
        self.kind
    }

    /// 400 `MISSING_FIELD` for `field`.
    pub fn missing(field: &str) -> Self {
        Self::of(ErrorCode::MissingField).with_detail(field)
    }

    /// 400 `INVALID_FIELD` for `field`.
    pub fn invalid(field: &str) -> Self {
        Self::of(ErrorCode::InvalidField).with_detail(field)
    }

    /// 405 `METHOD_NOT_ALLOWED`.
    pub fn method_not_allowed() -> Self {
        Self::of(ErrorCode::MethodNotAllowed)
    }

    /// 404 `ROUTE_NOT_FOUND`.
    pub fn not_found_route() -> Self {
        Self::of(ErrorCode::RouteNotFound)
    }

    /// 404 `SESSION_NOT_FOUND`.
    pub fn session_not_found() -> Self {
        Self::of(ErrorCode::SessionNotFound)
    }

    /// 404 `STREAM_NOT_FOUND`.
    pub fn stream_not_found() -> Self {
        Self::of(ErrorCode::StreamNotFound)
    }

    /// 500 `INTERNAL_ERROR`.
    pub fn internal() -> Self {
        Self::of(ErrorCode::Internal)
    }

    /// The error as a response.
    pub fn into_response(self) -> Response<Body> {
        let mut resp = json_response(self.status, &error_envelope(self.code, &self.message));
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        Self::of(code)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "DynamoDB unavailable");
                Self::of(ErrorCode::ServiceUnavailable)
            }
            StoreError::BadCursor => Self::invalid("cursor"),
            other => {
                tracing::error!(error = %other, "store failure");
                Self::internal()
            }
        }
    }
}

/// A JSON response.
pub fn json_response(status: u16, body: &Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::Text(body.to_string()))
        .expect("valid status and headers")
}

/// `200 {"success": true, "data": data}`.
pub fn ok(data: Value) -> ApiResult {
    Ok(json_response(200, &json!({"success": true, "data": data})))
}

/// `200 {"success": true, "data": view}` for a typed view.
pub fn ok_view(view: &impl serde::Serialize) -> ApiResult {
    match serde_json::to_value(view) {
        Ok(data) => ok(data),
        Err(e) => {
            tracing::error!(error = %e, "cannot serialize a view");
            Err(ApiError::internal())
        }
    }
}

/// ISO-8601 UTC with milliseconds, e.g. `2025-08-30T22:16:15.508Z`.
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Milliseconds, never negative.
pub fn remaining_ms(d: TimeDelta) -> i64 {
    d.num_milliseconds().max(0)
}
