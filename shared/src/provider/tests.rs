//! The gateway helpers and provider configuration.

use super::*;

#[test]
fn rupiah_strings() {
    assert_eq!(parse_rupiah("5539.00"), Some(5539));
    assert_eq!(parse_rupiah("1000"), Some(1000));
    assert_eq!(parse_rupiah("1000.0"), Some(1000));
    for bad in [
        "1000.50",
        "1000.",
        ".00",
        "",
        "-1",
        "0.00",
        "1e3",
        " 1000",
        "1,000",
        "99999999999999",
    ] {
        assert_eq!(parse_rupiah(bad), None, "{bad:?}");
    }
}

#[test]
fn provider_choice() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    assert!(PaymentProvider::from_lookup(env(&[])).unwrap().is_static());
    assert!(
        PaymentProvider::from_lookup(env(&[("PAYMENT_PROVIDER", "static")]))
            .unwrap()
            .is_static()
    );
    assert_eq!(
        PaymentProvider::from_lookup(env(&[("PAYMENT_PROVIDER", "paypal")])).unwrap_err(),
        ProviderConfigError::UnknownProvider("paypal".into())
    );
    assert_eq!(
        PaymentProvider::from_lookup(env(&[("PAYMENT_PROVIDER", "midtrans")])).unwrap_err(),
        ProviderConfigError::Missing("MIDTRANS_SERVER_KEY")
    );
    // generate-qris creates QR codes without the callback token; the receiving function requires it,
    // and without it every callback is refused.
    let charges_only = PaymentProvider::from_lookup(env(&[
        ("PAYMENT_PROVIDER", "xendit"),
        ("XENDIT_SECRET_KEY", "xnd_development_x"),
    ]))
    .unwrap();
    assert_eq!(
        charges_only.require_notification_key().unwrap_err(),
        ProviderConfigError::Missing("XENDIT_CALLBACK_TOKEN")
    );
    let mut headers = ::http::HeaderMap::new();
    headers.insert("x-callback-token", "".parse().unwrap());
    assert_eq!(
        charges_only
            .verify_notification(&headers, b"{}")
            .unwrap_err(),
        VerifyError::BadSignature
    );
    let m = PaymentProvider::from_lookup(env(&[
        ("PAYMENT_PROVIDER", "Midtrans"),
        ("MIDTRANS_SERVER_KEY", "SB-Mid-server-abc"),
    ]))
    .unwrap();
    assert_eq!(m.name(), "midtrans");
    let PaymentProvider::Midtrans(inner) = &m else {
        panic!("not midtrans")
    };
    assert_eq!(inner.api_base(), "https://api.sandbox.midtrans.com");
    let debug = format!("{m:?}");
    assert!(!debug.contains("SB-Mid-server-abc"), "{debug}");

    let prod = PaymentProvider::from_lookup(env(&[
        ("PAYMENT_PROVIDER", "midtrans"),
        ("MIDTRANS_SERVER_KEY", "Mid-server-abc"),
        ("MIDTRANS_IS_PRODUCTION", "true"),
    ]))
    .unwrap();
    let PaymentProvider::Midtrans(inner) = &prod else {
        panic!("not midtrans")
    };
    assert_eq!(inner.api_base(), "https://api.midtrans.com");
    assert!(matches!(
        PaymentProvider::from_lookup(env(&[
            ("PAYMENT_PROVIDER", "midtrans"),
            ("MIDTRANS_SERVER_KEY", "k"),
            ("MIDTRANS_IS_PRODUCTION", "maybe"),
        ])),
        Err(ProviderConfigError::Invalid { .. })
    ));
    let x = PaymentProvider::from_lookup(env(&[
        ("PAYMENT_PROVIDER", "xendit"),
        ("XENDIT_SECRET_KEY", "xnd_development_secret"),
        ("XENDIT_CALLBACK_TOKEN", "tok-secret"),
        ("XENDIT_API_BASE", "http://127.0.0.1:9/"),
    ]))
    .unwrap();
    assert!(x.require_notification_key().is_ok());
    let debug = format!("{x:?}");
    assert!(!debug.contains("xnd_development_secret") && !debug.contains("tok-secret"));
    let PaymentProvider::Xendit(inner) = &x else {
        panic!("not xendit")
    };
    assert_eq!(inner.api_base(), "http://127.0.0.1:9");
}

#[test]
fn endpoints_encode_segments() {
    let u = endpoint("http://127.0.0.1:1/base", &["v2", "a/b#c", "status"]).unwrap();
    assert_eq!(u.as_str(), "http://127.0.0.1:1/base/v2/a%2Fb%23c/status");
}

#[test]
fn a_notification_naming_a_charge_must_name_the_sessions() {
    let ours = crate::domain::GatewayCharge {
        provider: "xendit".into(),
        reference: "qr_ours".into(),
        qr_string: "000201".into(),
    };
    let naming = |charge_ref: Option<&str>| Notification {
        claimed: Statement::Pending {
            trx_id: "UP-1".into(),
        },
        charge_ref: charge_ref.map(str::to_owned),
    };
    assert!(naming(Some("qr_ours")).is_for(Some(&ours)));
    assert!(!naming(Some("qr_other")).is_for(Some(&ours)));
    assert!(
        !naming(Some("qr_ours")).is_for(None),
        "no session, no charge"
    );
    assert!(naming(None).is_for(Some(&ours)), "Midtrans names none");
    assert!(naming(None).is_for(None));
}
