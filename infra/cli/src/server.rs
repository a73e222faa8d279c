//! A small loopback HTTP/1 server (the local stack and the admin proxy), stopping on Ctrl-C or SIGTERM.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use upstream_session::ErrorCode;

/// A request as the server hands it on: the body fully read (at most 1 MiB).
pub type Simple = Request<Bytes>;

const MAX_BODY: usize = 1024 * 1024;

/// Binds `127.0.0.1:port` (loopback only).
pub async fn bind(port: u16) -> Result<TcpListener, String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))
}

/// Serves until Ctrl-C or SIGTERM. A request whose `Host` is not this server's own loopback address
/// and port is refused with 421 before it reaches `handle` (DNS rebinding: a page of another origin
/// whose name now resolves to 127.0.0.1 must not drive these routes).
pub async fn serve<F, Fut>(listener: TcpListener, handle: F)
where
    F: Fn(Simple) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let port = match listener.local_addr() {
        Ok(addr) => addr.port(),
        Err(e) => {
            eprintln!("cannot read the listening address: {e}");
            return;
        }
    };
    let handle = Arc::new(handle);
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let handle = handle.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let handle = handle.clone();
                        async move {
                            if !own_host(&req, port) {
                                return Ok::<_, Infallible>(misdirected());
                            }
                            let (parts, body) = req.into_parts();
                            let resp = match Limited::new(body, MAX_BODY).collect().await {
                                Ok(b) => handle(Request::from_parts(parts, b.to_bytes())).await,
                                Err(_) => text(413, "text/plain; charset=utf-8", "body too large".into()),
                            };
                            Ok::<_, Infallible>(resp)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        }
    }
}

/// The `Host` values this server answers to: its own loopback address and port, nothing else.
pub fn allowed_hosts(port: u16) -> [String; 3] {
    [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ]
}

/// Whether `host` (a `Host` header value) names this server listening on `port`.
pub fn host_allowed(host: &str, port: u16) -> bool {
    allowed_hosts(port)
        .iter()
        .any(|h| h.eq_ignore_ascii_case(host))
}

/// The request's `Host` (and the authority of an absolute-form target, if any) names this server.
fn own_host<B>(req: &Request<B>, port: u16) -> bool {
    let mut hosts = req.headers().get_all(hyper::header::HOST).iter();
    let host_ok = match (hosts.next(), hosts.next()) {
        (Some(h), None) => h.to_str().is_ok_and(|h| host_allowed(h, port)),
        _ => false,
    };
    let authority_ok = req
        .uri()
        .authority()
        .is_none_or(|a| host_allowed(a.as_str(), port));
    host_ok && authority_ok
}

/// 421 with the JSON error envelope.
pub fn misdirected() -> Response<Full<Bytes>> {
    let code = ErrorCode::MisdirectedRequest;
    text(
        code.status(),
        "application/json; charset=utf-8",
        code.envelope(None).into_bytes(),
    )
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// A response with a body and content type.
pub fn text(status: u16, content_type: &str, body: Vec<u8>) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(Bytes::from(body)))
        .expect("valid response")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_own_loopback_address_and_port_are_allowed() {
        for ok in [
            "127.0.0.1:3001",
            "localhost:3001",
            "LOCALHOST:3001",
            "[::1]:3001",
        ] {
            assert!(host_allowed(ok, 3001), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:3001",
            "127.0.0.1.nip.io:3001",
            "127.0.0.1",
            "localhost",
            "127.0.0.1:3002",
            "localhost.:3001",
            "0.0.0.0:3001",
            "127.0.0.2:3001",
            "[::1]",
            "127.0.0.1:3001 ",
            "",
        ] {
            assert!(!host_allowed(bad, 3001), "{bad}");
        }
    }

    #[test]
    fn requests_need_exactly_one_good_host() {
        let req = |hosts: &[&str], uri: &str| {
            let mut b = Request::builder().uri(uri);
            for h in hosts {
                b = b.header("host", *h);
            }
            b.body(()).unwrap()
        };
        assert!(own_host(&req(&["127.0.0.1:80"], "/x"), 80));
        assert!(!own_host(&req(&[], "/x"), 80));
        assert!(!own_host(&req(&["127.0.0.1:80", "evil.example"], "/x"), 80));
        assert!(!own_host(
            &req(&["127.0.0.1:80"], "http://evil.example/x"),
            80
        ));
        assert!(own_host(
            &req(&["127.0.0.1:80"], "http://127.0.0.1:80/x"),
            80
        ));
    }
}
