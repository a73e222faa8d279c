//! SigV4 signing of requests to the admin Function URL (service `lambda`).

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;

/// Who signs, where, for which service.
pub struct Signer<'a> {
    pub creds: &'a Credentials,
    pub region: &'a str,
    pub service: &'a str,
}

/// The headers to add to a request so that AWS accepts it as signed by `signer.creds`.
pub fn signed_headers(
    signer: &Signer<'_>,
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: &[u8],
    time: SystemTime,
) -> Result<Vec<(String, String)>, String> {
    let Signer {
        creds,
        region,
        service,
    } = *signer;
    let identity = creds.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| format!("cannot sign: {e}"))?
        .into();
    let signable = SignableRequest::new(
        method,
        url,
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .map_err(|e| format!("cannot sign: {e}"))?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|e| format!("cannot sign: {e}"))?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect())
}

/// The region of a Function URL (`https://<id>.lambda-url.<region>.on.aws/`).
pub fn region_of(url: &str) -> Option<String> {
    let host = url.split("://").nth(1)?.split(['/', ':']).next()?;
    let mut parts = host.split('.');
    parts.next()?;
    (parts.next()? == "lambda-url").then(|| parts.next().map(str::to_owned))?
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `get-vanilla` case of AWS's SigV4 test suite.
    #[test]
    fn matches_the_aws_sigv4_test_suite() {
        let creds = Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
            None,
            "test",
        );
        let time = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_440_938_160); // 20150830T123600Z
        let headers = vec![("host".to_owned(), "example.amazonaws.com".to_owned())];
        let signer = Signer {
            creds: &creds,
            region: "us-east-1",
            service: "service",
        };
        let url = "https://example.amazonaws.com/";
        let out = signed_headers(&signer, "GET", url, &headers, b"", time).unwrap();
        let auth = out
            .iter()
            .find(|(k, _)| k == "authorization")
            .map(|(_, v)| v.as_str())
            .unwrap();
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert!(
            out.iter()
                .any(|(k, v)| k == "x-amz-date" && v == "20150830T123600Z")
        );
    }

    #[test]
    fn function_url_region() {
        assert_eq!(
            region_of("https://abc123.lambda-url.ap-southeast-3.on.aws/").as_deref(),
            Some("ap-southeast-3")
        );
        assert_eq!(region_of("http://127.0.0.1:3001"), None);
    }
}
