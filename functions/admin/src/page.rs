//! The `/admin/approve` page: server-rendered session list and catalog, inline CSS and JS (the chart
//! library served beside it by the admin function), no CDN.

use chrono::{DateTime, Utc};
use upstream_session::domain::{
    AccessUntil, PaymentRecord, PaymentSession, RevokeReason, Status, Stream,
};
use upstream_session::views::PaymentView;

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn wib(t: DateTime<Utc>) -> String {
    (t + chrono::TimeDelta::hours(7))
        .format("%d/%m %H:%M:%S WIB")
        .to_string()
}

fn badge(status: Status) -> &'static str {
    match status {
        Status::Paid => "PAID",
        Status::Pending => "PENDING",
        Status::Failed => "FAILED",
        Status::Expired => "EXPIRED",
        Status::Revoked => "REVOKED",
    }
}

/// Why a revoked session ended, for the badge (Bahasa Indonesia).
fn revoke_note(s: &PaymentSession) -> &'static str {
    match s.revoke_reason {
        Some(RevokeReason::RefundedAtGateway) => " <small>(dana dikembalikan gateway)</small>",
        _ => "",
    }
}

fn row(s: &PaymentSession, now: DateTime<Utc>) -> String {
    let status = s.status_at(now);
    let action = match status {
        Status::Pending => format!(
            "<button class=\"approve\" data-session=\"{}\">Approve</button>",
            esc(s.session_id.as_str())
        ),
        Status::Paid => format!(
            "<button class=\"revoke danger\" data-session=\"{}\">Cabut akses</button>",
            esc(s.session_id.as_str())
        ),
        _ => String::new(),
    };
    format!(
        "<tr data-session=\"{sid}\"><td class=\"mono\"><a href=\"#\" class=\"trail\" data-session=\"{sid}\">{sid}</a></td>\
         <td class=\"mono\">{trx}</td><td>{user}</td><td>{stream}</td>\
         <td><span class=\"badge {b}\">{b}</span>{why}</td><td class=\"num\">{amount}</td>\
         <td>{created}</td><td>{expires}</td><td class=\"countdown\" data-expires=\"{exp_ms}\">{remaining}</td><td>{action}</td></tr>",
        sid = esc(s.session_id.as_str()),
        trx = esc(s.trx_id.as_str()),
        user = esc(s.user_id.as_str()),
        stream = esc(s.stream_id.as_str()),
        b = badge(status),
        why = revoke_note(s),
        amount = esc(&s.amount.display_idr()),
        created = wib(s.created_at),
        expires = wib(s.expires_at),
        exp_ms = s.expires_at.timestamp_millis(),
        remaining = format_remaining(s.remaining_at(now).num_seconds()),
    )
}

fn format_remaining(secs: i64) -> String {
    if secs <= 0 {
        return "—".into();
    }
    format!("{}j {:02}m {:02}d", secs / 3600, secs / 60 % 60, secs % 60)
}

/// `YYYY-MM-DDTHH:MM` in WIB, for a `datetime-local` input the page reads back as `+07:00`.
fn wib_input(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| {
        (t + chrono::TimeDelta::hours(7))
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    })
    .unwrap_or_default()
}

