//! The `/admin/approve` page: server-rendered session list and catalog, inline CSS and JS, no CDN.

use chrono::{DateTime, Utc};
use upstream_session::domain::{PaymentSession, Status, Stream};

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
    }
}

fn row(s: &PaymentSession, now: DateTime<Utc>) -> String {
    let status = s.status_at(now);
    let action = if status == Status::Pending {
        format!(
            "<button class=\"approve\" data-session=\"{}\">Approve</button>",
            esc(s.session_id.as_str())
        )
    } else {
        String::new()
    };
    format!(
        "<tr class=\"{cls}\" data-session=\"{sid}\"><td class=\"mono\"><a href=\"#\" class=\"trail\" data-session=\"{sid}\">{sid}</a></td>\
         <td class=\"mono\">{trx}</td><td>{user}</td><td>{stream}</td>\
         <td><span class=\"badge {b}\">{b}</span>{refund}</td><td class=\"num\">{amount}</td>\
         <td>{created}</td><td>{expires}</td><td class=\"countdown\" data-expires=\"{exp_ms}\">{remaining}</td><td>{action}</td></tr>",
        cls = if s.refund_due { "refund" } else { "" },
        sid = esc(s.session_id.as_str()),
        trx = esc(s.trx_id.as_str()),
        user = esc(s.user_id.as_str()),
        stream = esc(s.stream_id.as_str()),
        b = badge(status),
        refund = if s.refund_due {
            " <span class=\"badge REFUND\">REFUND</span>"
        } else {
            ""
        },
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

fn stream_row(s: &Stream) -> String {
    format!(
        "<tr data-stream=\"{id}\"><td>{id}</td><td><input class=\"title\" value=\"{title}\" maxlength=\"120\"></td>\
         <td><input class=\"price\" type=\"number\" min=\"1\" step=\"1\" value=\"{price}\"></td>\
         <td><input class=\"active\" type=\"checkbox\"{checked}></td><td><button class=\"save\">Simpan</button></td></tr>",
        id = esc(s.stream_id.as_str()),
        title = esc(&s.title),
        price = s.price.rupiah(),
        checked = if s.active { " checked" } else { "" },
    )
}

/// The whole page.
pub fn render(sessions: &[PaymentSession], streams: &[Stream], now: DateTime<Utc>) -> String {
    let rows: String = sessions.iter().map(|s| row(s, now)).collect();
    let empty = if sessions.is_empty() {
        "<tr><td colspan=\"10\">Belum ada sesi.</td></tr>"
    } else {
        ""
    };
    let stream_rows: String = streams.iter().map(stream_row).collect();
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
    PAGE.replace("{{ROWS}}", &format!("{rows}{empty}"))
        .replace("{{STREAM_ROWS}}", &stream_rows)
        .replace("{{STREAM_OPTIONS}}", &options)
        .replace("{{NOW}}", &now.timestamp_millis().to_string())
}

const PAGE: &str = r##"<!doctype html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Upstream Pay — Persetujuan Pembayaran</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
header{background:#1d2330;color:#fff;padding:14px 20px;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header h1{font-size:18px;margin:0;flex:1}
main{padding:16px 20px;display:grid;gap:16px}
section{background:#fff;border-radius:10px;padding:14px 16px;box-shadow:0 1px 3px #0001}
h2{font-size:15px;margin:0 0 10px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:6px 8px;border-bottom:1px solid #e6e8ec;text-align:left;vertical-align:middle}
th{background:#fafbfc;font-weight:600}
.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
.num{text-align:right;white-space:nowrap}
.badge{display:inline-block;padding:2px 8px;border-radius:10px;font-size:11px;font-weight:700;color:#fff}
.PAID{background:#1a9b4b}.PENDING{background:#d08a00}.EXPIRED{background:#7a8190}.FAILED{background:#c0392b}.REFUND{background:#8e44ad}
tr.refund{background:#f7ecfb}
button{border:0;border-radius:6px;padding:6px 12px;background:#2d6cdf;color:#fff;cursor:pointer;font-size:13px}
button.secondary{background:#e6e8ec;color:#1d2330}
input,select{padding:5px 8px;border:1px solid #c9ced6;border-radius:6px;font-size:13px}
form,.bar{display:flex;gap:8px;flex-wrap:wrap;align-items:center}
#msg{min-height:20px;font-size:13px}
#msg.err{color:#c0392b}#msg.ok{color:#1a9b4b}
#trail{white-space:pre-wrap;font-size:12px}
</style></head>
<body>
<header><h1>Upstream Pay — Persetujuan Pembayaran</h1>
<div class="bar"><label>Status <select id="f-status"><option value="">Semua</option><option value="pending">PENDING</option><option value="paid">PAID</option><option value="expired">EXPIRED</option><option value="failed">FAILED</option></select></label>
<label>Stream <select id="f-stream"><option value="">Semua</option>{{STREAM_OPTIONS}}</select></label>
<button id="refresh" class="secondary">🔄 Muat ulang</button></div></header>
<main>
<section><h2>Setujui cepat</h2>
<form id="quick"><label>Stream <select name="streamId">{{STREAM_OPTIONS}}</select></label>
<label>User <input name="userId" placeholder="id pengguna" required maxlength="128"></label>
<label>Catatan <input name="note" placeholder="opsional" maxlength="500"></label>
<button type="submit">✅ Setujui stream untuk user</button></form>
<div id="msg"></div></section>
<section><h2>Sesi pembayaran</h2>
<table id="sessions"><thead><tr><th>Session ID</th><th>Trx ID</th><th>User</th><th>Stream</th><th>Status</th><th>Nominal</th><th>Dibuat</th><th>Berakhir</th><th>Sisa waktu</th><th></th></tr></thead>
<tbody>{{ROWS}}</tbody></table>
<div class="bar"><button id="more" class="secondary" hidden>Muat lebih banyak</button></div></section>
<section><h2>Jejak audit</h2><div id="trail">Klik sebuah Session ID untuk melihat jejak auditnya.</div></section>
<section><h2>Katalog stream</h2>
<table id="catalog"><thead><tr><th>ID</th><th>Judul</th><th>Harga (Rp)</th><th>Aktif</th><th></th></tr></thead><tbody>{{STREAM_ROWS}}</tbody></table></section>
</main>
<script>
"use strict";
const serverNow={{NOW}}, skew=Date.now()-serverNow;
let cursor=null;
const $=s=>document.querySelector(s);
function esc(s){return String(s??"").replace(/[&<>"']/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}[c]));}
function msg(text,ok){const m=$("#msg");m.textContent=text;m.className=ok?"ok":"err";}
async function call(method,url,body){
  const r=await fetch(url,{method,headers:body?{"content-type":"application/json"}:{},body:body?JSON.stringify(body):undefined});
  let j=null;try{j=await r.json();}catch(e){}
  if(!r.ok||!j||!j.success)throw new Error((j&&j.error)||("HTTP "+r.status));
  return j.data;
}
function wib(iso){const d=new Date(Date.parse(iso)+7*3600e3);const p=n=>String(n).padStart(2,"0");
  return p(d.getUTCDate())+"/"+p(d.getUTCMonth()+1)+" "+p(d.getUTCHours())+":"+p(d.getUTCMinutes())+":"+p(d.getUTCSeconds())+" WIB";}
function remaining(ms){if(ms<=0)return "—";const s=Math.floor(ms/1000);return Math.floor(s/3600)+"j "+String(Math.floor(s/60)%60).padStart(2,"0")+"m "+String(s%60).padStart(2,"0")+"d";}
function row(s){
  const st=s.status.toUpperCase();
  return `<tr class="${s.refundDue?"refund":""}" data-session="${esc(s.sessionId)}"><td class="mono"><a href="#" class="trail" data-session="${esc(s.sessionId)}">${esc(s.sessionId)}</a></td><td class="mono">${esc(s.trxId)}</td><td>${esc(s.userId)}</td><td>${esc(s.streamId)}</td><td><span class="badge ${st}">${st}</span>${s.refundDue?' <span class="badge REFUND">REFUND</span>':""}</td><td class="num">${esc(s.amountDisplay)}</td><td>${wib(s.createdAt)}</td><td>${wib(s.expiresAt)}</td><td class="countdown" data-expires="${Date.parse(s.expiresAt)}">${remaining(Date.parse(s.expiresAt)-Date.now()+skew)}</td><td>${s.status==="pending"?`<button class="approve" data-session="${esc(s.sessionId)}">Approve</button>`:""}</td></tr>`;
}
async function load(append){
  const q=new URLSearchParams();const st=$("#f-status").value,sm=$("#f-stream").value;
  if(st)q.set("status",st);if(sm)q.set("streamId",sm);if(append&&cursor)q.set("cursor",cursor);
  try{const d=await call("GET","/admin/sessions?"+q);cursor=d.nextCursor;$("#more").hidden=!cursor;
    const html=d.sessions.map(row).join("")||'<tr><td colspan="10">Belum ada sesi.</td></tr>';
    if(append)$("#sessions tbody").insertAdjacentHTML("beforeend",html);else $("#sessions tbody").innerHTML=html;
  }catch(e){msg("Gagal memuat sesi: "+e.message);}
}
document.addEventListener("click",async ev=>{
  const t=ev.target;
  if(t.matches("button.approve")){t.disabled=true;
    try{const d=await call("POST","/api/force-approve",{sessionId:t.dataset.session});msg((d.alreadyPaid?"Sudah dibayar sebelumnya: ":"Disetujui: ")+d.trxId,true);load();}
    catch(e){msg("Gagal menyetujui: "+e.message);t.disabled=false;}}
  if(t.matches("a.trail")){ev.preventDefault();
    try{const d=await call("GET","/admin/sessions/"+encodeURIComponent(t.dataset.session)+"/events");
      $("#trail").textContent=d.events.map(e=>wib(e.at)+"  "+e.action+"  ["+e.source+(e.actor?" · "+e.actor:"")+"]"+(e.providerRef?"  ref="+e.providerRef:"")+(e.note?"  — "+e.note:"")).join("\n")||"Tidak ada kejadian.";}
    catch(e){$("#trail").textContent="Gagal memuat jejak audit: "+e.message;}}
  if(t.matches("button.save")){const tr=t.closest("tr");
    try{await call("PUT","/admin/streams/"+encodeURIComponent(tr.dataset.stream),{title:tr.querySelector(".title").value,price:Number(tr.querySelector(".price").value),active:tr.querySelector(".active").checked});msg("Katalog disimpan: stream "+tr.dataset.stream,true);}
    catch(e){msg("Gagal menyimpan katalog: "+e.message);}}
});
$("#quick").addEventListener("submit",async ev=>{ev.preventDefault();const f=new FormData(ev.target);
  try{const d=await call("POST","/api/force-approve",{streamId:f.get("streamId"),userId:f.get("userId"),note:f.get("note")||null});
    msg((d.complimentary?"Akses gratis diberikan: ":"Disetujui: ")+d.trxId,true);load();}
  catch(e){msg("Gagal menyetujui: "+e.message);}});
$("#refresh").addEventListener("click",()=>load());
$("#more").addEventListener("click",()=>load(true));
$("#f-status").addEventListener("change",()=>load());$("#f-stream").addEventListener("change",()=>load());
setInterval(()=>{for(const c of document.querySelectorAll(".countdown"))c.textContent=remaining(Number(c.dataset.expires)-Date.now()+skew);},1000);
</script></body></html>
"##;

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
