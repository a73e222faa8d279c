//! Issue and verify, the refusals every verifier must make, and each media server's contract with
//! the request bodies its documentation gives.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};

use super::hooks::{self, NginxRequest};
use super::*;

/// The hooks asked once per connection (SRS, MediaMTX) and the connections they admit.
mod admission;
/// Each media server's hook contract, with the request bodies its documentation gives.
mod contracts;
use crate::domain::{MediaPath, SessionId, StreamId, UserId};

const ISS: &str = "https://api.example.test";

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_756_577_775, 0).unwrap()
}

struct Fixture {
    issuer: Issuer,
    verifier: Verifier,
    user: UserId,
    session: SessionId,
}

fn fixture() -> Fixture {
    let key = SigningKey::generate();
    let verifier = Verifier::new(
        vec![key.verifying_key().clone()],
        DEFAULT_AUDIENCE,
        Some(ISS),
    );
    Fixture {
        issuer: Issuer::new(key, ISS, DEFAULT_AUDIENCE, DEFAULT_TTL),
        verifier,
        user: UserId::parse("demo-user").unwrap(),
        session: SessionId::generate(),
    }
}

impl Fixture {
    fn token(&self, stream: &str, path: &str, session_left: TimeDelta) -> Issued {
        let stream = StreamId::parse(stream).unwrap();
        let path = MediaPath::parse(path).unwrap();
        self.issuer
            .issue(
                &Grant {
                    user: &self.user,
                    stream: &stream,
                    session: &self.session,
                    session_expires_at: now() + session_left,
                    media_path: &path,
                },
                now(),
            )
            .unwrap()
    }
}

fn part(token: &str, i: usize) -> Value {
    let p = token.split('.').nth(i).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
}

fn forge(header: Value, payload: &Value, sig: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        URL_SAFE_NO_PAD.encode(sig)
    )
}

#[test]
fn claims_are_exactly_the_issued_ones() {
    let f = fixture();
    let issued = f.token("2", "live/2", TimeDelta::hours(2));
    let header = part(&issued.token, 0);
    assert_eq!(
        header,
        json!({"alg": "ES256", "typ": "JWT", "kid": f.issuer.key().kid()})
    );
    let claims = part(&issued.token, 1);
    let keys: Vec<&str> = claims
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut want = vec![
        "access_exp",
        "aud",
        "exp",
        "iat",
        "iss",
        "jti",
        "mediamtx_permissions",
        "sid",
        "stream",
        "sub",
    ];
    want.sort();
    let mut got = keys.clone();
    got.sort();
    assert_eq!(got, want);
    assert_eq!(claims["iss"], ISS);
    assert_eq!(claims["aud"], "upstream-playback");
    assert_eq!(claims["sub"], "demo-user");
    assert_eq!(claims["stream"], "2");
    assert_eq!(claims["iat"], now().timestamp());
    assert_eq!(claims["exp"], now().timestamp() + 300);
    // The session's access end, past the token's life: what the connect-once hooks record.
    assert_eq!(claims["access_exp"], now().timestamp() + 7200);
    assert_eq!(
        claims["mediamtx_permissions"],
        json!([{"action": "read", "path": "live/2"}])
    );
    let sid = claims["sid"].as_str().unwrap();
    assert_eq!(sid, session_hash(&f.session));
    assert!(
        !issued.token.contains(&f.session.as_str()[8..]),
        "no sessionId"
    );
    assert_eq!(issued.expires_at.timestamp(), now().timestamp() + 300);
    let verified = f
        .verifier
        .authorize(&issued.token, "live/2", now())
        .unwrap();
    assert_eq!(verified.sid, sid);
    // A second token has another jti.
    assert_ne!(
        part(&f.token("2", "live/2", TimeDelta::hours(2)).token, 1)["jti"],
        claims["jti"]
    );
}

#[test]
fn the_token_never_outlives_the_session() {
    let f = fixture();
    let issued = f.token(
        "2",
        "2",
        TimeDelta::seconds(42) + TimeDelta::milliseconds(900),
    );
    assert_eq!(part(&issued.token, 1)["exp"], now().timestamp() + 42);
    let stream = StreamId::parse("2").unwrap();
    let path = MediaPath::of_stream(&stream);
    let over = f.issuer.issue(
        &Grant {
            user: &f.user,
            stream: &stream,
            session: &f.session,
            session_expires_at: now() + TimeDelta::milliseconds(400),
            media_path: &path,
        },
        now(),
    );
    assert_eq!(over, Err(IssueError::NoTimeLeft));
    // The largest TTL chrono allows, at the end of time: checked, capped by the session.
    let far = DateTime::<Utc>::MAX_UTC;
    let huge = Issuer::new(
        SigningKey::generate(),
        ISS,
        DEFAULT_AUDIENCE,
        TimeDelta::MAX,
    );
    let issued = huge
        .issue(
            &Grant {
                user: &f.user,
                stream: &stream,
                session: &f.session,
                session_expires_at: far,
                media_path: &path,
            },
            far - TimeDelta::seconds(10),
        )
        .unwrap();
    assert_eq!(issued.expires_at.timestamp(), far.timestamp());
}