/// One catalog entry as an editable form (a blank one, with an id field, adds a stream).
fn stream_form(s: Option<&Stream>) -> String {
    let text = |f: fn(&Stream) -> Option<&str>| esc(s.and_then(f).unwrap_or(""));
    let on = |f: fn(&Stream) -> bool| if s.is_some_and(f) { " checked" } else { "" };
    let id = s.map(|s| esc(s.stream_id.as_str()));
    let event_end = s.is_some_and(|s| s.access_until == AccessUntil::EventEnd);
    format!(
        "<form class=\"entry\" data-stream=\"{data_id}\"><div class=\"grid\">\
         <label>ID {id_field}</label>\
         <label>Judul <input class=\"title\" value=\"{title}\" maxlength=\"120\" required></label>\
         <label>Harga (Rp) <input class=\"price\" type=\"number\" min=\"1\" step=\"1\" value=\"{price}\" required></label>\
         <label>Kategori <input class=\"category\" value=\"{category}\" maxlength=\"60\"></label>\
         <label>Gambar (alamat https atau /path) <input class=\"thumbnail\" value=\"{thumb}\" maxlength=\"2048\"></label>\
         <label>Media path <input class=\"media-path\" value=\"{media}\" maxlength=\"200\" placeholder=\"{placeholder}\"></label>\
         <label>Mulai (WIB) <input class=\"starts\" type=\"datetime-local\" value=\"{starts}\"></label>\
         <label>Selesai (WIB) <input class=\"ends\" type=\"datetime-local\" value=\"{ends}\"></label>\
         <label>Akses sampai <select class=\"access-until\">\
         <option value=\"two_hours\"{two}>2 jam sejak bayar (atau sejak mulai)</option>\
         <option value=\"event_end\"{end}>Acara selesai + tenggang</option></select></label>\
         <label class=\"check\"><input class=\"active\" type=\"checkbox\"{active}> Dijual</label>\
         <label class=\"check\"><input class=\"live\" type=\"checkbox\"{live}> LIVE sekarang</label>\
         </div><label>Deskripsi <textarea class=\"description\" maxlength=\"2000\" rows=\"2\">{description}</textarea></label>\
         <div class=\"bar\"><button type=\"submit\" class=\"save\">{button}</button></div></form>",
        data_id = id.clone().unwrap_or_default(),
        id_field = match &id {
            Some(id) => format!("<b class=\"mono\">{id}</b>"),
            None =>
                "<input class=\"id\" maxlength=\"64\" pattern=\"[A-Za-z0-9_\\-]+\" required>".into(),
        },
        placeholder = id.clone().unwrap_or_else(|| "id".into()),
        title = text(|s| Some(&s.title)),
        price = s.map(|s| s.price.rupiah().to_string()).unwrap_or_default(),
        category = text(|s| s.category.as_deref()),
        thumb = text(|s| s.thumbnail_url.as_ref().map(|t| t.as_str())),
        media = text(|s| s.media_path.as_ref().map(|m| m.as_str())),
        starts = wib_input(s.and_then(|s| s.starts_at)),
        ends = wib_input(s.and_then(|s| s.ends_at)),
        two = if event_end { "" } else { " selected" },
        end = if event_end { " selected" } else { "" },
        active = if s.is_none() {
            " checked"
        } else {
            on(|s| s.active)
        },
        live = on(|s| s.live),
        description = text(|s| s.description.as_deref()),
        button = if s.is_some() {
            "Simpan"
        } else {
            "Tambah stream"
        },
    )
}

fn refund_row(r: &PaymentRecord) -> String {
    let v = PaymentView::of(r);
    format!(
        "<tr class=\"refund\" data-payment=\"{pid}\"><td class=\"mono\">{pid}</td><td class=\"mono\">{trx}</td>\
         <td>{user}</td><td>{stream}</td><td class=\"num\">{amount}</td><td>{reason}</td><td>{received}</td>\
         <td><input class=\"settle-note\" placeholder=\"catatan transfer\" maxlength=\"500\"></td>\
         <td><button class=\"settle\" data-payment=\"{pid}\">Tandai lunas</button></td></tr>",
        pid = esc(&v.payment_id),
        trx = esc(&v.trx_id),
        user = esc(v.user_id.as_deref().unwrap_or("")),
        stream = esc(v.stream_id.as_deref().unwrap_or("")),
        amount = esc(&v.amount_display),
        reason = esc(&refund_reason(&v)),
        received = wib(r.received_at),
    )
}

/// A refund's reason, and what the gateway has paid back of it already (Bahasa Indonesia).
fn refund_reason(v: &PaymentView) -> String {
    let reason = v.reason_text.unwrap_or("");
    match v.refunded_at_gateway {
        Some(back) => format!(
            "{reason} — sudah dikembalikan lewat gateway: {}",
            upstream_session::domain::format_idr(back)
        ),
        None => reason.to_owned(),
    }
}

/// The whole page: sessions, open refunds and the catalog.
pub fn render(
    sessions: &[PaymentSession],
    refunds: &[PaymentRecord],
    streams: &[Stream],
    now: DateTime<Utc>,
) -> String {
    let refund_rows: String = if refunds.is_empty() {
        "<tr><td colspan=\"9\">Tidak ada refund.</td></tr>".into()
    } else {
        refunds.iter().map(refund_row).collect()
    };
    let rows: String = sessions.iter().map(|s| row(s, now)).collect();
    let empty = if sessions.is_empty() {
        "<tr><td colspan=\"10\">Belum ada sesi.</td></tr>"
    } else {
        ""
    };
    let stream_rows: String = streams
        .iter()
        .map(Some)
        .chain([None])
        .map(stream_form)
        .collect();
    let options: String = streams
        .iter()
        .map(|s| {
            format!(
                "<option value=\"{0}\">{0} — {1}</option>",
                esc(s.stream_id.as_str()),
                esc(&s.title)
            )
        })
        .collect();
    PAGE.replace("{{UPLOT_CSS}}", crate::sales::UPLOT_CSS)
        .replace("{{ROWS}}", &format!("{rows}{empty}"))
        .replace("{{REFUND_ROWS}}", &refund_rows)
        .replace("{{STREAM_ROWS}}", &stream_rows)
        .replace("{{STREAM_OPTIONS}}", &options)
        .replace("{{NOW}}", &now.timestamp_millis().to_string())
}

/// The page template (inline CSS and JS; the chart library from `/admin/vendor/`, no CDN).
const PAGE: &str = include_str!("../assets/approve.html");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<script>\"x\"&'y'"),
            "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;"
        );
    }
}
