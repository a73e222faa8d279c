// Upstream Pay viewer player: plays the stream's HLS with its playback token and renews the token
// while access lasts. Loaded by index.html; its one entry point is UpstreamPlayer.open(...).
//
// Where the media lives: <meta name="upstream-media-base" content="https://media.example/hls/">
// (default: /hls/ on this page's origin). The playlist is <media base><mediaPath>/index.m3u8, the
// mediaPath read from the token's MediaMTX permission claim.
// The token travels as `Authorization: Bearer` (hls.js xhrSetup), and for Safari's native player as
// the `upstream_playback` cookie (same site) or `?token=` (nginx hands it back as a cookie).
"use strict";
(function () {
  const here = document.currentScript ? document.currentScript.src : location.href;
  const HLS_SRC = new URL("vendor/hls.light.min.js", here).href;
  const RENEW_BEFORE_MS = 60000, RETRY_MS = 5000;
  let current = null;

  function mediaBase() {
    const m = document.querySelector('meta[name="upstream-media-base"]');
    const base = (m && m.content) || "/hls/";
    return new URL(base.endsWith("/") ? base : base + "/", location.href);
  }

  // The media path the token may read (its claims are not secret; the server verifies them).
  function mediaPath(token) {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(part + "===".slice((part.length + 3) % 4)));
    const read = (claims.mediamtx_permissions || []).find(p => p.action === "read");
    return read ? read.path : claims.stream;
  }

  function loadHls() {
    if (window.Hls) return Promise.resolve(window.Hls);
    return new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = HLS_SRC; s.onload = () => resolve(window.Hls); s.onerror = reject;
      document.head.appendChild(s);
    });
  }

  function setCookie(base, token, expiresAt) {
    if (base.origin !== location.origin) return; // another site: nginx sets it from ?token=
    const age = Math.max(0, Math.floor((Date.parse(expiresAt) - Date.now()) / 1000));
    document.cookie = "upstream_playback=" + token + "; Path=" + base.pathname + "; Max-Age=" + age +
      "; SameSite=Strict" + (location.protocol === "https:" ? "; Secure" : "");
  }

  function ui(container) {
    let video = container.querySelector("video.upstream-video");
    if (!video) {
      video = document.createElement("video");
      video.className = "upstream-video"; video.controls = true; video.playsInline = true; video.autoplay = true;
      video.style.cssText = "width:100%;max-height:70vh;background:#000;border-radius:8px;margin-top:8px";
      container.appendChild(video);
    }
    let status = container.querySelector(".upstream-status");
    if (!status) {
      status = document.createElement("p"); status.className = "note upstream-status"; container.appendChild(status);
    }
    return { video, status };
  }

  function stop(message) {
    if (!current) return;
    clearTimeout(current.timer);
    if (current.hls) current.hls.destroy();
    current.video.pause(); current.video.removeAttribute("src"); current.video.load();
    if (message) current.status.textContent = message;
    current = null;
  }

  // Asks check-access again: a fresh token while access lasts; otherwise playback stops.
  async function renew(session) {
    if (current !== session) return;
    let d;
    try {
      d = await session.api("GET", "/api/check-access?" + new URLSearchParams({
        sessionId: session.sessionId, streamId: session.streamId, userId: session.userId }));
    } catch (e) {
      if (current !== session) return;
      if (e.code === "NETWORK" || (e.status >= 500)) { // transient: try again while the token lasts
        if (Date.parse(session.expiresAt) > Date.now() + RETRY_MS) { session.timer = setTimeout(() => renew(session), RETRY_MS); return; }
      }
      stop("Akses Anda telah berakhir."); return;
    }
    if (current !== session) return;
    if (!d.hasAccess || !d.playback) { stop("Akses Anda telah berakhir."); return; }
    apply(session, d.playback);
    if (session.native && session.base.origin !== location.origin) {
      const t = session.video.currentTime; session.video.src = session.url + "?token=" + encodeURIComponent(session.token);
      session.video.currentTime = t;
    }
  }

  function apply(session, playback) {
    session.token = playback.token; session.expiresAt = playback.expiresAt;
    setCookie(session.base, session.token, session.expiresAt);
    const life = Date.parse(session.expiresAt) - Date.now();
    // A minute before expiry (short-lived tokens: at 80 % of their life).
    const wait = Math.max(1000, life > 2 * RENEW_BEFORE_MS ? life - RENEW_BEFORE_MS : life * 0.8);
    clearTimeout(session.timer);
    session.timer = setTimeout(() => renew(session), wait);
    session.status.textContent = "";
  }

  async function open(opts) {
    stop();
    const { video, status } = ui(opts.container);
    if (!opts.session) { status.textContent = "Sesi tidak ditemukan di perangkat ini."; return; }
    const session = { api: opts.api, streamId: opts.streamId, userId: opts.userId,
      sessionId: opts.session.sessionId, video, status, base: mediaBase() };
    current = session;
    status.textContent = "Menyiapkan pemutar…";
    try {
      const d = await opts.api("GET", "/api/check-access?" + new URLSearchParams({
        sessionId: session.sessionId, streamId: session.streamId, userId: session.userId }));
      if (current !== session) return;
      if (!d.hasAccess) { stop("Akses Anda telah berakhir."); return; }
      if (!d.playback) { status.textContent = "Pemutar belum dikonfigurasi di server ini."; return; }
      apply(session, d.playback);
      session.url = new URL(mediaPath(session.token) + "/index.m3u8", session.base).href;
      const Hls = await loadHls().catch(() => null);
      if (current !== session) return;
      if (Hls && Hls.isSupported()) {
        session.hls = new Hls({
          xhrSetup: xhr => xhr.setRequestHeader("Authorization", "Bearer " + session.token),
        });
        let authRetries = 0;
        session.hls.on(Hls.Events.MANIFEST_LOADED, () => { authRetries = 0; });
        session.hls.on(Hls.Events.ERROR, (_, data) => {
          const code = data.response && data.response.code;
          if (data.fatal && (code === 401 || code === 403) && authRetries++ < 3) {
            // A token that expired under us: renew, then load again (renew stops when access ended).
            renew(session).then(() => { if (current === session) session.hls.loadSource(session.url); });
          } else if (data.fatal) status.textContent = "Siaran tidak dapat diputar saat ini.";
        });
        session.hls.loadSource(session.url);
        session.hls.attachMedia(video);
      } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
        session.native = true;
        video.src = session.base.origin === location.origin
          ? session.url : session.url + "?token=" + encodeURIComponent(session.token);
      } else {
        status.textContent = "Browser ini tidak dapat memutar siaran HLS.";
      }
    } catch (e) {
      if (current === session) stop(e.message || "Gagal memuat pemutar.");
    }
  }

  window.UpstreamPlayer = { open, stop: () => stop(), mediaPath };
})();
