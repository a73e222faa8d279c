//! A refusal: what a request is refused with (status, stable code, message for people), built from
//! an [`ErrorCode`]. A value below every layer that refuses (request bodies, the edge); the edge turns
//! it into a response.

use serde_json::{Map, Value};

use crate::error_code::ErrorCode;

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
    /// Fields the envelope carries beside `success`, `error` and `code` (e.g. `candidates` of
    /// `AMBIGUOUS_SESSION`); empty for most refusals.
    pub extra: Map<String, Value>,
    kind: ErrorCode,
}

impl ApiError {
    /// The refusal `code` stands for, with its status, message and `Retry-After`.
    pub fn of(code: ErrorCode) -> Self {
        Self {
            status: code.status(),
            code: code.code(),
            message: code.message(None),
            retry_after: code.retry_after(),
            extra: Map::new(),
            kind: code,
        }
    }

    /// With one more field in the envelope (`success`, `error` and `code` cannot be replaced).
    pub fn with_field(mut self, name: &str, value: Value) -> Self {
        if !matches!(name, "success" | "error" | "code") {
            self.extra.insert(name.to_owned(), value);
        }
        self
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
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        Self::of(code)
    }
}
