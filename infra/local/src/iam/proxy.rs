//! The IAM-enforcing loopback proxy: one per function (per identity and policy), in front of
//! DynamoDB Local. Each request's checks ([`checks`]) are evaluated against the policy; an allowed
//! request is forwarded byte for byte (DynamoDB Local checks no signature) and its answer relayed
//! unchanged, a refused one is answered as DynamoDB answers it. Blocking I/O on its own threads: it
//! serves a Tokio test, a synchronous one and a Lambda emulator alike, whatever runtime they use.

use std::collections::HashMap;
use std::io::{self, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use super::http::{Head, read_body, read_head, relay_response};
use super::{Denial, Identity, Policy, checks};

/// How long the proxy waits for DynamoDB Local's answer before giving up on the connection.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(120);

/// A running proxy; stopped (listener and open connections) when dropped.
pub struct IamProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

struct Shared {
    identity: Identity,
    policy: Policy,
    upstream: SocketAddr,
    stopped: AtomicBool,
    next_id: AtomicU64,
    /// DynamoDB requests checked (allowed or refused).
    checked: AtomicU64,
    /// Open client connections, to shut down with the proxy.
    connections: Mutex<HashMap<u64, TcpStream>>,
    denials: Mutex<Vec<Denial>>,
}

impl IamProxy {
    /// Starts a proxy on a free loopback port in front of `upstream` (`http://127.0.0.1:8000`),
    /// calling as `identity` under `policy`.
    pub fn start(upstream: &str, identity: Identity, policy: Policy) -> io::Result<Self> {
        let authority = upstream
            .strip_prefix("http://")
            .ok_or_else(|| io::Error::other(format!("not an http:// endpoint: {upstream}")))?
            .trim_end_matches('/');
        let upstream = authority
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::other(format!("no address for {authority}")))?;
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            identity,
            policy,
            upstream,
            stopped: AtomicBool::new(false),
            next_id: AtomicU64::new(0),
            checked: AtomicU64::new(0),
            connections: Mutex::new(HashMap::new()),
            denials: Mutex::new(Vec::new()),
        });
        let acceptor = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("iam-proxy-{}", shared.identity.session))
                .spawn(move || accept(&listener, &shared))?
        };
        Ok(Self {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The endpoint URL for an SDK client (`DYNAMODB_ENDPOINT`).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The identity it calls as.
    pub fn identity(&self) -> &Identity {
        &self.shared.identity
    }

    /// How many DynamoDB requests it checked so far (allowed or refused).
    pub fn checked(&self) -> u64 {
        self.shared.checked.load(Ordering::SeqCst)
    }

    /// Every request it refused so far, in order.
    pub fn denials(&self) -> Vec<Denial> {
        self.shared
            .denials
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for IamProxy {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        // Wake the acceptor, then end every open connection.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        let connections = std::mem::take(
            &mut *self
                .shared
                .connections
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for stream in connections.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

fn accept(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopped.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
        if let Ok(copy) = stream.try_clone() {
            shared
                .connections
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(id, copy);
        }
        let shared = shared.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("iam-proxy-{}-{id}", shared.identity.session))
            .spawn(move || {
                let _ = serve(&shared, stream);
                shared
                    .connections
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&id);
            });
        if spawned.is_err() {
            // No thread for it: the connection is dropped, the client sees it closed.
            continue;
        }
    }
}

/// The proxy's connection to DynamoDB Local, kept open across the client's requests.
struct Upstream {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

fn serve(shared: &Shared, client: TcpStream) -> io::Result<()> {
    client.set_nodelay(true)?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut writer = client;
    let mut upstream: Option<Upstream> = None;
    loop {
        let Some(head) = read_head(&mut reader)? else {
            return Ok(());
        };
        if shared.stopped.load(Ordering::SeqCst) {
            return Ok(());
        }
        let mut raw_head = head.raw.clone();
        if head.has_token("expect", "100-continue") {
            writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
            raw_head = head.without("expect");
        }
        let body = match read_body(&mut reader, &head) {
            Ok(body) => body,
            Err(e) => {
                let text = e.to_string();
                write!(
                    writer,
                    "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                    text.len()
                )?;
                return Ok(());
            }
        };
        let client_close = head.has_token("connection", "close");
        let needed = match head.header("x-amz-target") {
            Some(target) => {
                shared.checked.fetch_add(1, Ordering::SeqCst);
                checks(target, &body, &shared.identity)
            }
            None => Vec::new(),
        };
        if let Err(denial) = shared.policy.authorize(&needed) {
            let principal = shared.identity.principal();
            eprintln!(
                "IAM (local): denied {principal}: {} on {}",
                denial.check.action, denial.check.resource
            );
            let answer = denied_response(&denial.message(&principal));
            // Recorded before the answer: whoever reads the answer finds it listed.
            shared
                .denials
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(denial);
            writer.write_all(&answer)?;
        } else {
            let head_request = head.first_line.starts_with("HEAD ");
            let mut answer = forward(shared, &mut upstream, &raw_head, &body)?;
            let conn = upstream
                .as_mut()
                .ok_or_else(|| io::Error::other("no upstream connection"))?;
            loop {
                let interim = answer.first_line.split_whitespace().nth(1) == Some("100");
                let keep_alive =
                    relay_response(&answer, &mut conn.reader, &mut writer, head_request)?;
                if !keep_alive {
                    return Ok(());
                }
                if !interim {
                    break;
                }
                answer = read_head(&mut conn.reader)?.ok_or_else(|| {
                    io::Error::new(io::ErrorKind::UnexpectedEof, "no final response")
                })?;
            }
        }
        writer.flush()?;
        if client_close {
            return Ok(());
        }
    }
}

/// Sends a request upstream and reads its answer's head. A kept-alive connection that DynamoDB
/// Local closed while idle is replaced once (it never saw the request).
fn forward(
    shared: &Shared,
    upstream: &mut Option<Upstream>,
    head: &[u8],
    body: &[u8],
) -> io::Result<Head> {
    for _ in 0..2 {
        let reused = upstream.is_some();
        let conn = match upstream {
            Some(conn) => conn,
            None => upstream.insert(connect(shared.upstream)?),
        };
        let sent = conn
            .writer
            .write_all(head)
            .and_then(|()| conn.writer.write_all(body));
        match sent.and_then(|()| read_head(&mut conn.reader)) {
            Ok(Some(answer)) => return Ok(answer),
            Ok(None) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::BrokenPipe
                        | io::ErrorKind::ConnectionReset
                        | io::ErrorKind::ConnectionAborted
                ) => {}
            Err(e) => return Err(e),
        }
        *upstream = None;
        if !reused {
            break;
        }
    }
    Err(io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "DynamoDB Local closed the connection without answering",
    ))
}

fn connect(addr: SocketAddr) -> io::Result<Upstream> {
    let stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(UPSTREAM_TIMEOUT))?;
    Ok(Upstream {
        reader: BufReader::new(stream.try_clone()?),
        writer: stream,
    })
}

/// DynamoDB's answer to a call IAM refused: 400, `AccessDeniedException`, JSON 1.0.
fn denied_response(message: &str) -> Vec<u8> {
    let body = serde_json::json!({
        "__type": "com.amazon.coral.service#AccessDeniedException",
        "Message": message,
    })
    .to_string();
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(body.as_bytes());
    format!(
        "HTTP/1.1 400 Bad Request\r\n\
         x-amzn-RequestId: {}\r\n\
         x-amzn-ErrorType: AccessDeniedException\r\n\
         x-amz-crc32: {crc}\r\n\
         content-type: application/x-amz-json-1.0\r\n\
         content-length: {}\r\n\r\n{body}",
        request_id(),
        body.len()
    )
    .into_bytes()
}

/// A request id in DynamoDB's form (52 characters of `[A-Z0-9]`).
fn request_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut bytes = [0u8; 52];
    // Without randomness the id is still well formed.
    let _ = getrandom::fill(&mut bytes);
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}
