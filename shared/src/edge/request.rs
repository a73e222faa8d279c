//! Reading requests: bodies (size, media type, JSON), query parameters into domain types.

use lambda_http::http::header;
use lambda_http::{Request, RequestExt};
use serde::de::DeserializeOwned;

use super::ApiError;
use crate::error_code::ErrorCode;

/// Largest accepted body: 16 KiB.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The raw body, refused above [`MAX_BODY_BYTES`].
pub fn raw_body(req: &Request) -> Result<&[u8], ApiError> {
    let body: &[u8] = req.body().as_ref();
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::of(ErrorCode::PayloadTooLarge));
    }
    Ok(body)
}

/// A JSON object body read into its [request type](crate::requests): 413 when too large, 415 when
/// not declared JSON, 400 when not a JSON object.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    let body = raw_body(req)?;
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        });
    if !is_json {
        return Err(ApiError::of(ErrorCode::UnsupportedMediaType));
    }
    crate::requests::from_object(body).map_err(|_| ApiError::of(ErrorCode::InvalidJson))
}

/// A query-string parameter.
pub fn query(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters_ref()
        .and_then(|q| q.first(name))
        .map(str::to_owned)
}

/// A required query parameter parsed into a domain type.
pub fn require_query<T, E>(
    req: &Request,
    name: &str,
    parse: impl FnOnce(String) -> Result<T, E>,
) -> Result<T, ApiError> {
    let raw = query(req, name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing(name))?;
    parse(raw).map_err(|_| ApiError::invalid(name))
}
