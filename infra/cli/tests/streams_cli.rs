//! `upstream streams set` against `upstream dev`: a scheduled entry created and changed field by
//! field, refused with the admin function's message, listed; the public catalog over HTTP with its
//! `ETag` / `304` and the sample's pictures.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::process::{Command, Output};

use common::{Dev, free_port};

fn upstream(dev: &Dev, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_upstream"))
        .args(args)
        .args(["--local", &dev.base()])
        .output()
        .unwrap()
}

#[test]
fn streams_set_edits_the_catalog_field_by_field() {
    let (dev, _) = Dev::spawn(free_port(), &["--in-memory"], &[]);
    let out = upstream(
        &dev,
        &[
            "streams",
            "set",
            "9",
            "--title",
            "Konser Akhir Tahun",
            "--price",
            "25000",
            "--description",
            "Langsung dari Bandung",
            "--thumbnail",
            "/thumbs/2.svg",
            "--category",
            "Musik",
            "--starts-at",
            "2099-12-31T20:00:00+07:00",
            "--ends-at",
            "2099-12-31T23:00:00+07:00",
            "--access-until",
            "event_end",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (status, r) = dev.request("GET", "/api/streams/9", None);
    assert_eq!(status, 200, "{r}");
    let s = &r["data"]["stream"];
    assert_eq!(s["description"], "Langsung dari Bandung");
    assert_eq!(s["startsAt"], "2099-12-31T13:00:00.000Z");
    assert_eq!(s["accessUntil"], "event_end");
    assert_eq!(s["status"], "upcoming");

    // Only the given fields change.
    let out = upstream(&dev, &["streams", "set", "9", "--live", "--category", ""]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, r) = dev.request("GET", "/api/streams/9", None);
    let s = &r["data"]["stream"];
    assert_eq!(
        (s["live"].clone(), s["status"].clone()),
        (true.into(), "live".into())
    );
    assert_eq!(s["category"], serde_json::Value::Null);
    assert_eq!(s["description"], "Langsung dari Bandung");
    assert_eq!(s["price"], 25000);

    // The admin function's validation, its message in Bahasa Indonesia.
    let out = upstream(
        &dev,
        &["streams", "set", "9", "--thumbnail", "http://x.id/a.png"],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Parameter thumbnailUrl tidak valid"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = upstream(
        &dev,
        &[
            "streams",
            "set",
            "9",
            "--ends-at",
            "2099-12-31T19:00:00+07:00",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("Parameter endsAt tidak valid"));
    let out = upstream(&dev, &["streams", "set", "new", "--live"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--title and --price"));

    let out = upstream(&dev, &["streams", "list"]);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("9 ") && l.contains("yes") && l.contains("Konser Akhir Tahun")),
        "{listed}"
    );
    dev.stop();
}

#[test]
fn the_catalog_over_http_is_cacheable_and_its_pictures_are_served() {
    let (dev, _) = Dev::spawn(free_port(), &["--in-memory"], &[]);
    let first = dev.send("GET", "/api/streams", &[], "");
    assert_eq!(first.status, 200);
    assert_eq!(first.header("cache-control"), Some("public, max-age=30"));
    let tag = first.header("etag").unwrap().to_owned();
    let again = dev.send("GET", "/api/streams", &[("if-none-match", &tag)], "");
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let thumb = first.json()["data"]["streams"][0]["thumbnailUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let picture = dev.send("GET", &thumb, &[], "");
    assert_eq!(picture.status, 200);
    assert_eq!(picture.header("content-type"), Some("image/svg+xml"));
    dev.stop();
}
