// Browser end-to-end test of the local stack: Debian's chromium driven by playwright-core.
// Run by infra/test (after `cargo test`, which builds target/debug/upstream).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { createServer } from "node:net";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const upstream = process.env.UPSTREAM_BIN || join(root, "target", "debug", "upstream");
const shots = join(here, "screenshots");
mkdirSync(shots, { recursive: true });

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
    srv.on("error", reject);
  });
}

async function startStack(port, extra = []) {
  const child = spawn(upstream, ["dev", "--in-memory", "--port", String(port), ...extra], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("upstream dev did not start:\n" + out)), 90_000);
    child.stdout.on("data", d => { out += d; if (out.includes("Stop with Ctrl-C")) { clearTimeout(timer); resolve(); } });
    child.on("exit", code => { clearTimeout(timer); reject(new Error("upstream dev exited with " + code + "\n" + out)); });
  });
  child.stdout.resume();
  const sim = /Gateway simulator: (\S+)/.exec(out);
  child.sim = sim ? sim[1] : null;
  child.api = `http://127.0.0.1:${port}`;
  const page = /Viewer page on another origin: (\S+)/.exec(out);
  child.page = page ? page[1] : null;
  return child;
}

// The stack with the viewer page on another origin (http://localhost:P1/) than the API
// (http://127.0.0.1:P2): the browser makes the CORS preflights a deployed page makes.
async function startCrossOrigin(extra = []) {
  const port = await freePort(), pagePort = await freePort();
  const stack = await startStack(port, ["--page-port", String(pagePort), ...extra]);
  assert.equal(stack.page, `http://localhost:${pagePort}/`, "the stack prints the page's origin");
  return stack;
}

function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
}

function stop(child) {
  return new Promise(resolve => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once("exit", code => resolve(code));
    child.kill("SIGTERM");
  });
}

test("pay on the viewer page (another origin than the API), approve from the CLI, watch, reload, see it on the admin page", { timeout: 180_000 }, async () => {
  const stack = await startCrossOrigin();
  const base = stack.api;
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const errors = [];
    page.on("pageerror", e => errors.push(e.message));
    const apiOrigins = new Set();
    page.on("request", r => { if (r.url().includes("/api/")) apiOrigins.add(new URL(r.url()).origin); });
    await page.goto(stack.page);
    const card = page.locator('.card[data-stream="2"]');
    await card.getByRole("button", { name: "Bayar" }).waitFor({ timeout: 15_000 });
    const userId = await page.evaluate(() => localStorage.getItem("upstreamUserId"));
    assert.match(userId, /^user-[0-9a-f]{16}$/);

    await card.getByRole("button", { name: "Bayar" }).click();
    const qr = page.locator("#pay-qr");
    await page.locator("#pay.open").waitFor({ timeout: 10_000 });
    assert.match(await qr.getAttribute("src"), /^data:image\/png;base64,/);
    assert.equal(await page.locator("#pay-amount").textContent(), "Rp 1.000");
    assert.match(await page.locator("#pay-trx").textContent(), /^UP-/, "the trxId the operator may ask for");
    await page.waitForFunction(() => document.querySelector("#pay-qr").naturalWidth > 0);
    await page.screenshot({ path: join(shots, "1-qr.png") });

    const printed = execFileSync(upstream, ["approve", "2", "--local", base, "--user", userId], { encoding: "utf8" });
    assert.match(printed, /localStorage\.setItem\('currentSessionId', 'session_[0-9a-f]{32}'\)/);

    await card.getByRole("button", { name: "👑 Tonton" }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(shots, "2-tonton.png") });

    await page.reload();
    await page.locator('.card[data-stream="2"]').getByRole("button", { name: "👑 Tonton" }).waitFor({ timeout: 10_000 });
    await page.locator('.card[data-stream="4"]').getByRole("button", { name: "Bayar" }).waitFor();
    await page.screenshot({ path: join(shots, "3-after-reload.png") });
    assert.deepEqual([...apiOrigins], [base], "every API call went to the API's own origin, not the page's");

    await page.goto(base + "/admin/approve");
    const row = page.locator("#sessions tbody tr", { hasText: userId });
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await row.locator(".badge").first().textContent(), "PAID");
    await page.screenshot({ path: join(shots, "4-admin.png"), fullPage: true });
    assert.deepEqual(errors, [], "no script errors on the pages");
  } finally {
    await browser.close();
    const code = await stop(stack);
    assert.equal(code, 0, "upstream dev stops cleanly");
  }
});

test("with the Midtrans simulator: Bayar shows the gateway's QR, a simulated payment turns it into 👑 Tonton", { timeout: 180_000 }, async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const stack = await startStack(port, ["--provider", "midtrans"]);
  assert.ok(stack.sim, "the stack prints its simulator");
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const errors = [];
    page.on("pageerror", e => errors.push(e.message));
    await page.goto(base + "/");
    const card = page.locator('.card[data-stream="2"]');
    await card.getByRole("button", { name: "Bayar" }).click({ timeout: 15_000 });
    await page.locator("#pay.open").waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector("#pay-qr").naturalWidth > 0);
    const orders = await (await fetch(stack.sim + "/sim/orders")).json();
    assert.equal(orders.orders.length, 1, "one charge at the gateway");
    const order = orders.orders[0];
    assert.equal(order.amount, 1000);
    const paid = await fetch(stack.sim + "/sim/pay/" + encodeURIComponent(order.orderId), { method: "POST" });
    assert.equal(paid.status, 200);
    await card.getByRole("button", { name: "👑 Tonton" }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(shots, "5-midtrans-tonton.png") });

    // Refunded at the gateway: the access ends, the page offers Bayar again, the admin page says why.
    const refunded = await (await fetch(stack.sim + "/sim/refund/" + encodeURIComponent(order.orderId), { method: "POST" })).json();
    assert.equal(refunded.transaction_status, "refund");
    await page.reload();
    await page.locator('.card[data-stream="2"]').getByRole("button", { name: "Bayar" }).waitFor({ timeout: 10_000 });
    await page.goto(base + "/admin/approve");
    const row = page.locator("#sessions tbody tr", { hasText: order.orderId });
    assert.equal(await row.locator(".badge").first().textContent(), "REVOKED");
    assert.match(await row.textContent(), /dana dikembalikan gateway/);
    assert.deepEqual(errors, [], "no script errors on the page");
  } finally {
    await browser.close();
    const code = await stop(stack);
    assert.equal(code, 0, "upstream dev stops cleanly");
  }
});

