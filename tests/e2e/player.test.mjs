// Browser test of the viewer's player: chromium plays the HLS of a paid stream through the real nginx
// gate (infra/media/nginx/upstream-playback.conf), sending the playback token with hls.js, renews the
// token while access lasts and stops when it ends. Run by infra/test after `cargo test`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch, nginxBin, startGate, startStack, stop, upstream, writeHls } from "./stack.mjs";

test("👑 Tonton plays through the nginx gate, renews the token, stops when access ends", { timeout: 180_000 }, async () => {
  assert.ok(nginxBin, "nginx is installed (infra/setup)");
  const dir = mkdtempSync(join(tmpdir(), "upstream-player-"));
  chmodSync(dir, 0o755); // nginx workers (nobody when run as root) read the HLS folder
  writeHls(dir, "2");

  // Short-lived everything: tokens live 8 s, access 25 s.
  const dev = await startStack([], { PLAYBACK_TOKEN_TTL: "8", ACCESS_DURATION_SECONDS: "25", PLAYBACK_SIGNING_KEY: "" });
  const api = dev.port;
  // One origin for the page, the API and the media: nginx proxies / to the dev stack.
  const nginx = await startGate(dir, api);
  const base = nginx.base;

  const browser = await launch(["--autoplay-policy=no-user-gesture-required"]);
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", e => errors.push(e.message));
    const media = [], tokens = [];
    page.on("response", async r => {
      const url = r.url();
      if (url.includes("/hls/")) media.push({ url, status: r.status(), auth: (await r.request().allHeaders()).authorization || "" });
      if (url.includes("/api/check-access")) {
        try { const j = await r.json(); if (j.data && j.data.playback) tokens.push(j.data.playback.token); } catch (e) {}
      }
    });
    await page.goto(base + "/");
    const card = page.locator('.card[data-stream="2"]');
    await card.getByRole("button", { name: "Bayar" }).click();
    await page.locator("#pay.open").waitFor({ timeout: 10_000 });
    const userId = await page.evaluate(() => localStorage.getItem("upstreamUserId"));
    execFileSync(upstream, ["approve", "2", "--local", `http://127.0.0.1:${api}`, "--user", userId], { encoding: "utf8" });
    await card.getByRole("button", { name: "👑 Tonton" }).click({ timeout: 15_000 });

    // hls.js fetched the playlist and the segment with the token as a Bearer header.
    const until = async (ok, ms, what) => {
      const end = Date.now() + ms;
      while (!ok()) { assert.ok(Date.now() < end, what); await new Promise(r => setTimeout(r, 200)); }
    };
    await until(() => media.some(m => m.url.endsWith("/hls/2/seg42.ts")), 20_000, "hls.js loads the segment");
    const playlist = media.find(m => m.url.endsWith("/hls/2/index.m3u8"));
    assert.equal(playlist.status, 200, JSON.stringify(media));
    assert.match(playlist.auth, /^Bearer ey/);
    assert.equal(media.find(m => m.url.endsWith("/hls/2/seg42.ts")).status, 200);
    assert.ok(tokens.length >= 1);

    // Renewal before the 8 s token expires: a new token, used by the following requests.
    const first = tokens[tokens.length - 1];
    await until(() => tokens.some(t => t !== first), 20_000, "the player renews its token");
    const renewed = tokens.find(t => t !== first);
    assert.ok(renewed, "the player renewed its token");
    await until(() => media.some(m => m.auth === "Bearer " + renewed && m.status === 200), 15_000,
      "the live playlist is reloaded with the renewed token");
    const cookies = await page.context().cookies(base + "/hls/2/index.m3u8");
    assert.ok(cookies.some(c => c.name === "upstream_playback" && tokens.includes(c.value)), "the cookie carries a current token");

    // Access ends (25 s after payment): renewal stops and so does the player.
    await page.locator(".upstream-status", { hasText: "Akses Anda telah berakhir." }).waitFor({ timeout: 45_000 });
    const count = media.length;
    await new Promise(r => setTimeout(r, 3000));
    assert.equal(media.length, count, "no media requests after access ended");
    assert.deepEqual(errors, [], "no script errors");
  } finally {
    await browser.close();
    await stop(nginx);
    assert.equal(await stop(dev), 0);
    if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
  }
});
