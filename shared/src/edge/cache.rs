//! Cacheable public answers: `Cache-Control: public, max-age=…`, a strong `ETag` over the body, and
//! `304 Not Modified` (no body) when the request's `If-None-Match` names it.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use sha2::{Digest, Sha256};

use super::{ApiResult, ok_view};

/// How long browsers and CDNs may reuse a public catalog answer, in seconds.
pub const PUBLIC_MAX_AGE: u32 = 30;

/// `200 {"success": true, "data": view}` cacheable for `max_age` seconds, with its `ETag`; `304`
/// without a body when `If-None-Match` lists that tag (weak comparison, or `*`).
pub fn cached_view(req: &Request, view: &impl serde::Serialize, max_age: u32) -> ApiResult {
    let mut resp = ok_view(view)?;
    let tag = etag(resp.body());
    let control = format!("public, max-age={max_age}");
    if if_none_match(req, &tag) {
        resp = Response::new(Body::Empty);
        *resp.status_mut() = StatusCode::NOT_MODIFIED;
    }
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&control) {
        headers.insert(header::CACHE_CONTROL, v);
    }
    if let Ok(v) = HeaderValue::from_str(&tag) {
        headers.insert(header::ETAG, v);
    }
    Ok(resp)
}

/// A strong entity tag: the first 128 bits of the body's SHA-256, in hex and quotes.
pub fn etag(body: &Body) -> String {
    let digest = Sha256::digest(body.as_ref());
    format!("\"{}\"", hex::encode(&digest[..16]))
}

/// Whether a request's `If-None-Match` headers list `tag` (`W/` prefixes ignored) or `*`.
fn if_none_match(req: &Request, tag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == tag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn get(if_none_match: Option<&str>) -> Request {
        let mut req = lambda_http::http::Request::builder().uri("/api/streams");
        if let Some(v) = if_none_match {
            req = req.header(header::IF_NONE_MATCH, v);
        }
        req.body(Body::Empty).unwrap()
    }

    #[test]
    fn a_matching_tag_answers_304_without_a_body() {
        let view = json!({"streams": []});
        let first = cached_view(&get(None), &view, 30).unwrap();
        assert_eq!(first.status(), 200);
        assert_eq!(first.headers()[header::CACHE_CONTROL], "public, max-age=30");
        let tag = first.headers()[header::ETAG].to_str().unwrap().to_owned();
        assert_eq!(tag.len(), 34);
        assert_eq!(tag, etag(first.body()));
        for header in [
            tag.clone(),
            format!("W/{tag}"),
            format!("\"x\", {tag}"),
            "*".into(),
        ] {
            let again = cached_view(&get(Some(&header)), &view, 30).unwrap();
            assert_eq!(again.status(), 304, "{header}");
            assert!(again.body().is_empty());
            assert_eq!(again.headers()[header::ETAG], tag.as_str());
        }
        let other = cached_view(&get(Some("\"stale\"")), &view, 30).unwrap();
        assert_eq!(other.status(), 200);
        let changed = cached_view(&get(Some(&tag)), &json!({"streams": [1]}), 30).unwrap();
        assert_eq!(changed.status(), 200, "a changed body is a new tag");
    }
}