#[test]
fn refusals() {
    let f = fixture();
    let good = f.token("2", "2", TimeDelta::hours(2)).token;
    let v = &f.verifier;
    assert_eq!(v.verify("", now()), Err(Rejection::Missing));
    assert_eq!(v.verify("a.b", now()), Err(Rejection::Malformed));
    assert_eq!(
        v.verify(&"a".repeat(5000), now()),
        Err(Rejection::Malformed)
    );
    // Expired: at exp and after.
    assert_eq!(
        v.verify(&good, now() + TimeDelta::seconds(300)),
        Err(Rejection::Expired)
    );
    assert!(v.verify(&good, now() + TimeDelta::seconds(299)).is_ok());
    // Wrong path / stream.
    assert_eq!(v.authorize(&good, "4", now()), Err(Rejection::Forbidden));
    assert_eq!(Rejection::Forbidden.status(), 403);
    // Tampered payload (another path), signature kept.
    let claims = part(&good, 1);
    let mut evil = claims.clone();
    evil["mediamtx_permissions"] = json!([{"action": "read", "path": "4"}]);
    let parts: Vec<&str> = good.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(evil.to_string()),
        parts[2]
    );
    assert_eq!(v.verify(&tampered, now()), Err(Rejection::Signature));
    // alg none.
    let header = json!({"alg": "none", "typ": "JWT", "kid": f.issuer.key().kid()});
    assert_eq!(
        v.verify(&format!("{}.", &forge(header, &evil, b"")[..]), now()),
        Err(Rejection::Malformed)
    );
    let header = json!({"alg": "none", "typ": "JWT", "kid": f.issuer.key().kid()});
    assert_eq!(
        v.verify(&forge(header, &evil, b""), now()),
        Err(Rejection::Algorithm)
    );
    // HS256 keyed with the public key (the classic confusion attack).
    let header = json!({"alg": "HS256", "typ": "JWT", "kid": f.issuer.key().kid()});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(evil.to_string())
    );
    let public_pem = f.issuer.key().verifying_key().to_pem();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(public_pem.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    let hs = format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    );
    assert_eq!(v.verify(&hs, now()), Err(Rejection::Algorithm));
    // Unknown kid: another key's token.
    let other = fixture();
    let foreign = other.token("2", "2", TimeDelta::hours(2)).token;
    assert_eq!(v.verify(&foreign, now()), Err(Rejection::UnknownKey));
    // Right kid, wrong key.
    let header = part(&good, 0);
    let resigned = forge(
        header,
        &claims,
        &other.issuer.key().sign_for_tests(parts[0], parts[1]),
    );
    assert_eq!(v.verify(&resigned, now()), Err(Rejection::Signature));
    // Wrong audience and issuer.
    let aud = Verifier::new(v.keys().to_vec(), "someone-else", None);
    assert_eq!(aud.verify(&good, now()), Err(Rejection::Audience));
    let iss = Verifier::new(v.keys().to_vec(), DEFAULT_AUDIENCE, Some("https://evil"));
    assert_eq!(iss.verify(&good, now()), Err(Rejection::Issuer));
    // Issued in the future (beyond the skew allowance).
    assert_eq!(
        v.verify(&good, now() - TimeDelta::seconds(61)),
        Err(Rejection::NotYetValid)
    );
}

#[test]
fn rotation_two_published_keys_both_verify() {
    let old = fixture();
    let new = SigningKey::generate();
    let next = Issuer::new(new.clone(), ISS, DEFAULT_AUDIENCE, DEFAULT_TTL);
    let verifier = Verifier::new(
        vec![
            old.issuer.key().verifying_key().clone(),
            new.verifying_key().clone(),
        ],
        DEFAULT_AUDIENCE,
        Some(ISS),
    );
    let old_token = old.token("2", "2", TimeDelta::hours(1)).token;
    let stream = StreamId::parse("2").unwrap();
    let path = MediaPath::of_stream(&stream);
    let new_token = next
        .issue(
            &Grant {
                user: &old.user,
                stream: &stream,
                session: &old.session,
                session_expires_at: now() + TimeDelta::hours(1),
                media_path: &path,
            },
            now(),
        )
        .unwrap()
        .token;
    assert!(verifier.authorize(&old_token, "2", now()).is_ok());
    assert!(verifier.authorize(&new_token, "2", now()).is_ok());
}
