//! The response envelope every answer uses (the original design's API shape): `{"success": true, "data": …}` or
//! `{"success": false, "error": "<Bahasa Indonesia>", "code": "<STABLE_CODE>"}`.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use lambda_http::http::{HeaderValue, header};
use lambda_http::{Body, Response};
use serde_json::{Value, json};

use crate::error_code::{ErrorCode, error_envelope};
pub use crate::refusal::ApiError;
use crate::store::StoreError;

/// A handler's result.
pub type ApiResult = Result<Response<Body>, ApiError>;

impl ApiError {
    /// The error as a response.
    pub fn into_response(self) -> Response<Body> {
        let mut body = error_envelope(self.code, &self.message);
        if let Value::Object(fields) = &mut body {
            fields.extend(self.extra);
        }
        let mut resp = json_response(self.status, &body);
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
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