test("with a template whose CORS AllowHeaders lacks idempotency-key, the browser blocks Bayar on another origin", { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "upstream-cors-"));
  const template = readFileSync(join(root, "template.yaml"), "utf8");
  const broken = template.replace(/AllowHeaders: \[([^\]]*)\]/, (_, list) =>
    "AllowHeaders: [" + list.split(",").map(h => h.trim()).filter(h => h.toLowerCase() !== "idempotency-key").join(", ") + "]");
  assert.match(broken, /AllowHeaders: \[[^\]]*\]/);
  assert.doesNotMatch(/AllowHeaders: \[[^\]]*\]/.exec(broken)[0], /idempotency-key/i);
  const file = join(dir, "template.yaml");
  writeFileSync(file, broken);
  const stack = await startCrossOrigin(["--template", file]);
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const errors = [];
    page.on("pageerror", e => errors.push(e.message));
    await page.goto(stack.page);
    const card = page.locator('.card[data-stream="2"]');
    // The catalog loads (a GET without custom headers needs no preflight)…
    await card.getByRole("button", { name: "Bayar" }).click({ timeout: 15_000 });
    // …but the QR request's preflight is refused: the browser never sends it.
    await card.locator(".note.error", { hasText: "Tidak dapat terhubung ke server" }).waitFor({ timeout: 20_000 });
    assert.equal(await page.locator("#pay.open").count(), 0, "no QR was shown");
    await page.screenshot({ path: join(shots, "6-cors-blocked.png") });
    const sessions = execFileSync(upstream, ["sessions", "--local", stack.api], { encoding: "utf8" });
    assert.doesNotMatch(sessions, /session_/, "no session was created: " + sessions);
    assert.deepEqual(errors, [], "no script errors on the page");
  } finally {
    await browser.close();
    assert.equal(await stop(stack), 0, "upstream dev stops cleanly");
    rmSync(dir, { recursive: true, force: true });
  }
});

test("two pending sessions under one userId: Setujui cepat lists both trxIds and approves the one the viewer reads", { timeout: 180_000 }, async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const stack = await startStack(port);
  const browser = await launch();
  try {
    const errors = [];
    // Carol opens her QR and reads the Kode transaksi under it.
    const carol = await (await browser.newContext()).newPage();
    carol.on("pageerror", e => errors.push(e.message));
    await carol.goto(base + "/");
    await carol.locator('.card[data-stream="2"]').getByRole("button", { name: "Bayar" }).click({ timeout: 15_000 });
    await carol.locator("#pay.open").waitFor({ timeout: 10_000 });
    const userId = await carol.evaluate(() => localStorage.getItem("upstreamUserId"));
    const carolTrx = await carol.locator("#pay-trx").textContent();
    // A stranger claims her userId and opens another.
    const strangerContext = await browser.newContext();
    await strangerContext.addInitScript(id => localStorage.setItem("upstreamUserId", id), userId);
    const stranger = await strangerContext.newPage();
    await stranger.goto(base + "/");
    await stranger.locator('.card[data-stream="2"]').getByRole("button", { name: "Bayar" }).click({ timeout: 15_000 });
    await stranger.locator("#pay.open").waitFor({ timeout: 10_000 });
    const strangerTrx = await stranger.locator("#pay-trx").textContent();
    assert.notEqual(strangerTrx, carolTrx);

    // The operator approves "stream 2 for this user": refused, both listed.
    const admin = await (await browser.newContext()).newPage();
    admin.on("pageerror", e => errors.push(e.message));
    await admin.goto(base + "/admin/approve");
    await admin.locator('#quick select[name="streamId"]').selectOption("2");
    await admin.locator('#quick input[name="userId"]').fill(userId);
    await admin.locator("#quick button[type=submit]").click();
    await admin.locator("#candidates:not([hidden])").waitFor({ timeout: 10_000 });
    const listed = await admin.locator("#candidates").textContent();
    assert.ok(listed.includes(carolTrx) && listed.includes(strangerTrx), listed);
    assert.match(await admin.locator("#msg").textContent(), /Ada 2 sesi/);
    await admin.screenshot({ path: join(shots, "7-ambiguous.png"), fullPage: true });

    // Carol reads her Trx ID; only her session is paid.
    await admin.locator('#quick input[name="trxId"]').fill(carolTrx);
    await admin.locator("#quick button[type=submit]").click();
    await admin.locator("#msg.ok").waitFor({ timeout: 10_000 });
    assert.match(await admin.locator("#msg").textContent(), new RegExp("Disetujui: " + carolTrx));
    await carol.locator("#pay-status", { hasText: "Pembayaran diterima" }).waitFor({ timeout: 10_000 });
    assert.equal(await stranger.locator("#pay-status").textContent(), "Menunggu pembayaran…");
    assert.deepEqual(errors, [], "no script errors on the pages");
  } finally {
    await browser.close();
    const code = await stop(stack);
    assert.equal(code, 0, "upstream dev stops cleanly");
  }
});
