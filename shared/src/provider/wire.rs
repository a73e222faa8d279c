//! Wire helpers the gateway adapters share: constant-time comparison, money strings, Basic
//! authentication, base URLs, secrets and endpoints.

use super::types::{ProviderConfigError, ProviderError, Secret};
use crate::domain::Amount;

/// Constant-time equality of two byte strings (length is not hidden).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Parses a gateway's money string (`"5539.00"`, `"5539"`) as whole rupiah: digits, an optional
/// fraction of zeros only, greater than zero and at most [`Amount::MAX`].
pub(crate) fn parse_rupiah(raw: &str) -> Option<u64> {
    let (whole, fraction) = match raw.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (raw, None),
    };
    if whole.is_empty() || whole.len() > 16 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some(f) = fraction
        && (f.is_empty() || !f.bytes().all(|b| b == b'0'))
    {
        return None;
    }
    let value: u64 = whole.parse().ok()?;
    (1..=Amount::MAX).contains(&value).then_some(value)
}

/// `Basic base64(user + ":")`, the gateways' server-key authentication.
pub(crate) fn basic_auth(user: &Secret) -> String {
    use base64::Engine;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{}:", user.expose()));
    format!("Basic {token}")
}

/// Reads a base URL setting: `http(s)://host[:port][/path]`, no trailing slash kept.
pub(crate) fn base_url(
    name: &'static str,
    raw: Option<String>,
    default: &str,
) -> Result<String, ProviderConfigError> {
    let raw = raw.unwrap_or_else(|| default.to_owned());
    let url = url::Url::parse(raw.trim()).map_err(|e| ProviderConfigError::Invalid {
        name,
        why: e.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ProviderConfigError::Invalid {
            name,
            why: "must be an http(s) URL".into(),
        });
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A required, non-empty secret setting.
pub(crate) fn secret(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Secret, ProviderConfigError> {
    match lookup(name) {
        Some(v) if !v.trim().is_empty() => Ok(Secret::new(v.trim())),
        _ => Err(ProviderConfigError::Missing(name)),
    }
}

/// `base` + `/` + each segment, percent-encoded.
pub(crate) fn endpoint(base: &str, segments: &[&str]) -> Result<url::Url, ProviderError> {
    let mut url = url::Url::parse(base).map_err(|e| ProviderError::Rejected(e.to_string()))?;
    url.path_segments_mut()
        .map_err(|_| ProviderError::Rejected("base URL cannot take a path".into()))?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}
