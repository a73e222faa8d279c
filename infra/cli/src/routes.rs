//! Every HTTP route of the product and the function that serves it: the list the local stack serves
//! and the SAM template must match.

/// `(function, method, path)`; the admin function is reached only through its Function URL.
pub fn all() -> Vec<(&'static str, &'static str, &'static str)> {
    let mut routes = Vec::new();
    for (function, list) in [
        ("generate-qris", generate_qris::ROUTES),
        ("payment-callback", payment_callback::ROUTES),
        ("check-access", check_access::ROUTES),
        ("user-sessions", user_sessions::ROUTES),
        ("streams", streams::ROUTES),
        ("admin", admin::ROUTES),
        ("playback-auth", playback_auth::ROUTES),
    ] {
        for (method, path) in list {
            routes.push((function, *method, *path));
        }
    }
    routes
}

/// The function serving `path` (path parameters match any one segment).
pub fn function_for(path: &str) -> Option<&'static str> {
    let path = path.trim_end_matches('/');
    all()
        .into_iter()
        .find(|(_, _, pattern)| matches(pattern, path))
        .map(|(f, _, _)| f)
}

fn matches(pattern: &str, path: &str) -> bool {
    let p: Vec<_> = pattern.split('/').collect();
    let a: Vec<_> = path.split('/').collect();
    p.len() == a.len()
        && p.iter()
            .zip(&a)
            .all(|(p, a)| (p.starts_with('{') && !a.is_empty()) || p == a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing() {
        assert_eq!(function_for("/api/generate-qris"), Some("generate-qris"));
        assert_eq!(
            function_for("/admin/sessions/session_x/events"),
            Some("admin")
        );
        assert_eq!(function_for("/admin/streams/2"), Some("admin"));
        assert_eq!(function_for("/api/nope"), None);
        assert_eq!(
            function_for("/api/.well-known/jwks.json"),
            Some("playback-auth")
        );
        assert_eq!(
            function_for("/api/playback-auth/nginx"),
            Some("playback-auth")
        );
    }
}
