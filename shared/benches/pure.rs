//! Criterion micro-benchmarks of the pure parts on the request path (run by `infra/bench`, or
//! `cargo bench -p upstream-session --bench pure`): QRIS parse + make dynamic, PNG rendering,
//! webhook signature verification, the access rule.

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use upstream_session::Policy;
use upstream_session::domain::{Amount, Status, StreamId, TrxId, UserId};
use upstream_session::edge::signature;
use upstream_session::qris::{DEFAULT_MAX_AMOUNT, DEMO_STATIC, Qris, png, png_data_url};
use upstream_session::rules;

const TRX: &str = "UP-261121180000-ABCDEFGH";

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_795_370_400_000).expect("valid time")
}

fn dynamic_payload() -> String {
    Qris::parse(DEMO_STATIC.trim())
        .and_then(|q| q.to_dynamic(1000, Some(TRX), DEFAULT_MAX_AMOUNT))
        .map(|q| q.payload())
        .expect("the demo merchant converts")
}

fn qris(c: &mut Criterion) {
    let static_qris = Qris::parse(DEMO_STATIC.trim()).expect("demo merchant");
    c.bench_function("qris parse + make dynamic", |b| {
        b.iter(|| {
            let q = Qris::parse(black_box(DEMO_STATIC.trim())).expect("parses");
            q.to_dynamic(black_box(1000), Some(TRX), DEFAULT_MAX_AMOUNT)
                .expect("converts")
                .payload()
        })
    });
    // What generate-qris does per request: the static QRIS is parsed once at start.
    c.bench_function("qris make dynamic (parsed once)", |b| {
        b.iter(|| {
            static_qris
                .to_dynamic(black_box(1000), Some(TRX), DEFAULT_MAX_AMOUNT)
                .expect("converts")
                .payload()
        })
    });
}

fn render(c: &mut Criterion) {
    let payload = dynamic_payload();
    c.bench_function("qr encode, qrcode crate mask choice (replaced)", |b| {
        b.iter(|| {
            qrcode::QrCode::with_error_correction_level(
                black_box(payload.as_bytes()),
                qrcode::EcLevel::M,
            )
            .expect("fits")
        })
    });
    c.bench_function("png render", |b| b.iter(|| png(black_box(&payload))));
    c.bench_function("png data url (render + base64)", |b| {
        b.iter(|| png_data_url(black_box(&payload)))
    });
}

fn webhook(c: &mut Criterion) {
    let secret = b"test-webhook-secret-0123456789";
    let body = br#"{"trxId":"UP-261121180000-ABCDEFGH","amount":1000,"status":"paid"}"#;
    let t = now().timestamp();
    let header = signature::sign(secret, t, body);
    c.bench_function("webhook signature verify", |b| {
        b.iter(|| signature::verify(secret, Some(black_box(&header)), black_box(body), t))
    });
}

fn access(c: &mut Criterion) {
    let mut session = rules::new_pending(
        UserId::parse("viewer-1").expect("user"),
        StreamId::parse("2").expect("stream"),
        TrxId::parse(TRX).expect("trx"),
        Amount::new(1000).expect("amount"),
        Default::default(),
        now(),
        &Policy::default(),
    );
    session.status = Status::Paid;
    session.paid_at = Some(now());
    session.expires_at = now() + TimeDelta::hours(2);
    let (stream, user) = (session.stream_id.clone(), session.user_id.clone());
    let at = now() + TimeDelta::minutes(30);
    c.bench_function("access rule", |b| {
        b.iter(|| rules::access(black_box(&session), &stream, Some(&user), black_box(at)))
    });
}

criterion_group!(benches, qris, render, webhook, access);
criterion_main!(benches);
