//! Whether a browser lets the page's call through, judged from the preflight answer as the Fetch
//! standard's CORS checks judge it.

use super::Outcome;
use crate::page::ApiCall;

/// The value of the response header `name`.
fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The browser's CORS-preflight check (Fetch standard, "CORS-preflight fetch"): an ok status, the
/// origin allowed, the method listed unless safelisted, every non-safelisted header listed.
pub fn browser_allows(
    call: &ApiCall,
    origin: &str,
    status: u16,
    headers: &[(String, String)],
) -> Outcome {
    if !(200..300).contains(&status) {
        return Outcome::Fail(format!("preflight answered HTTP {status}"));
    }
    if header(headers, "access-control-allow-origin").is_none() {
        return Outcome::Fail(format!(
            "refused (no Access-Control-Allow-Origin): check that the CorsConfiguration allows origin {origin}, method {} and headers {:?}",
            call.method, call.headers
        ));
    }
    if let Err(why) = origin_allowed(origin, headers) {
        return Outcome::Fail(why);
    }
    let list = |name| -> Vec<String> {
        header(headers, name)
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let methods = list("access-control-allow-methods");
    let safelisted = ["GET", "HEAD", "POST"].contains(&call.method);
    if !safelisted
        && !methods
            .iter()
            .any(|m| m == "*" || m.eq_ignore_ascii_case(call.method))
    {
        return Outcome::Fail(format!(
            "{} is not in Access-Control-Allow-Methods {methods:?}",
            call.method
        ));
    }
    let allowed = list("access-control-allow-headers");
    let missing: Vec<&str> = call
        .headers
        .iter()
        .copied()
        .filter(|h| !allowed.iter().any(|a| a == "*" || a == h))
        .collect();
    if !missing.is_empty() {
        return Outcome::Fail(format!(
            "{missing:?} not in Access-Control-Allow-Headers {allowed:?} (fix CorsConfiguration.AllowHeaders)"
        ));
    }
    Outcome::Pass(format!("allowed from {origin}"))
}

/// `Access-Control-Allow-Origin` lets a page of `origin` read the answer.
pub(super) fn origin_allowed(origin: &str, headers: &[(String, String)]) -> Result<(), String> {
    match header(headers, "access-control-allow-origin") {
        Some(o) if o == "*" || o == origin => Ok(()),
        Some(o) => Err(format!("Access-Control-Allow-Origin is {o}, not {origin}")),
        None => Err(format!(
            "no Access-Control-Allow-Origin for {origin} (is it in the stack's AllowedOrigins?)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    const QRIS: ApiCall = ApiCall {
        method: "POST",
        path: "/api/generate-qris",
        headers: &["content-type", "idempotency-key"],
    };

    #[test]
    fn a_preflight_passes_only_as_a_browser_would_let_the_call_through() {
        let origin = "http://page.example";
        let ok = headers(&[
            ("Access-Control-Allow-Origin", origin),
            (
                "access-control-allow-headers",
                "Content-Type, Idempotency-Key",
            ),
        ]);
        assert!(matches!(
            browser_allows(&QRIS, origin, 204, &ok),
            Outcome::Pass(_)
        ));
        let wildcard = headers(&[
            ("access-control-allow-origin", "*"),
            ("access-control-allow-headers", "*"),
        ]);
        assert!(matches!(
            browser_allows(&QRIS, origin, 200, &wildcard),
            Outcome::Pass(_)
        ));
        for (status, bad) in [
            (
                204,
                headers(&[
                    ("access-control-allow-origin", origin),
                    ("access-control-allow-headers", "content-type"),
                ]),
            ),
            (
                204,
                headers(&[(
                    "access-control-allow-headers",
                    "content-type,idempotency-key",
                )]),
            ),
            (
                204,
                headers(&[
                    ("access-control-allow-origin", "http://other.example"),
                    ("access-control-allow-headers", "*"),
                ]),
            ),
            (403, ok.clone()),
        ] {
            let outcome = browser_allows(&QRIS, origin, status, &bad);
            assert!(matches!(outcome, Outcome::Fail(_)), "{bad:?}: {outcome:?}");
        }
        let delete = ApiCall {
            method: "DELETE",
            path: "/x",
            headers: &[],
        };
        assert!(matches!(
            browser_allows(&delete, origin, 204, &ok),
            Outcome::Fail(_)
        ));
    }
}
