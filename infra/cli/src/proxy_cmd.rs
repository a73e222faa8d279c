//! `upstream admin-proxy`: serves the admin page on loopback and forwards every request to the admin
//! Function URL, signed with the operator's own AWS identity.

use std::sync::Arc;

use crate::server;
use crate::target::{Target, TargetArgs};
use upstream_session::ErrorCode;

/// `upstream admin-proxy [--port 3002] --url URL`.
#[derive(clap::Args)]
pub struct ProxyArgs {
    #[arg(long, default_value_t = 3002)]
    pub port: u16,
    #[command(flatten)]
    pub target: TargetArgs,
}

pub fn run(args: ProxyArgs) -> Result<(), String> {
    let target = Arc::new(args.target.resolve()?);
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let listener = server::bind(args.port).await?;
        println!(
            "Admin page: http://127.0.0.1:{}/admin/approve  →  {}",
            args.port,
            target.base()
        );
        server::serve(listener, move |req| {
            let target = target.clone();
            async move { forward(&target, req).await }
        })
        .await;
        Ok(())
    })
}

async fn forward(
    target: &Arc<Target>,
    req: server::Simple,
) -> hyper::Response<http_body_util::Full<hyper::body::Bytes>> {
    if req.uri().path() == "/" {
        return hyper::Response::builder()
            .status(302)
            .header("location", "/admin/approve")
            .body(Default::default())
            .expect("valid redirect");
    }
    let method = req.method().to_string();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_else(|| "/".into());
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter(|(k, _)| matches!(k.as_str(), "content-type" | "accept"))
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let body = req.into_body().to_vec();
    let target = target.clone();
    let result =
        tokio::task::spawn_blocking(move || target.send(&method, &path, &headers, &body)).await;
    match result {
        Ok(Ok((status, headers, body))) => {
            let ct = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| "application/octet-stream".into());
            with_security_headers(server::text(status, &ct, body), &headers)
        }
        Ok(Err(e)) => bad_gateway(&e),
        Err(e) => bad_gateway(&e.to_string()),
    }
}

/// 502 with the JSON error envelope; the detail goes to the operator's terminal.
fn bad_gateway(detail: &str) -> hyper::Response<http_body_util::Full<hyper::body::Bytes>> {
    eprintln!("admin-proxy: {detail}");
    let code = ErrorCode::BadGateway;
    with_security_headers(
        server::text(
            code.status(),
            "application/json; charset=utf-8",
            code.envelope(None).into_bytes(),
        ),
        &[],
    )
}

/// The admin page's security headers and the value the proxy adds when the upstream answer lacks one.
pub const SECURITY_HEADERS: [(&str, &str); 4] = [
    (
        "content-security-policy",
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; frame-ancestors 'none'",
    ),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
];

/// Keeps the upstream's security headers and adds the missing ones.
fn with_security_headers(
    mut resp: hyper::Response<http_body_util::Full<hyper::body::Bytes>>,
    upstream: &[(String, String)],
) -> hyper::Response<http_body_util::Full<hyper::body::Bytes>> {
    for (name, default) in SECURITY_HEADERS {
        let value = upstream
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map_or(default, |(_, v)| v.as_str());
        if let Ok(value) = hyper::header::HeaderValue::from_str(value) {
            resp.headers_mut().insert(name, value);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_security_headers_are_kept_and_missing_ones_added() {
        let upstream = vec![
            (
                "Content-Security-Policy".to_owned(),
                "default-src 'none'".to_owned(),
            ),
            ("x-frame-options".to_owned(), "DENY".to_owned()),
        ];
        let resp = with_security_headers(server::text(200, "text/html", vec![]), &upstream);
        let h = resp.headers();
        assert_eq!(h["content-security-policy"], "default-src 'none'");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        let bare = with_security_headers(server::text(502, "text/plain", vec![]), &[]);
        assert!(
            bare.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
    }
}
