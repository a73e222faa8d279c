//! `upstream admin-proxy`: serves the admin page on loopback and forwards every request to the admin
//! Function URL, signed with the operator's own AWS identity.

use std::sync::Arc;

use crate::server;
use crate::target::{Target, TargetArgs};

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
            server::text(status, &ct, body)
        }
        Ok(Err(e)) => server::text(502, "text/plain; charset=utf-8", e.into_bytes()),
        Err(e) => server::text(502, "text/plain; charset=utf-8", e.to_string().into_bytes()),
    }
}
