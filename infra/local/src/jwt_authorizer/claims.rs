//! Claims as API Gateway hands them to a function (`requestContext.authorizer.jwt.claims`): every
//! value a string; numbers and booleans as their JSON text, arrays as `[a b c]` (space-separated in
//! brackets, not JSON), objects as JSON text, null claims left out. Scopes from `scope` or `scp`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// One claim value as API Gateway renders it; `None` for null.
pub(super) fn render(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(_) | Value::Number(_) | Value::Object(_) => Some(value.to_string()),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().filter_map(render).collect();
            Some(format!("[{}]", items.join(" ")))
        }
    }
}

/// Every non-null claim, rendered.
pub(super) fn render_all(claims: &Map<String, Value>) -> BTreeMap<String, String> {
    claims
        .iter()
        .filter_map(|(name, value)| Some((name.clone(), render(value)?)))
        .collect()
}

/// The token's scopes: `scope` (space-separated), else `scp` (an array or a space-separated string).
pub(super) fn scopes(claims: &Map<String, Value>) -> Vec<String> {
    let words = |s: &str| s.split_whitespace().map(str::to_owned).collect();
    match (claims.get("scope"), claims.get("scp")) {
        (Some(Value::String(s)), _) => words(s),
        (_, Some(Value::String(s))) => words(s),
        (_, Some(Value::Array(items))) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// `aud` as a list (a string or an array of strings); `None` when absent.
pub(super) fn audiences(claims: &Map<String, Value>) -> Option<Vec<&str>> {
    match claims.get("aud")? {
        Value::String(aud) => Some(vec![aud.as_str()]),
        Value::Array(items) => Some(items.iter().filter_map(Value::as_str).collect()),
        _ => Some(Vec::new()),
    }
}

/// A numeric date claim (`exp`, `nbf`, `iat`): `Some(Err)` when present but not a number.
pub(super) fn numeric_date(claims: &Map<String, Value>, name: &str) -> Option<Result<i64, ()>> {
    let value = claims.get(name)?;
    Some(
        value
            .as_i64()
            .or_else(|| value.as_f64().map(|f| f.floor() as i64))
            .ok_or(()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn every_claim_becomes_a_string_as_api_gateway_renders_it() {
        let claims = map(json!({
            "sub": "alice", "exp": 1767225600, "email_verified": true, "ratio": 1.5,
            "groups": ["admin", "viewer"], "nested": [["a", 1], null], "gone": null,
            "address": {"country": "ID"}
        }));
        let rendered = render_all(&claims);
        let expected: BTreeMap<String, String> = [
            ("sub", "alice"),
            ("exp", "1767225600"),
            ("email_verified", "true"),
            ("ratio", "1.5"),
            ("groups", "[admin viewer]"),
            ("nested", "[[a 1]]"),
            ("address", r#"{"country":"ID"}"#),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(rendered, expected);
    }

    #[test]
    fn scopes_come_from_scope_then_scp() {
        assert_eq!(
            scopes(&map(json!({"scope": " openid  api "}))),
            ["openid", "api"]
        );
        assert_eq!(
            scopes(&map(json!({"scp": ["api", 3, "read"]}))),
            ["api", "read"]
        );
        assert_eq!(scopes(&map(json!({"scp": "api read"}))), ["api", "read"]);
        assert_eq!(scopes(&map(json!({"scope": "a", "scp": ["b"]}))), ["a"]);
        assert!(scopes(&map(json!({"scope": 7}))).is_empty());
    }

    #[test]
    fn audiences_and_dates_keep_their_shape() {
        assert_eq!(audiences(&map(json!({"aud": "x"}))), Some(vec!["x"]));
        assert_eq!(
            audiences(&map(json!({"aud": ["x", 1, "y"]}))),
            Some(vec!["x", "y"])
        );
        assert_eq!(audiences(&map(json!({"aud": 5}))), Some(vec![]));
        assert_eq!(audiences(&map(json!({}))), None);
        let claims = map(json!({"exp": 10, "nbf": 2.9, "iat": "5"}));
        assert_eq!(numeric_date(&claims, "exp"), Some(Ok(10)));
        assert_eq!(numeric_date(&claims, "nbf"), Some(Ok(2)));
        assert_eq!(numeric_date(&claims, "iat"), Some(Err(())));
        assert_eq!(numeric_date(&claims, "other"), None);
    }
}
