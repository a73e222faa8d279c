// Browser test of the viewer's player: chromium plays the HLS of a paid stream through the real nginx
// gate (infra/media/nginx/upstream-playback.conf), sending the playback token with hls.js, renews the
// token while access lasts and stops when it ends. Run by infra/test after `cargo test`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { createServer } from "node:net";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const upstream = process.env.UPSTREAM_BIN || join(root, "target", "debug", "upstream");
const nginxBin = ["/usr/sbin/nginx", "/usr/bin/nginx"].find(existsSync);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
    srv.on("error", reject);
  });
}

function started(child, marker, what) {
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(what + " did not start:\n" + out)), 90_000);
    child.stdout.on("data", d => { out += d; if (out.includes(marker)) { clearTimeout(timer); child.stdout.resume(); resolve(); } });
    child.on("exit", code => { clearTimeout(timer); reject(new Error(what + " exited with " + code + "\n" + out)); });
  });
}

async function waitPort(port) {
  const { connect } = await import("node:net");
  for (let i = 0; i < 300; i++) {
    const ok = await new Promise(r => { const s = connect(port, "127.0.0.1", () => { s.end(); r(true); }); s.on("error", () => r(false)); });
    if (ok) return;
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error("port " + port + " never opened");
}

function stop(child) {
  return new Promise(resolve => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once("exit", code => resolve(code));
    child.kill("SIGTERM");
  });
}

test("👑 Tonton plays through the nginx gate, renews the token, stops when access ends", { timeout: 180_000 }, async () => {
  assert.ok(nginxBin, "nginx is installed (infra/setup)");
  const dir = mkdtempSync(join(tmpdir(), "upstream-player-"));
  chmodSync(dir, 0o755); // nginx workers (nobody when run as root) read the HLS folder
  const hls = join(dir, "www", "hls", "2");
  mkdirSync(hls, { recursive: true });
  writeFileSync(join(hls, "index.m3u8"), "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:42\n#EXTINF:2.000,\nseg42.ts\n");
  writeFileSync(join(hls, "seg42.ts"), Buffer.concat([Buffer.from([0x47, 0x1f, 0xff, 0x10]), Buffer.alloc(184, 0xff)]));

  const api = await freePort(), web = await freePort();
  // Short-lived everything: tokens live 8 s, access 25 s.
  const dev = spawn(upstream, ["dev", "--in-memory", "--port", String(api)], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, PLAYBACK_TOKEN_TTL: "8", ACCESS_DURATION_SECONDS: "25", PLAYBACK_SIGNING_KEY: "" },
  });
  await started(dev, "Stop with Ctrl-C", "upstream dev");
  // One origin for the page, the API and the media: nginx proxies / to the dev stack.
  const site = readFileSync(join(root, "infra/media/nginx/upstream-playback.conf"), "utf8")
    .replaceAll("@LISTEN@", "127.0.0.1:" + web)
    .replaceAll("@HLS_ROOT@", join(dir, "www"))
    .replaceAll("@VERIFIER_URL@", `http://127.0.0.1:${api}/api/playback-auth/nginx`)
    .replace("    location /hls/ {", `    location / { proxy_pass http://127.0.0.1:${api}; }\n\n    location /hls/ {`);
  writeFileSync(join(dir, "site.conf"), site);
  mkdirSync(join(dir, "tmp"), { recursive: true });
  writeFileSync(join(dir, "nginx.conf"), `worker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log info;\n` +
    `events { worker_connections 64; }\nhttp {\n access_log ${dir}/access.log;\n client_body_temp_path ${dir}/tmp/body;\n` +
    ` proxy_temp_path ${dir}/tmp/proxy;\n fastcgi_temp_path ${dir}/tmp/fastcgi;\n uwsgi_temp_path ${dir}/tmp/uwsgi;\n` +
    ` scgi_temp_path ${dir}/tmp/scgi;\n default_type application/octet-stream;\n include ${dir}/site.conf;\n}\n`);
  const nginx = spawn(nginxBin, ["-p", dir, "-e", join(dir, "error.log"), "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], { stdio: "ignore" });
  await waitPort(web);
  const base = `http://127.0.0.1:${web}`;

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
  });
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
