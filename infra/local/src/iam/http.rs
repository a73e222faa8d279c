//! Just enough HTTP/1.1 for the proxy: read a request (head and `Content-Length` body) as raw
//! bytes, and relay a response (any framing) from one stream to another unchanged.

use std::io::{self, BufRead, Read, Write};

/// Longest head accepted (request or response line and headers).
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body accepted (DynamoDB's own limit is 16 MB for a batch).
const MAX_BODY: usize = 32 * 1024 * 1024;

/// A message head: its raw bytes (through the blank line) and its headers.
pub(super) struct Head {
    pub raw: Vec<u8>,
    pub first_line: String,
    headers: Vec<(String, String)>,
}

impl Head {
    /// The value of header `name` (case-insensitive), the first if repeated.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether header `name` lists `token` (case-insensitive, comma-separated).
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    /// The same head without header `name` (the raw bytes rebuilt line by line).
    pub fn without(&self, name: &str) -> Vec<u8> {
        let text = String::from_utf8_lossy(&self.raw);
        text.split_inclusive("\r\n")
            .filter(|line| {
                line.split_once(':')
                    .is_none_or(|(k, _)| !k.trim().eq_ignore_ascii_case(name))
            })
            .collect::<String>()
            .into_bytes()
    }

    /// The status code of a response head.
    fn status(&self) -> u16 {
        self.first_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
}

/// Reads a head; `None` at a clean end of stream before its first byte.
pub(super) fn read_head(r: &mut impl BufRead) -> io::Result<Option<Head>> {
    let mut raw = Vec::new();
    let mut headers = Vec::new();
    let mut first_line = String::new();
    loop {
        let start = raw.len();
        let n = r
            .take((MAX_HEAD + 1 - raw.len()) as u64)
            .read_until(b'\n', &mut raw)?;
        if n == 0 {
            return if raw.is_empty() {
                Ok(None)
            } else {
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "truncated head",
                ))
            };
        }
        if raw.len() > MAX_HEAD {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "head too long"));
        }
        let line = String::from_utf8_lossy(&raw[start..]);
        let line = line.trim_end_matches(['\r', '\n']);
        if start == 0 {
            first_line = line.to_owned();
        } else if line.is_empty() {
            return Ok(Some(Head {
                raw,
                first_line,
                headers,
            }));
        } else if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
}

/// Reads a request body framed by `Content-Length` (none: empty). A chunked request body is refused
/// (the SDKs send DynamoDB requests with a length).
pub(super) fn read_body(r: &mut impl BufRead, head: &Head) -> io::Result<Vec<u8>> {
    if head.header("transfer-encoding").is_some() {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "chunked request bodies are not supported",
        ));
    }
    let len = match head.header("content-length") {
        None => 0,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= MAX_BODY)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad content-length"))?,
    };
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    Ok(body)
}

/// Copies one response with `head` already read from `from` to `to`, body unchanged, whatever its
/// framing. Returns whether the connection may carry another request.
pub(super) fn relay_response(
    head: &Head,
    from: &mut impl BufRead,
    to: &mut impl Write,
    head_request: bool,
) -> io::Result<bool> {
    to.write_all(&head.raw)?;
    let keep_alive = !head.has_token("connection", "close");
    let status = head.status();
    if head_request || status == 204 || status == 304 || (100..200).contains(&status) {
        return Ok(keep_alive);
    }
    if head.has_token("transfer-encoding", "chunked") {
        loop {
            let mut line = Vec::new();
            from.read_until(b'\n', &mut line)?;
            to.write_all(&line)?;
            let size = String::from_utf8_lossy(&line);
            let size = size.split(';').next().unwrap_or("").trim();
            let size = u64::from_str_radix(size, 16)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
            if size == 0 {
                // Trailers, through the blank line.
                loop {
                    let mut trailer = Vec::new();
                    from.read_until(b'\n', &mut trailer)?;
                    to.write_all(&trailer)?;
                    if trailer.is_empty() || trailer == b"\r\n" || trailer == b"\n" {
                        return Ok(keep_alive);
                    }
                }
            }
            copy_exact(from, to, size + 2)?;
        }
    }
    match head.header("content-length") {
        Some(len) => {
            let len = len
                .parse()
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad content-length"))?;
            copy_exact(from, to, len)?;
            Ok(keep_alive)
        }
        None => {
            // Delimited by the end of the connection.
            io::copy(from, to)?;
            Ok(false)
        }
    }
}

fn copy_exact(from: &mut impl BufRead, to: &mut impl Write, len: u64) -> io::Result<()> {
    let copied = io::copy(&mut from.take(len), to)?;
    if copied == len {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the upstream closed inside a body",
        ))
    }
}
