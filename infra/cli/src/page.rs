//! The viewer pages (the list and one stream's page), their shared script and styles and the player
//! as the local stack serves them, and the API calls the pages make (what `upstream smoke`
//! preflights; a test keeps the list equal to the pages' code).

use std::borrow::Cow;

/// The list page.
const INDEX: &str = include_str!("../assets/index.html");
/// One stream's page, served at `/s/{id}` (and `/s/?id=`).
const STREAM: &str = include_str!("../assets/s/index.html");
/// What both pages share: the API calls, the session keeping, the QRIS dialog.
const VIEWER_JS: &str = include_str!("../assets/viewer.js");
const VIEWER_CSS: &str = include_str!("../assets/viewer.css");
const PLAYER: &str = include_str!("../assets/player.js");
const HLS_JS: &str = include_str!("../assets/vendor/hls.light.min.js");
/// The sample catalog's pictures (`thumbnailUrl` paths of `infra/streams.sample.json`).
const THUMBS: &[(&str, &str)] = &[
    ("/thumbs/2.svg", include_str!("../assets/thumbs/2.svg")),
    ("/thumbs/4.svg", include_str!("../assets/thumbs/4.svg")),
];

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// The `<meta>` holding the API base the pages call (empty: their own origin).
const API_BASE_META: &str = r#"<meta name="upstream-api-base" content="">"#;

/// A request the viewer pages (or their player) make to the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiCall {
    pub method: &'static str,
    /// The route (without the query string; `{id}` where the path names a stream).
    pub path: &'static str,
    /// The request headers it sets that a cross-origin request must have allowed (lowercase).
    pub headers: &'static [&'static str],
}

/// Every API call of the pages, once per route.
pub const API_CALLS: &[ApiCall] = &[
    ApiCall {
        method: "GET",
        path: "/api/streams",
        headers: &[],
    },
    ApiCall {
        method: "GET",
        path: "/api/streams/{id}",
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

/// A page calling the API at `api_base` (`http://127.0.0.1:3001`, as a page deployed on another
/// origin does; empty: its own origin).
fn calling(page: &'static str, api_base: &str) -> Cow<'static, [u8]> {
    if api_base.is_empty() {
        return Cow::Borrowed(page.as_bytes());
    }
    let meta = format!(r#"<meta name="upstream-api-base" content="{api_base}">"#);
    Cow::Owned(page.replacen(API_BASE_META, &meta, 1).into_bytes())
}

/// Whether `path` is one stream's page: `/s/`, `/s/index.html` or `/s/{id}` (one segment).
fn is_stream_page(path: &str) -> bool {
    path.strip_prefix("/s/")
        .is_some_and(|rest| !rest.contains('/'))
}

/// The file at `path` with its content type, the pages calling the API at `api_base`.
pub fn asset(path: &str, api_base: &str) -> Option<(&'static str, Cow<'static, [u8]>)> {
    let fixed = |kind, text: &'static str| Some((kind, Cow::Borrowed(text.as_bytes())));
    match path {
        "/" | "/index.html" => Some((HTML, calling(INDEX, api_base))),
        _ if is_stream_page(path) => Some((HTML, calling(STREAM, api_base))),
        "/viewer.js" => fixed(JS, VIEWER_JS),
        "/viewer.css" => fixed("text/css; charset=utf-8", VIEWER_CSS),
        "/player.js" => fixed(JS, PLAYER),
        "/vendor/hls.light.min.js" => fixed(JS, HLS_JS),
        _ => THUMBS
            .iter()
            .find(|(p, _)| *p == path)
            .and_then(|(_, svg)| fixed("image/svg+xml", svg)),
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

    /// Every script of the pages: the two pages' own, the shared one, the player.
    const SCRIPTS: [&str; 4] = [INDEX, STREAM, VIEWER_JS, PLAYER];

    /// `(method, path, headers)` of every `api(…)` call in the pages and the player.
    fn calls_in_the_page() -> BTreeSet<(String, String, Vec<String>)> {
        let mut calls = BTreeSet::new();
        for source in SCRIPTS {
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
        let fetches: Vec<usize> = SCRIPTS
            .iter()
            .map(|s| s.matches("fetch(").count())
            .collect();
        assert_eq!(
            fetches,
            [0, 0, 1, 0],
            "the pages reach the API only through viewer.js's api()"
        );
        assert!(
            VIEWER_JS.contains(r#"body ? { "content-type": "application/json" } : {}"#),
            "api() sets content-type with a body"
        );
    }

    fn text(path: &str, api_base: &str) -> Option<(&'static str, String)> {
        asset(path, api_base).map(|(kind, b)| (kind, String::from_utf8(b.into_owned()).unwrap()))
    }

    #[test]
    fn the_pages_can_call_an_api_on_another_origin() {
        let other = r#"<meta name="upstream-api-base" content="http://127.0.0.1:4000">"#;
        for path in ["/", "/index.html", "/s/2", "/s/", "/s/index.html"] {
            let (kind, page) = text(path, "http://127.0.0.1:4000").unwrap();
            assert_eq!(kind, HTML);
            assert!(page.contains(other), "{path}");
            assert!(!page.contains(API_BASE_META), "{path}");
            let (_, same) = text(path, "").unwrap();
            assert!(
                same.contains(API_BASE_META) && !same.contains(other),
                "{path}"
            );
        }
        assert!(asset("/player.js", "http://127.0.0.1:4000").is_some());
        assert!(asset("/api/streams", "").is_none());
    }

    #[test]
    fn the_stream_page_is_served_for_one_stream_id_under_s() {
        let (_, page) = text("/s/live-musik_2", "").unwrap();
        assert!(page.contains(r#"<html lang="id">"#));
        assert!(page.contains(r#"src="../viewer.js""#));
        assert_eq!(text("/s/abc", ""), text("/s/", ""));
        assert_ne!(text("/s/abc", ""), text("/", ""));
        for path in ["/s", "/s/2/extra", "/s2", "/x/s/2"] {
            assert!(asset(path, "").is_none(), "{path}");
        }
    }

    #[test]
    fn every_file_a_page_names_is_served() {
        // `href="…"`/`src="…"` of each page, resolved against where it is served.
        for (page, dir) in [(INDEX, "/"), (STREAM, "/s/")] {
            for attr in [r#"href=""#, r#"src=""#] {
                for (at, _) in page.match_indices(attr) {
                    let target = page[at + attr.len()..].split('"').next().unwrap();
                    let path = match target.strip_prefix("../") {
                        Some(rest) => format!("/{rest}"),
                        None => format!("{dir}{target}"),
                    };
                    assert!(asset(&path, "").is_some(), "{target} from {dir}: {path}");
                }
            }
        }
        assert_eq!(
            asset("/viewer.css", "").unwrap().0,
            "text/css; charset=utf-8"
        );
    }

    #[test]
    fn the_sample_catalog_pictures_are_served() {
        let catalog =
            upstream_session::catalog::parse_catalog(include_str!("../../streams.sample.json"))
                .unwrap();
        assert!(!catalog.is_empty());
        for stream in catalog {
            let path = stream.thumbnail_url.expect("a picture").to_string();
            let (kind, svg) = asset(&path, "").expect("served");
            assert_eq!(kind, "image/svg+xml");
            assert!(std::str::from_utf8(&svg).unwrap().starts_with("<svg"));
        }
    }
}
