// Browser test of one stream's page (/s/{id}) on a 360 px phone, behind the real nginx playback gate
// (one origin for the page, the API and the media): an unknown stream says so in Bahasa Indonesia; the
// list's title leads to the page, which shows the description, the start in WIB and a countdown that
// runs; Bayar → the Midtrans simulator pays (its signed webhook) → the player starts through the gate
// with the access left, which runs to two hours after the start; a reload keeps it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch, nginxBin, recordShifts, screenshot, setEntry, shiftsSince, startGate, startStack, stop, writeHls } from "./stack.mjs";

// "01:02:03" or "2 hari 01:02:03" in seconds.
function seconds(text) {
  const m = /^(?:(\d+) hari )?(\d\d):(\d\d):(\d\d)$/.exec(text);
  assert.ok(m, "a countdown: " + JSON.stringify(text));
  return ((Number(m[1] || 0) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60 + Number(m[4]);
}

test("the stream page: not found, description and countdown, pay, the player starts through the nginx gate", { timeout: 180_000 }, async () => {
  assert.ok(nginxBin, "nginx is installed (infra/setup)");
  const dir = mkdtempSync(join(tmpdir(), "upstream-stream-"));
  chmodSync(dir, 0o755); // nginx workers (nobody when run as root) read the HLS folder
  writeHls(dir, "4");
  const stack = await startStack(["--provider", "midtrans"], { PLAYBACK_SIGNING_KEY: "" });
  assert.ok(stack.sim, "the stack prints its simulator");
  const gate = await startGate(dir, stack.port);
  const base = gate.base;
  const browser = await launch(["--autoplay-policy=no-user-gesture-required"]);
  try {
    // Stream 4 starts in an hour.
    const startsAt = new Date(Date.now() + 3600e3).toISOString();
    const entry = await setEntry(stack.api, "4", { startsAt, description: "Final nasional.\nDua tim terbaik." });
    assert.equal(entry.status, "upcoming");

    const page = await browser.newPage({ viewport: { width: 360, height: 800 } });
    const errors = [];
    page.on("pageerror", e => errors.push(e.message));
    await recordShifts(page);
    const media = [];
    page.on("response", async r => {
      if (r.url().includes("/hls/")) media.push({ url: r.url(), status: r.status(), auth: (await r.request().allHeaders()).authorization || "" });
    });

    await page.goto(base + "/s/tidak-ada");
    await page.locator("#global.error", { hasText: "Stream tidak ditemukan atau sudah tidak dijual." }).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator("#stream").isVisible(), false);
    assert.equal(await page.locator("#back").getAttribute("href"), "../");

    // From the list: the card's title leads to the stream's page.
    await page.goto(base + "/");
    await page.locator('.card[data-stream="4"] h2 a').click({ timeout: 15_000 });
    await page.waitForURL(base + "/s/4");
    await page.locator("#s-title", { hasText: "Turnamen Esports Final Nasional" }).waitFor({ timeout: 15_000 });
    assert.equal(await page.title(), "Turnamen Esports Final Nasional — Upstream Live");
    assert.equal(await page.locator("html").getAttribute("lang"), "id");
    assert.equal(await page.locator("#s-desc").textContent(), "Final nasional.\nDua tim terbaik.");
    assert.match(await page.locator("#s-when .sched").textContent(), /^Mulai .* WIB$/);
    assert.equal(await page.locator("#s-when .badge.cat").textContent(), "Esports");
    assert.equal(await page.locator("#s-price").textContent(), "Rp 1.000 · akses 2 jam sejak acara dimulai");
    const countdown = page.locator("#s-countdown-value");
    assert.ok(await countdown.isVisible(), "a countdown to the start");
    const first = seconds(await countdown.textContent());
    assert.ok(first > 3600 - 120 && first <= 3600, `about an hour to go: ${first} s`);
    await page.waitForTimeout(2100);
    const later = seconds(await countdown.textContent());
    assert.ok(later < first && later >= first - 5, `the countdown runs: ${first} → ${later}`);
    assert.equal(await page.locator("#player").isVisible(), false, "no player before paying");
    const overflow = await page.evaluate(() => document.scrollingElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `nothing wider than 360 px (${overflow} px over)`);
    assert.ok(await screenshot(page, "stream-360x800.png", { fullPage: true }) > 5000);

    // Bayar: the QR (its box reserved), paid at the gateway simulator, which sends the signed webhook.
    await page.waitForFunction(() => [...document.images].every(i => i.complete));
    const before = await page.evaluate(() => window.__shifts.length);
    await page.getByRole("button", { name: "Bayar" }).click();
    await page.locator("#pay.open").waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector("#pay-qr").naturalWidth > 0);
    assert.deepEqual(await shiftsSince(page, before), [], "nothing moves when the QR appears");
    assert.equal(await page.locator("#pay-amount").textContent(), "Rp 1.000");
    const orders = (await (await fetch(stack.sim + "/sim/orders")).json()).orders;
    assert.equal(orders.length, 1, "one charge at the gateway");
    assert.equal((await fetch(stack.sim + "/sim/pay/" + encodeURIComponent(orders[0].orderId), { method: "POST" })).status, 200);

    // Paid: the player, through the gate with the token as a Bearer header, and the access left: it
    // runs to two hours after the start (three from now), not two hours from the payment.
    await page.locator("#player.open").waitFor({ timeout: 15_000 });
    const until = async (ok, ms, what) => {
      const end = Date.now() + ms;
      while (!ok()) { assert.ok(Date.now() < end, what + ": " + JSON.stringify(media)); await new Promise(r => setTimeout(r, 200)); }
    };
    await until(() => media.some(m => m.url.endsWith("/hls/4/seg42.ts") && m.status === 200), 20_000, "hls.js loads the segment");
    const playlist = media.find(m => m.url.endsWith("/hls/4/index.m3u8"));
    assert.equal(playlist.status, 200);
    assert.match(playlist.auth, /^Bearer ey/);
    assert.match(await page.locator("#player-left").textContent(), /^(2 jam 59|3 jam 0) menit$/);
    assert.equal(await page.getByRole("button", { name: "Bayar" }).count(), 0, "no Bayar once paid");
    assert.equal(await page.evaluate(() => document.activeElement.id), "player-title", "the focus moves to the player");
    assert.ok(await screenshot(page, "stream-paid-360x800.png", { fullPage: true }) > 5000);

    // A reload keeps the access: the player starts again without paying.
    const seen = media.length;
    await page.reload();
    await page.locator("#player.open").waitFor({ timeout: 15_000 });
    await until(() => media.slice(seen).some(m => m.url.endsWith("/hls/4/seg42.ts") && m.status === 200), 20_000, "the player starts after a reload");
    assert.equal(await page.locator("#s-pay").isVisible(), false);
    assert.deepEqual(errors, [], "no script errors");
  } finally {
    await browser.close();
    await stop(gate);
    assert.equal(await stop(stack), 0, "upstream dev stops cleanly");
    if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
  }
});
