// The local stack and the browser for the browser tests: `upstream dev --in-memory` on a free port,
// Debian's chromium through playwright-core, and the real nginx playback gate in front of the stack.
// (viewer.test.mjs still carries its own copies of these; new tests import them from here.)
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, "..", "..");
export const upstream = process.env.UPSTREAM_BIN || join(root, "target", "debug", "upstream");
export const shots = join(here, "screenshots");

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
    srv.on("error", reject);
  });
}

// `upstream dev --in-memory` on a free port with `env` added to the environment; resolves once it prints
// its banner (`child.api`: its URL, `child.port`, `child.sim`: the gateway simulator's URL if any).
export async function startStack(extra = [], env = {}) {
  const port = await freePort();
  const child = spawn(upstream, ["dev", "--in-memory", "--port", String(port), ...extra],
    { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
  let out = "";
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("upstream dev did not start:\n" + out)), 90_000);
    child.stdout.on("data", d => { out += d; if (out.includes("Stop with Ctrl-C")) { clearTimeout(timer); resolve(); } });
    child.on("exit", code => { clearTimeout(timer); reject(new Error("upstream dev exited with " + code + "\n" + out)); });
  });
  child.stdout.resume();
  child.api = `http://127.0.0.1:${port}`;
  child.port = port;
  const sim = /Gateway simulator: (\S+)/.exec(out);
  child.sim = sim ? sim[1] : null;
  return child;
}

export function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", ...extraArgs],
  });
}

export const nginxBin = ["/usr/sbin/nginx", "/usr/bin/nginx"].find(existsSync);

async function waitPort(port) {
  for (let i = 0; i < 300; i++) {
    const ok = await new Promise(r => { const s = connect(port, "127.0.0.1", () => { s.end(); r(true); }); s.on("error", () => r(false)); });
    if (ok) return;
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error("port " + port + " never opened");
}

// One origin for the pages, the API and the media: the real nginx gate
// (infra/media/nginx/upstream-playback.conf) serving `dir`/www/hls, with / proxied to the stack at
// `apiPort`. Resolves with the nginx child, `child.base` its URL; the caller makes `dir` (0755: nginx
// workers run as nobody under root).
export async function startGate(dir, apiPort) {
  const web = await freePort();
  const site = readFileSync(join(root, "infra/media/nginx/upstream-playback.conf"), "utf8")
    .replaceAll("@LISTEN@", "127.0.0.1:" + web)
    .replaceAll("@HLS_ROOT@", join(dir, "www"))
    .replaceAll("@VERIFIER_URL@", `http://127.0.0.1:${apiPort}/api/playback-auth/nginx`)
    .replace("    location /hls/ {", `    location / { proxy_pass http://127.0.0.1:${apiPort}; }\n\n    location /hls/ {`);
  writeFileSync(join(dir, "site.conf"), site);
  mkdirSync(join(dir, "tmp"), { recursive: true });
  writeFileSync(join(dir, "nginx.conf"), `worker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log info;\n` +
    `events { worker_connections 64; }\nhttp {\n access_log ${dir}/access.log;\n client_body_temp_path ${dir}/tmp/body;\n` +
    ` proxy_temp_path ${dir}/tmp/proxy;\n fastcgi_temp_path ${dir}/tmp/fastcgi;\n uwsgi_temp_path ${dir}/tmp/uwsgi;\n` +
    ` scgi_temp_path ${dir}/tmp/scgi;\n default_type application/octet-stream;\n include ${dir}/site.conf;\n}\n`);
  const child = spawn(nginxBin, ["-p", dir, "-e", join(dir, "error.log"), "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], { stdio: "ignore" });
  await waitPort(web);
  child.base = `http://127.0.0.1:${web}`;
  return child;
}

// A live HLS stream of one segment under `dir`/www/hls/`mediaPath` (what the gate serves).
export function writeHls(dir, mediaPath) {
  const hls = join(dir, "www", "hls", mediaPath);
  mkdirSync(hls, { recursive: true });
  writeFileSync(join(hls, "index.m3u8"), "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:42\n#EXTINF:2.000,\nseg42.ts\n");
  writeFileSync(join(hls, "seg42.ts"), Buffer.concat([Buffer.from([0x47, 0x1f, 0xff, 0x10]), Buffer.alloc(184, 0xff)]));
}

// Stops the stack as Ctrl-C would; resolves with its exit code.
export function stop(child) {
  return new Promise(resolve => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once("exit", code => resolve(code));
    child.kill("SIGTERM");
  });
}

// The catalog fields an admin PUT carries (it replaces the whole entry).
const ENTRY_FIELDS = ["title", "price", "active", "mediaPath", "description", "thumbnailUrl", "category",
  "startsAt", "endsAt", "accessUntil", "live"];

// Sets catalog entry `id` through the admin API: its current fields (none for a new one) with `fields`
// changed. Resolves with the entry as the public API then answers it.
export async function setEntry(base, id, fields) {
  const all = await (await fetch(base + "/admin/streams")).json();
  const current = all.data.streams.find(s => s.id === id) || {};
  const body = {};
  for (const k of ENTRY_FIELDS) if (current[k] !== undefined && current[k] !== null) body[k] = current[k];
  Object.assign(body, fields);
  const res = await fetch(`${base}/admin/streams/${encodeURIComponent(id)}`,
    { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`PUT /admin/streams/${id}: ${res.status} ${await res.text()}`);
  return (await (await fetch(`${base}/api/streams/${encodeURIComponent(id)}`)).json()).data.stream;
}

// A screenshot under tests/e2e/screenshots (gitignored), kept; resolves with its size in bytes.
export async function screenshot(page, name, options = {}) {
  mkdirSync(shots, { recursive: true });
  const path = join(shots, name);
  await page.screenshot({ path, ...options });
  return statSync(path).size;
}

// Records the page's layout shifts (window.__shifts, every entry, user input or not) from its start.
export async function recordShifts(page) {
  await page.addInitScript(() => {
    window.__shifts = [];
    new PerformanceObserver(list => {
      for (const e of list.getEntries()) {
        window.__shifts.push({ value: e.value, nodes: e.sources.map(s => s.node ? (s.node.id || s.node.className || s.node.nodeName) : "?") });
      }
    }).observe({ type: "layout-shift", buffered: true });
  });
}

// The layout shifts recorded after the first `from`, once two more frames have been drawn.
export async function shiftsSince(page, from) {
  await page.evaluate(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))));
  return page.evaluate(n => window.__shifts.slice(n), from);
}
