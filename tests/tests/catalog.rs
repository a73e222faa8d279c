//! The public catalog on DynamoDB Local: the entries' fields, `?status=` on the injected clock, one
//! stream by id, the cache headers and `304`, and the budgets (one Query, one GetItem).
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use chrono::TimeDelta;
use serde_json::Value;
use upstream_session::domain::{AccessUntil, Amount, Stream, StreamId, ThumbnailUrl};
use upstream_tests::{Api, Reply, api, t0};

async fn get(api: &Api, path: &str, query: &str) -> Reply {
    api.request("streams", "GET", path, query, None).await
}

fn ids(r: &Reply) -> Vec<String> {
    r.data()["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Adds an upcoming show (starts in 1 h, ends in 3 h) and a past one, besides the sample catalog.
async fn with_shows(api: &Api) {
    let show = Stream {
        description: Some("Konser penutup tahun.\nLangsung dari Bandung.".into()),
        thumbnail_url: Some(ThumbnailUrl::parse("https://cdn.example.id/t/9.jpg").unwrap()),
        category: Some("Musik".into()),
        starts_at: Some(t0() + TimeDelta::hours(1)),
        ends_at: Some(t0() + TimeDelta::hours(3)),
        access_until: AccessUntil::EventEnd,
        ..Stream::new(
            StreamId::parse("9").unwrap(),
            "Konser Akhir Tahun",
            Amount::new(25_000).unwrap(),
        )
    };
    api.h.store.put_stream(&show).await.unwrap();
    let past = Stream {
        starts_at: Some(t0() - TimeDelta::hours(5)),
        ends_at: Some(t0() - TimeDelta::hours(3)),
        ..Stream::new(
            StreamId::parse("1").unwrap(),
            "Kemarin",
            Amount::new(1_000).unwrap(),
        )
    };
    api.h.store.put_stream(&past).await.unwrap();
    let off = Stream {
        active: false,
        live: true,
        ..Stream::new(
            StreamId::parse("8").unwrap(),
            "Off",
            Amount::new(1).unwrap(),
        )
    };
    api.h.store.put_stream(&off).await.unwrap();
}

#[tokio::test]
async fn the_list_carries_the_entries_and_filters_on_the_clock() {
    let api = api().await;
    with_shows(&api).await;
    let all = get(&api, "/api/streams", "").await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(
        ids(&all),
        ["1", "2", "4", "9"],
        "inactive entries are not listed"
    );
    assert_eq!(all.operations, ["Query"], "one Query");
    let show = &all.data()["streams"][3];
    assert_eq!(
        show["description"],
        "Konser penutup tahun.\nLangsung dari Bandung."
    );
    assert_eq!(show["thumbnailUrl"], "https://cdn.example.id/t/9.jpg");
    assert_eq!(show["category"], "Musik");
    assert_eq!(show["startsAt"], "2025-08-30T19:16:15.508Z");
    assert_eq!(show["endsAt"], "2025-08-30T21:16:15.508Z");
    assert_eq!(show["accessUntil"], "event_end");
    assert_eq!(show["live"], false);
    assert_eq!(show["status"], "upcoming");
    assert_eq!(show["priceDisplay"], "Rp 25.000");
    let sample = &all.data()["streams"][1];
    assert_eq!(sample["thumbnailUrl"], "/thumbs/2.svg");
    assert_eq!(sample["status"], Value::Null, "started, no end, not on air");

    let upcoming = get(&api, "/api/streams", "status=upcoming").await;
    assert_eq!(ids(&upcoming), ["9"]);
    assert_eq!(ids(&get(&api, "/api/streams", "status=past").await), ["1"]);
    assert!(ids(&get(&api, "/api/streams", "status=live").await).is_empty());

    // An hour later the show has started; once on air it is live; after its end, past.
    api.h.clock.advance(TimeDelta::hours(1));
    assert!(ids(&get(&api, "/api/streams", "status=upcoming").await).is_empty());
    let mut on_air = api
        .h
        .store
        .get_stream(&StreamId::parse("9").unwrap())
        .await
        .unwrap()
        .unwrap();
    on_air.live = true;
    api.h.store.put_stream(&on_air).await.unwrap();
    assert_eq!(ids(&get(&api, "/api/streams", "status=live").await), ["9"]);
    on_air.live = false;
    api.h.store.put_stream(&on_air).await.unwrap();
    api.h.clock.advance(TimeDelta::hours(2));
    assert_eq!(
        ids(&get(&api, "/api/streams", "status=past").await),
        ["1", "9"]
    );

    let bad = get(&api, "/api/streams", "status=soon").await;
    assert_eq!((bad.status, bad.code()), (400, "INVALID_FIELD"));
    assert_eq!(bad.body["error"], "Parameter status tidak valid");
    assert_eq!(
        bad.operations,
        Vec::<String>::new(),
        "refused before any read"
    );
}

#[tokio::test]
async fn one_stream_by_id_with_one_get_item() {
    let api = api().await;
    with_shows(&api).await;
    let one = get(&api, "/api/streams/9", "").await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.operations, ["GetItem"], "one GetItem");
    let list = get(&api, "/api/streams", "").await;
    assert_eq!(
        one.data()["stream"],
        list.data()["streams"][3],
        "the same view"
    );
    for path in ["/api/streams/8", "/api/streams/nope"] {
        let gone = get(&api, path, "").await;
        assert_eq!(
            (gone.status, gone.code()),
            (404, "STREAM_NOT_FOUND"),
            "{path}"
        );
        assert_eq!(gone.headers["cache-control"], "no-store");
    }
    let bad = get(&api, "/api/streams/a%20b", "").await;
    assert_eq!((bad.status, bad.code()), (400, "INVALID_FIELD"));
    let wrong = api
        .request("streams", "DELETE", "/api/streams/9", "", None)
        .await;
    assert_eq!(wrong.status, 405);
}

#[tokio::test]
async fn answers_are_cacheable_with_an_etag_and_304() {
    let api = api().await;
    for path in ["/api/streams", "/api/streams/2"] {
        let first = get(&api, path, "").await;
        assert_eq!(
            first.headers["cache-control"], "public, max-age=30",
            "{path}"
        );
        let tag = first.headers["etag"].to_str().unwrap().to_owned();
        assert!(
            tag.starts_with('"') && tag.ends_with('"'),
            "a strong tag: {tag}"
        );
        let again = api
            .request_with("streams", "GET", path, &[("if-none-match", &tag)], None)
            .await;
        assert_eq!(again.status, 304, "{path}");
        assert_eq!(again.body, Value::Null, "no body");
        assert_eq!(again.headers["etag"], tag.as_str());
        assert_eq!(again.calls, 1, "still one read: the tag is over the answer");
        let stale = api
            .request_with(
                "streams",
                "GET",
                path,
                &[("if-none-match", "\"old\"")],
                None,
            )
            .await;
        assert_eq!(stale.status, 200);
        assert_eq!(stale.body, first.body);
    }
    // A change to the entry changes the tag.
    let before = get(&api, "/api/streams/2", "").await.headers["etag"].clone();
    let mut entry = api
        .h
        .store
        .get_stream(&StreamId::parse("2").unwrap())
        .await
        .unwrap()
        .unwrap();
    entry.live = true;
    api.h.store.put_stream(&entry).await.unwrap();
    let after = api
        .request_with(
            "streams",
            "GET",
            "/api/streams/2",
            &[("if-none-match", before.to_str().unwrap())],
            None,
        )
        .await;
    assert_eq!(after.status, 200);
    assert_eq!(after.data()["stream"]["live"], true);
    assert_ne!(after.headers["etag"], before);
}

#[tokio::test]
async fn operators_edit_every_field_with_the_same_validation() {
    let api = api().await;
    let entry = serde_json::json!({
        "title": "Konser <Akhir> Tahun", "price": 25000, "active": true,
        "description": "Langsung dari Bandung.\nDua babak.",
        "thumbnailUrl": "https://cdn.example.id/t/9.jpg", "category": "Musik",
        "startsAt": "2025-08-31T19:00:00+07:00", "endsAt": "2025-08-31T22:00:00+07:00",
        "accessUntil": "event_end", "live": false, "mediaPath": "live/akhir"
    });
    let put = api
        .admin("PUT", "/admin/streams/9", "", Some(entry.clone()))
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    let stored = api
        .h
        .store
        .get_stream(&StreamId::parse("9").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.description.as_deref(),
        Some("Langsung dari Bandung.\nDua babak.")
    );
    assert_eq!(stored.access_until, AccessUntil::EventEnd);
    assert_eq!(
        stored.starts_at.unwrap().to_rfc3339(),
        "2025-08-31T12:00:00+00:00"
    );
    let public = get(&api, "/api/streams/9", "").await;
    assert_eq!(public.data()["stream"]["category"], "Musik");
    assert_eq!(public.data()["stream"]["status"], "upcoming");

    for (field, value) in [
        ("description", Value::String("x".repeat(2_001))),
        ("thumbnailUrl", "http://cdn.example.id/t/9.jpg".into()),
        ("startsAt", "31/08/2025 19:00".into()),
        ("endsAt", "2025-08-31T18:00:00+07:00".into()),
        ("accessUntil", "forever".into()),
        ("live", "ya".into()),
    ] {
        let mut bad = entry.clone();
        bad[field] = value;
        let r = api.admin("PUT", "/admin/streams/9", "", Some(bad)).await;
        assert_eq!((r.status, r.code()), (400, "INVALID_FIELD"), "{field}");
        assert_eq!(r.body["error"], format!("Parameter {field} tidak valid"));
    }
    let unchanged = api
        .h
        .store
        .get_stream(&StreamId::parse("9").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unchanged, stored, "a refused write changes nothing");

    // The admin page edits every field: the form carries the entry, escaped, times in WIB.
    let page = api.admin("GET", "/admin/approve", "", None).await;
    let html = page.body.as_str().unwrap();
    let form = html
        .split("<form class=\"entry\" data-stream=\"9\">")
        .nth(1)
        .unwrap()
        .split("</form>")
        .next()
        .unwrap();
    for part in [
        "value=\"Konser &lt;Akhir&gt; Tahun\"",
        "value=\"25000\"",
        "value=\"Musik\"",
        "value=\"https://cdn.example.id/t/9.jpg\"",
        "value=\"live/akhir\"",
        "class=\"starts\" type=\"datetime-local\" value=\"2025-08-31T19:00\"",
        "class=\"ends\" type=\"datetime-local\" value=\"2025-08-31T22:00\"",
        "<option value=\"event_end\" selected>",
        ">Langsung dari Bandung.\nDua babak.</textarea>",
        "class=\"active\" type=\"checkbox\" checked",
    ] {
        assert!(form.contains(part), "{part} in {form}");
    }
    assert!(!form.contains("class=\"live\" type=\"checkbox\" checked"));
    assert!(
        html.contains("<input class=\"id\""),
        "a blank form adds a stream"
    );
    assert!(html.contains("Tambah stream"));
}
