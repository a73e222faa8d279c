//! Reporting a failed init to the Lambda Runtime API (`POST /runtime/init/error`), so that Lambda
//! (and the emulator) answer the invocation with the cause instead of a bare "Runtime exited".

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The `errorType` of a configuration that refuses the start.
pub const CONFIG_ERROR_TYPE: &str = "Runtime.ConfigError";

/// Posts `message` to `$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/init/error`; does nothing outside
/// Lambda. Best effort: the process exits with an error either way.
pub fn report_init_error(message: &str) {
    let Ok(api) = std::env::var("AWS_LAMBDA_RUNTIME_API") else {
        return;
    };
    if let Err(err) = post(&api, message) {
        tracing::warn!(error = %err, "could not report the init error to the Runtime API");
    }
}

fn post(api: &str, message: &str) -> std::io::Result<()> {
    let body = serde_json::json!({
        "errorType": CONFIG_ERROR_TYPE,
        "errorMessage": message,
    })
    .to_string();
    let mut stream = TcpStream::connect(api)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    write!(
        stream,
        "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: {api}\r\n\
         Lambda-Runtime-Function-Error-Type: {CONFIG_ERROR_TYPE}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    // Wait for the answer (202), so the report is in before the process exits.
    let mut answer = [0u8; 512];
    let _ = stream.read(&mut answer)?;
    Ok(())
}
