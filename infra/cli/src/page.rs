//! The viewer page and its player as the local stack serves them, and the API calls the page makes
//! (what `upstream smoke` preflights; a test keeps the list equal to the page's code).

/// The viewer page (its API base `<meta>` empty: the API on the page's own origin).
pub const VIEWER: &str = include_str!("../assets/index.html");
const PLAYER: &str = include_str!("../assets/player.js");
const HLS_JS: &str = include_str!("../assets/vendor/hls.light.min.js");
/// The sample catalog's pictures (`thumbnailUrl` paths of `infra/streams.sample.json`).
const THUMBS: &[(&str, &str)] = &[
    ("/thumbs/2.svg", include_str!("../assets/thumbs/2.svg")),
    ("/thumbs/4.svg", include_str!("../assets/thumbs/4.svg")),
];

/// The `<meta>` holding the API base the page calls (empty: its own origin).
const API_BASE_META: &str = r#"<meta name="upstream-api-base" content="">"#;

/// A request the viewer page (or its player) makes to the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiCall {
    pub method: &'static str,
    /// The route (without the query string).
    pub path: &'static str,
    /// The request headers it sets that a cross-origin request must have allowed (lowercase).
    pub headers: &'static [&'static str],
}

/// Every API call of the page, once per route.
pub const API_CALLS: &[ApiCall] = &[
    ApiCall {
        method: "GET",
        path: "/api/streams",
        headers: &[],
    },
    ApiCall {
        method: "GET",
        path: "/api/check-access",
        headers: &[],
    },
    ApiCall {
        method: "POST",
        path: "/api/generate-qris",
        headers: &["content-type", "idempotency-key"],
    },
    ApiCall {
        method: "GET",
        path: "/api/payment-callback",
        headers: &[],
    },
];

/// The viewer page calling the API at `base` (`http://127.0.0.1:3001`), as a page deployed on
/// another origin does.
pub fn viewer_calling(base: &str) -> String {
    VIEWER.replacen(
        API_BASE_META,
        &format!(r#"<meta name="upstream-api-base" content="{base}">"#),
        1,
    )
}

/// The file at `path` with its content type, the page itself being `viewer`.
pub fn asset<'a>(path: &str, viewer: &'a str) -> Option<(&'static str, &'a [u8])> {
    match path {
        "/" | "/index.html" => Some(("text/html; charset=utf-8", viewer.as_bytes())),
        "/player.js" => Some(("text/javascript; charset=utf-8", PLAYER.as_bytes())),
        "/vendor/hls.light.min.js" => Some(("text/javascript; charset=utf-8", HLS_JS.as_bytes())),
        _ => THUMBS
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, svg)| ("image/svg+xml", svg.as_bytes())),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The top-level arguments of the call whose `(` is at the start of `text`, as written.
    fn arguments(text: &str) -> Vec<String> {
        let mut args = vec![String::new()];
        let mut depth = 0;
        let mut quote: Option<char> = None;
        for c in text.chars().skip(1) {
            if let Some(q) = quote {
                if c == q {
                    quote = None;
                }
            } else {
                match c {
                    '"' | '\'' | '`' => quote = Some(c),
                    '(' | '{' | '[' => depth += 1,
                    ')' if depth == 0 => break,
                    ')' | '}' | ']' => depth -= 1,
                    ',' if depth == 0 => {
                        args.push(String::new());
                        continue;
                    }
                    _ => {}
                }
            }
            args.last_mut().unwrap().push(c);
        }
        args.into_iter().map(|a| a.trim().to_owned()).collect()
    }

    /// The first string literal of an expression.
    fn literal(expr: &str) -> &str {
        expr.split('"').nth(1).unwrap_or_default()
    }

    /// `(method, path, headers)` of every `api(…)` call in the page and the player.
    fn calls_in_the_page() -> BTreeSet<(String, String, Vec<String>)> {
        let mut calls = BTreeSet::new();
        for source in [VIEWER, PLAYER] {
            for (at, _) in source.match_indices("api(\"") {
                let args = arguments(&source[at + 3..]);
                let path = literal(&args[1]);
                let path = path.split('?').next().unwrap().to_owned();
                // `api()` sets content-type whenever it sends a body (the third argument).
                let mut headers: Vec<String> = args
                    .get(2)
                    .filter(|b| !["undefined", "null"].contains(&b.as_str()))
                    .map(|_| "content-type".to_owned())
                    .into_iter()
                    .collect();
                if let Some(extra) = args.get(3) {
                    headers.extend(extra.split('"').skip(1).step_by(2).map(str::to_lowercase));
                }
                headers.sort();
                calls.insert((literal(&args[0]).to_owned(), path, headers));
            }
        }
        calls
    }

    #[test]
    fn the_api_calls_are_the_ones_the_page_makes() {
        let listed: BTreeSet<_> = API_CALLS
            .iter()
            .map(|c| {
                let mut headers: Vec<String> = c.headers.iter().map(|h| h.to_string()).collect();
                headers.sort();
                (c.method.to_owned(), c.path.to_owned(), headers)
            })
            .collect();
        assert_eq!(calls_in_the_page(), listed);
        assert_eq!(
            VIEWER.matches("fetch(").count(),
            1,
            "the page reaches the API only through api()"
        );
        assert!(
            VIEWER.contains(r#"body ? { "content-type": "application/json" } : {}"#),
            "api() sets content-type with a body"
        );
        assert!(!PLAYER.contains("fetch("));
    }

    #[test]
    fn the_page_can_call_an_api_on_another_origin() {
        let page = viewer_calling("http://127.0.0.1:4000");
        assert!(
            page.contains(r#"<meta name="upstream-api-base" content="http://127.0.0.1:4000">"#)
        );
        assert!(!page.contains(API_BASE_META));
        assert_eq!(asset("/", &page).map(|(_, b)| b.len()), Some(page.len()));
        assert!(asset("/player.js", &page).is_some());
        assert!(asset("/api/streams", &page).is_none());
    }

    #[test]
    fn the_sample_catalog_pictures_are_served() {
        let catalog =
            upstream_session::catalog::parse_catalog(include_str!("../../streams.sample.json"))
                .unwrap();
        assert!(!catalog.is_empty());
        for stream in catalog {
            let path = stream.thumbnail_url.expect("a picture").to_string();
            let (kind, svg) = asset(&path, VIEWER).expect("served");
            assert_eq!(kind, "image/svg+xml");
            assert!(std::str::from_utf8(svg).unwrap().starts_with("<svg"));
        }
    }
}
