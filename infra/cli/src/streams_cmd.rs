//! `upstream streams list | set`: the catalog through the admin function. `set` reads the entry,
//! changes only the fields given and writes it back whole (the route replaces the entry), so
//! `upstream streams set 2 --live` touches nothing else; the admin function validates as it does
//! for the admin page.

use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};

use crate::admin_cmd::enc;
use crate::target::TargetArgs;

/// `upstream streams …`.
#[derive(Subcommand)]
pub enum StreamsCommand {
    /// Create a stream, or change the given fields of one (an empty text clears the field).
    Set(Box<SetArgs>),
    /// List the catalog.
    List {
        #[command(flatten)]
        target: TargetArgs,
    },
}

/// `upstream streams set ID …`.
#[derive(Args)]
pub struct SetArgs {
    /// The stream's id.
    pub id: String,
    /// The price in rupiah (required for a new stream).
    #[arg(long)]
    pub price: Option<u64>,
    /// The title (required for a new stream).
    #[arg(long)]
    pub title: Option<String>,
    /// Take it off sale.
    #[arg(long, conflicts_with = "active")]
    pub inactive: bool,
    /// Put it on sale.
    #[arg(long)]
    pub active: bool,
    /// What it is about (≤ 2,000 characters).
    #[arg(long)]
    pub description: Option<String>,
    /// Its picture: an https:// URL or a path under the viewer page's origin (`/thumbs/2.svg`).
    #[arg(long)]
    pub thumbnail: Option<String>,
    /// Its category (≤ 60 characters).
    #[arg(long)]
    pub category: Option<String>,
    /// When the event starts (RFC 3339, e.g. 2026-12-20T19:00:00+07:00).
    #[arg(long)]
    pub starts_at: Option<String>,
    /// When the event ends (RFC 3339, after --starts-at).
    #[arg(long)]
    pub ends_at: Option<String>,
    /// How long a purchase lasts: two_hours (from the payment, or the start) or event_end.
    #[arg(long, value_parser = ["two_hours", "event_end"])]
    pub access_until: Option<String>,
    /// Mark it on air.
    #[arg(long, conflicts_with = "not_live")]
    pub live: bool,
    /// Mark it off air.
    #[arg(long)]
    pub not_live: bool,
    /// Where the media servers publish it (default: the id).
    #[arg(long)]
    pub media_path: Option<String>,
    #[command(flatten)]
    pub target: TargetArgs,
}

impl SetArgs {
    /// The body of `PUT /admin/streams/{id}`: `current` (the entry as `GET /admin/streams` lists
    /// it, if any) with the given fields changed; an empty text clears its field.
    pub fn body(&self, current: Option<&Value>) -> Result<Value, String> {
        let mut body: Map<String, Value> = current
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        body.remove("id");
        let mut set = |name: &str, value: Option<Value>| {
            if let Some(v) = value {
                body.insert(name.to_owned(), v);
            }
        };
        let text = |v: &Option<String>| {
            v.as_ref()
                .map(|t| if t.is_empty() { Value::Null } else { json!(t) })
        };
        set("title", self.title.as_ref().map(|t| json!(t)));
        set("price", self.price.map(|p| json!(p)));
        set("active", flag(self.active, self.inactive));
        set("live", flag(self.live, self.not_live));
        set("description", text(&self.description));
        set("thumbnailUrl", text(&self.thumbnail));
        set("category", text(&self.category));
        set("startsAt", text(&self.starts_at));
        set("endsAt", text(&self.ends_at));
        set("accessUntil", self.access_until.as_ref().map(|a| json!(a)));
        set("mediaPath", text(&self.media_path));
        if !body.contains_key("title") || !body.contains_key("price") {
            return Err(format!(
                "stream {} is new: give it --title and --price",
                self.id
            ));
        }
        Ok(Value::Object(body))
    }
}

/// `Some(true)` for `on`, `Some(false)` for `off`, none when neither is given.
fn flag(on: bool, off: bool) -> Option<Value> {
    (on || off).then_some(Value::Bool(on))
}

pub fn streams(cmd: StreamsCommand) -> Result<(), String> {
    match cmd {
        StreamsCommand::Set(args) => {
            let target = args.target.resolve()?;
            let catalog = target.call("GET", "/admin/streams", None)?;
            let current = catalog["streams"]
                .as_array()
                .and_then(|all| all.iter().find(|s| s["id"] == args.id.as_str()));
            let body = args.body(current)?;
            let path = format!("/admin/streams/{}", enc(&args.id));
            let data = target.call("PUT", &path, Some(&body))?;
            println!("{}", data["stream"]);
        }
        StreamsCommand::List { target } => {
            let data = target.resolve()?.call("GET", "/admin/streams", None)?;
            println!(
                "{:<10}  {:>12}  {:<7}  {:<5}  {:<22}  TITLE",
                "ID", "PRICE", "ACTIVE", "LIVE", "STARTS"
            );
            for s in data["streams"].as_array().cloned().unwrap_or_default() {
                let yes = |v: &Value| if *v == Value::Bool(true) { "yes" } else { "no" };
                println!(
                    "{:<10}  {:>12}  {:<7}  {:<5}  {:<22}  {}",
                    s["id"].as_str().unwrap_or(""),
                    s["price"],
                    yes(&s["active"]),
                    yes(&s["live"]),
                    s["startsAt"].as_str().unwrap_or("-"),
                    s["title"].as_str().unwrap_or("")
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        cmd: StreamsCommand,
    }

    fn set(args: &[&str]) -> SetArgs {
        let argv = ["streams", "set"].iter().chain(args).copied();
        match Cli::try_parse_from(argv).unwrap().cmd {
            StreamsCommand::Set(a) => *a,
            StreamsCommand::List { .. } => unreachable!("set"),
        }
    }

    #[test]
    fn only_the_given_fields_change() {
        let current = json!({"id": "2", "title": "Konser", "price": 1000, "active": true,
                             "description": "lama", "category": "Musik", "live": false,
                             "accessUntil": "two_hours"});
        let body = set(&[
            "2",
            "--live",
            "--description",
            "",
            "--starts-at",
            "2026-12-20T19:00:00+07:00",
        ])
        .body(Some(&current))
        .unwrap();
        assert_eq!(
            body,
            json!({"title": "Konser", "price": 1000, "active": true, "description": null,
                   "category": "Musik", "live": true, "accessUntil": "two_hours",
                   "startsAt": "2026-12-20T19:00:00+07:00"})
        );
        let off = set(&[
            "2",
            "--inactive",
            "--not-live",
            "--access-until",
            "event_end",
        ])
        .body(Some(&current))
        .unwrap();
        assert_eq!(
            (off["active"].clone(), off["live"].clone()),
            (json!(false), json!(false))
        );
        assert_eq!(off["accessUntil"], "event_end");
    }

    #[test]
    fn a_new_stream_needs_a_title_and_a_price() {
        assert!(set(&["9", "--title", "Baru"]).body(None).is_err());
        let body = set(&[
            "9",
            "--title",
            "Baru",
            "--price",
            "5000",
            "--thumbnail",
            "/thumbs/9.svg",
        ])
        .body(None)
        .unwrap();
        assert_eq!(
            body,
            json!({"title": "Baru", "price": 5000, "thumbnailUrl": "/thumbs/9.svg"})
        );
        assert!(Cli::try_parse_from(["streams", "set", "9", "--live", "--not-live"]).is_err());
        assert!(Cli::try_parse_from(["streams", "set", "9", "--access-until", "forever"]).is_err());
    }
}
