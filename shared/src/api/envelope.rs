//! The response envelope of the seeds: `{"success": true, "data": …}` or
//! `{"success": false, "error": "<Bahasa Indonesia>", "code": "<STABLE_CODE>"}`.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use lambda_http::http::{HeaderValue, header};
use lambda_http::{Body, Response};
use serde_json::{Value, json};

use crate::store::StoreError;

/// A refusal with its HTTP status, stable code and message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// Seconds for `Retry-After` (503 only).
    pub retry_after: Option<u32>,
}

/// A handler's result.
pub type ApiResult = Result<Response<Body>, ApiError>;

impl ApiError {
    /// A refusal.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn missing(field: &str) -> Self {
        Self::new(
            400,
            "MISSING_FIELD",
            format!("Parameter {field} wajib diisi"),
        )
    }

    pub fn invalid(field: &str) -> Self {
        Self::new(
            400,
            "INVALID_FIELD",
            format!("Parameter {field} tidak valid"),
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            405,
            "METHOD_NOT_ALLOWED",
            "Metode HTTP tidak didukung untuk alamat ini",
        )
    }

    pub fn not_found_route() -> Self {
        Self::new(404, "ROUTE_NOT_FOUND", "Alamat tidak ditemukan")
    }

    pub fn session_not_found() -> Self {
        Self::new(404, "SESSION_NOT_FOUND", "Sesi pembayaran tidak ditemukan")
    }

    pub fn stream_not_found() -> Self {
        Self::new(
            404,
            "STREAM_NOT_FOUND",
            "Stream tidak ditemukan atau tidak aktif",
        )
    }

    pub fn internal() -> Self {
        Self::new(500, "INTERNAL_ERROR", "Terjadi kesalahan pada server")
    }

    /// The error as a response.
    pub fn into_response(self) -> Response<Body> {
        let mut resp = json_response(
            self.status,
            &json!({"success": false, "error": self.message, "code": self.code}),
        );
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
                Self {
                    retry_after: Some(1),
                    ..Self::new(
                        503,
                        "SERVICE_UNAVAILABLE",
                        "Layanan sedang sibuk, silakan coba lagi sebentar lagi",
                    )
                }
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

/// ISO-8601 UTC with milliseconds, e.g. `2025-08-30T22:16:15.508Z`.
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Milliseconds, never negative.
pub fn remaining_ms(d: TimeDelta) -> i64 {
    d.num_milliseconds().max(0)
}
