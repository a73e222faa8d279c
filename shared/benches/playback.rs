//! Playback token costs: issuing (ES256 sign) and verifying (ES256 verify + claims), each against a
//! reference measured in the same run (one SHA-256 of a token-sized input), so the figures compare
//! across machines. Goal: each ≤ 100 µs on the development machine.
#![allow(clippy::unwrap_used)] // a benchmark: a panic is the failure report

use chrono::{DateTime, TimeDelta};
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use sha2::{Digest, Sha256};
use upstream_session::domain::{MediaPath, SessionId, StreamId, UserId};
use upstream_session::playback::{
    DEFAULT_AUDIENCE, DEFAULT_TTL, Grant, Issuer, SigningKey, Verifier,
};

fn bench(c: &mut Criterion) {
    let key = SigningKey::generate();
    let verifier = Verifier::new(
        vec![key.verifying_key().clone()],
        DEFAULT_AUDIENCE,
        Some("https://api.example"),
    );
    let issuer = Issuer::new(key, "https://api.example", DEFAULT_AUDIENCE, DEFAULT_TTL);
    let now = DateTime::from_timestamp(1_756_577_775, 0).unwrap();
    let user = UserId::parse("demo-user").unwrap();
    let stream = StreamId::parse("2").unwrap();
    let session = SessionId::generate();
    let path = MediaPath::parse("live/2").unwrap();
    let grant = Grant {
        user: &user,
        stream: &stream,
        session: &session,
        session_expires_at: now + TimeDelta::hours(2),
        media_path: &path,
    };
    let token = issuer.issue(&grant, now).unwrap().token;

    let mut g = c.benchmark_group("playback");
    g.bench_function("reference_sha256_of_a_token", |b| {
        b.iter(|| Sha256::digest(black_box(token.as_bytes())))
    });
    g.bench_function("issue", |b| {
        b.iter(|| issuer.issue(black_box(&grant), now).unwrap())
    });
    g.bench_function("verify", |b| {
        b.iter(|| {
            verifier
                .authorize(black_box(&token), "live/2", now)
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
