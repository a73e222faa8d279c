// Upstream Pay viewer: what the list page (index.html) and the stream page (s/index.html) share — the
// viewer's id and sessions (localStorage), the one function that calls the API, the words for prices,
// durations and schedules (WIB), the access check, and the QRIS dialog (generate-qris, then polling).
// Its one entry point is window.Upstream.
//
// Where the API is: <meta name="upstream-api-base" content="https://…"> in each page (empty: the
// page's own origin).
"use strict";
(function () {
  const meta = document.querySelector('meta[name="upstream-api-base"]');
  const API = ((meta && meta.content) || "").replace(/\/$/, "");
  const $ = s => document.querySelector(s);

  // The viewer's id, kept in localStorage (generated on the first visit).
  const hex = n => { const r = new Uint8Array(n); crypto.getRandomValues(r); return Array.from(r, b => b.toString(16).padStart(2, "0")).join(""); };
  let userId = localStorage.getItem("upstreamUserId");
  if (!userId) { userId = "user-" + hex(8); localStorage.setItem("upstreamUserId", userId); }

  // Every session a page received, per stream, kept until it can no longer grant access (its expiry
  // plus the 24 h in which a late payment is still honoured): a viewer who paid an older QR of theirs
  // still gets access. currentSessionId/currentTrxId as the original frontend kept them (the latest one).
  const KEEP_MS = 24 * 3600e3;
  function sessions() {
    let all = {};
    try { all = JSON.parse(localStorage.getItem("upstreamSessions") || "{}") || {}; } catch (e) {}
    for (const k of Object.keys(all)) {
      const list = Array.isArray(all[k]) ? all[k] : [all[k]];
      all[k] = list.filter(x => x && x.sessionId && !(Date.parse(x.expiresAt) + KEEP_MS < Date.now()));
    }
    return all;
  }
  function remember(streamId, d) {
    const all = sessions();
    const list = (all[streamId] || []).filter(x => x.sessionId !== d.sessionId);
    list.push({ sessionId: d.sessionId, trxId: d.trxId, expiresAt: d.expiresAt });
    all[streamId] = list; localStorage.setItem("upstreamSessions", JSON.stringify(all));
    localStorage.setItem("currentSessionId", d.sessionId); localStorage.setItem("currentTrxId", d.trxId);
  }
  // Newest first.
  function sessionsFor(streamId) {
    const list = (sessions()[streamId] || []).slice().reverse();
    if (list.length) return list;
    const id = localStorage.getItem("currentSessionId");
    return id ? [{ sessionId: id, trxId: localStorage.getItem("currentTrxId") }] : [];
  }

  const rupiah = n => "Rp " + Number(n).toLocaleString("id-ID");
  function left(ms) {
    if (ms <= 0) return "0 menit";
    const m = Math.ceil(ms / 60000), h = Math.floor(m / 60);
    return (h ? h + " jam " : "") + (m % 60) + " menit";
  }
  // A countdown: "2 hari 03:04:05", or "03:04:05" within a day.
  function countdown(ms) {
    const s = Math.max(0, Math.ceil(ms / 1000)), d = Math.floor(s / 86400);
    const hms = [Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60].map(n => String(n).padStart(2, "0")).join(":");
    return (d ? d + " hari " : "") + hms;
  }
  // A time in WIB (Asia/Jakarta), e.g. "Sab, 30 Agu, 20.00 WIB".
  const WIB = new Intl.DateTimeFormat("id-ID", { timeZone: "Asia/Jakarta", weekday: "short", day: "numeric",
    month: "short", hour: "2-digit", minute: "2-digit" });
  const wib = iso => WIB.format(new Date(iso)) + " WIB";
  // Where a stream stands, in words, on this device's clock (the server's `status` may be 30 s old):
  // {live, past, text} or null when it has no schedule and is not on air.
  function schedule(stream, now = Date.now()) {
    if (stream.live || stream.status === "live") return { live: true, text: "Sedang tayang" };
    if (stream.status === "past" || (stream.endsAt && Date.parse(stream.endsAt) <= now)) return { past: true, text: "Selesai" };
    if (stream.startsAt) return { text: (Date.parse(stream.startsAt) > now ? "Mulai " : "Dimulai ") + wib(stream.startsAt) };
    return null;
  }
  // "akses …": how long a payment lasts (the rule is the server's; this is its summary).
  function accessText(stream) {
    if (stream.accessUntil === "event_end") return "akses sampai acara selesai";
    return stream.startsAt && Date.parse(stream.startsAt) > Date.now() ? "akses 2 jam sejak acara dimulai" : "akses 2 jam";
  }
  // The badges and schedule line of a stream (LIVE, category, "Mulai … WIB" / "Selesai").
  function whenLine(stream) {
    const when = schedule(stream), w = document.createElement("div"); w.className = "when";
    const span = (cls, text) => { const e = document.createElement("span"); e.className = cls; e.textContent = text; w.appendChild(e); };
    if (when && when.live) span("badge live", "LIVE");
    if (stream.category) span("badge cat", stream.category);
    if (when) span("sched", when.text);
    return w;
  }
  // The picture in its 16:9 box: an https URL as is, a path under this page's origin.
  function thumb(stream) {
    const img = document.createElement("img"); img.className = "thumb"; img.alt = "";
    img.src = /^https:\/\//.test(stream.thumbnailUrl) ? stream.thumbnailUrl : stream.thumbnailUrl.replace(/^\/*/, "/");
    return img;
  }

  async function api(method, path, body, extraHeaders) {
    let res;
    const headers = Object.assign(body ? { "content-type": "application/json" } : {}, extraHeaders || {});
    try {
      res = await fetch(API + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
    } catch (e) { throw Object.assign(new Error("Tidak dapat terhubung ke server. Periksa koneksi Anda."), { code: "NETWORK" }); }
    let json = null; try { json = await res.json(); } catch (e) {}
    if (!json || !json.success) throw Object.assign(new Error((json && json.error) || "Terjadi kesalahan (HTTP " + res.status + ")."), { code: json && json.code, status: res.status });
    return json.data;
  }

  // The access one of this device's sessions grants to the stream: {expiresAt, sessionId, playback} or null.
  async function checkAccess(streamId) {
    for (const s of sessionsFor(streamId)) {
      try {
        const d = await api("GET", "/api/check-access?" + new URLSearchParams({ sessionId: s.sessionId, streamId, userId }));
        if (d.hasAccess) return { expiresAt: d.expiresAt, sessionId: s.sessionId, playback: d.playback };
      } catch (e) {}
    }
    return null;
  }

  // The QRIS dialog, the same on both pages.
  document.body.insertAdjacentHTML("beforeend", `<div id="pay" role="dialog" aria-modal="true" aria-labelledby="pay-title">
  <div class="box">
    <h3 id="pay-title">Bayar dengan QRIS</h3>
    <img id="pay-qr" alt="Kode QRIS">
    <div class="amount" id="pay-amount"></div>
    <div class="trx">Kode transaksi: <code id="pay-trx"></code></div>
    <div>Pindai dengan aplikasi bank atau e-wallet apa pun.</div>
    <div class="status" id="pay-status" role="status">Menunggu pembayaran…</div>
    <div class="note" id="pay-left"></div>
    <button id="pay-close" type="button">Tutup</button>
  </div>
</div>`);
  let poll = null, tick = null, opener = null;
  const isOpen = () => $("#pay").classList.contains("open");
  function closePay() {
    clearInterval(poll); clearInterval(tick); $("#pay").classList.remove("open");
    if (opener && document.contains(opener)) opener.focus();
    opener = null;
  }
  $("#pay-close").onclick = closePay;
  // Keyboard: Escape closes; Tab stays on the dialog's one button while it is open.
  document.addEventListener("keydown", e => {
    if (!isOpen()) return;
    if (e.key === "Escape") { e.preventDefault(); closePay(); }
    else if (e.key === "Tab") { e.preventDefault(); $("#pay-close").focus(); }
  });

  function openPay(stream, d, onPaid, from) {
    opener = from || document.activeElement;
    $("#pay-title").textContent = "Bayar: " + stream.title;
    $("#pay-qr").src = d.qrCode;
    $("#pay-amount").textContent = rupiah(d.amount);
    // What the operator asks for when approving by hand (several sessions may carry one userId).
    $("#pay-trx").textContent = d.trxId;
    $("#pay-status").textContent = "Menunggu pembayaran…";
    $("#pay").classList.add("open");
    $("#pay-close").focus();
    const expires = Date.parse(d.expiresAt);
    clearInterval(tick); clearInterval(poll);
    const count = () => {
      const ms = expires - Date.now();
      $("#pay-left").textContent = ms > 0 ? "Kode berlaku " + left(ms) + " lagi" : "Kode QR kedaluwarsa. Tutup dan tekan Bayar lagi.";
      if (ms <= 0) { clearInterval(poll); clearInterval(tick); }
    };
    count(); tick = setInterval(count, 1000);
    const s = { sessionId: d.sessionId, trxId: d.trxId };
    poll = setInterval(async () => {
      try {
        const st = await api("GET", "/api/payment-callback?" + new URLSearchParams({ trxId: s.trxId, sessionId: s.sessionId }));
        if (st.status === "paid") {
          clearInterval(poll); clearInterval(tick);
          $("#pay-status").textContent = "✅ Pembayaran diterima!";
          remember(stream.id, { sessionId: s.sessionId, trxId: s.trxId, expiresAt: st.expiresAt });
          setTimeout(() => { closePay(); onPaid({ expiresAt: st.expiresAt, sessionId: s.sessionId, playback: st.playback }); }, 800);
        } else if (st.status === "failed") {
          clearInterval(poll); $("#pay-status").textContent = "Pembayaran gagal. Silakan coba lagi.";
        }
      } catch (e) { $("#pay-status").textContent = e.message; }
    }, 3000);
  }

  // Bayar: a QR for the stream (one key per tap: a retry after a lost answer gets the same session,
  // never a second QR), then the dialog until it is paid (onPaid(access)); closing it puts the focus
  // back on `from` (the Bayar button). Throws the words to show.
  async function buy(stream, onPaid, from) {
    const key = "tap-" + hex(16);
    const held = sessionsFor(stream.id).find(x => x.expiresAt && Date.parse(x.expiresAt) > Date.now());
    const body = { streamId: stream.id, userId, sessionId: held ? held.sessionId : undefined };
    let d = null;
    try {
      for (let attempt = 0; ; attempt++) {
        try { d = await api("POST", "/api/generate-qris", body, { "Idempotency-Key": key }); break; }
        catch (e) { if (e.code !== "NETWORK" || attempt >= 2) throw e; await new Promise(r => setTimeout(r, 1000 * (attempt + 1))); }
      }
    } catch (e) {
      if (e.code === "ALREADY_HAS_ACCESS") e.message = "Anda sudah memiliki akses untuk stream ini.";
      throw e;
    }
    remember(stream.id, d);
    openPay(stream, d, onPaid, from);
  }

  const user = $("#user");
  if (user) user.textContent = "ID Anda: " + userId;
  window.Upstream = { api, userId, checkAccess, buy, payOpen: isOpen, rupiah, left, countdown, wib, schedule,
    accessText, whenLine, thumb };
})();
