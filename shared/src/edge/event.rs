//! API Gateway HTTP API (payload format 2.0) events: what `sam local invoke -e` takes, what tests
//! replay and what the local stack builds for each HTTP request; and the EventBridge scheduled event
//! the local stack sends a scheduled function each period.

use serde_json::{Map, Value, json};

/// Builds a v2 event. `query` is the raw query string without `?`.
pub fn http_v2_event(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    body: Option<&str>,
) -> Value {
    let mut hdrs = Map::new();
    for (k, v) in headers {
        let k = k.to_ascii_lowercase();
        match hdrs.get_mut(&k) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(v);
            }
            _ => {
                hdrs.insert(k, Value::String(v.clone()));
            }
        }
    }
    let mut params = Map::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        params
            .entry(k.into_owned())
            .or_insert(Value::String(v.into_owned()));
    }
    let route_key = format!("{method} {path}");
    json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": hdrs,
        "queryStringParameters": if params.is_empty() { Value::Null } else { Value::Object(params) },
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "upstream-local"},
            "requestId": format!("local-{:016x}", rand_u64()),
            "routeKey": route_key,
            "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000",
            "timeEpoch": 0
        },
        "body": body,
        "isBase64Encoded": false
    })
}

/// EventBridge's `Scheduled Event` of the rule `rule` (an ARN) at `time`, as Lambda receives it.
pub fn scheduled_event(time: chrono::DateTime<chrono::Utc>, rule: &str) -> Value {
    json!({
        "version": "0",
        "id": format!("local-{:016x}", rand_u64()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "region": "ap-southeast-3",
        "resources": [rule],
        "detail": {}
    })
}

/// Turns an event into the request a handler receives.
pub fn request_from_event(event: &Value) -> Result<lambda_http::Request, String> {
    lambda_http::request::from_str(&event.to_string()).map_err(|e| e.to_string())
}

fn rand_u64() -> u64 {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    u64::from_le_bytes(b)
}
