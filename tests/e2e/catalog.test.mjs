// Browser test of the viewer's list page: each card's picture (a fixed 16:9 box), title linking to the
// stream's page, category, schedule in WIB ("Mulai … WIB", the LIVE badge, "Selesai") and price, from
// catalog entries the test sets through the admin API; at a 360 px phone width and at 1280 px
// (screenshots kept in tests/e2e/screenshots), nothing wider than the screen; Bayar by keyboard, the
// QR's box reserved (no layout shift when it appears), Escape back to the button.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launch, recordShifts, screenshot, setEntry, shiftsSince, startStack, stop } from "./stack.mjs";

test("the list at 360x800 and 1280x800: pictures, schedules in WIB, LIVE, Selesai; Bayar by keyboard", { timeout: 180_000 }, async () => {
  const stack = await startStack();
  const base = stack.api;
  const browser = await launch();
  try {
    // On air; at 20.00 WIB on 31 Dec 2099 (13.00 UTC); over, with no picture.
    assert.equal((await setEntry(base, "2", { live: true })).status, "live");
    assert.equal((await setEntry(base, "4", { startsAt: "2099-12-31T13:00:00Z" })).status, "upcoming");
    assert.equal((await setEntry(base, "9", { title: "Konser Tahun Lalu", price: 5000, category: "Musik",
      startsAt: "2024-12-31T13:00:00Z", endsAt: "2024-12-31T16:00:00Z" })).status, "past");

    for (const [width, height] of [[360, 800], [1280, 800]]) {
      const page = await browser.newPage({ viewport: { width, height } });
      const errors = [];
      page.on("pageerror", e => errors.push(e.message));
      await page.goto(base + "/");
      const card = id => page.locator(`.card[data-stream="${id}"]`);
      await card("9").getByRole("button", { name: "Bayar" }).waitFor({ timeout: 15_000 });
      await page.waitForFunction(() => [...document.images].every(i => i.complete));

      // Live: the badge, its picture in a 16:9 box, its category.
      assert.equal(await card("2").locator(".badge.live").textContent(), "LIVE");
      assert.equal(await card("2").locator(".sched").textContent(), "Sedang tayang");
      assert.equal(await card("2").locator(".badge.cat").textContent(), "Musik");
      const img = card("2").locator("img.thumb");
      assert.equal(await img.getAttribute("src"), "/thumbs/2.svg");
      assert.ok(await img.evaluate(i => i.naturalWidth > 0), "the picture loads");
      const box = await img.boundingBox();
      assert.ok(Math.abs(box.width / box.height - 16 / 9) < 0.02, `a 16:9 box: ${box.width}x${box.height}`);
      const unloaded = await img.evaluate(i => {
        const src = i.src; i.removeAttribute("src"); const r = i.getBoundingClientRect(); i.src = src; return r.height;
      });
      assert.equal(unloaded, box.height, "the box does not wait for the picture");
      // Upcoming: its start in WIB, no badge; the price says when the two hours run.
      assert.match(await card("4").locator(".sched").textContent(), /^Mulai .*31 Des.*20\.00 WIB$/);
      assert.equal(await card("4").locator(".badge.live").count(), 0);
      assert.equal(await card("4").locator(".price").textContent(), "Rp 1.000 · akses 2 jam sejak acara dimulai");
      assert.equal(await card("4").locator("h2 a").getAttribute("href"), "s/4");
      // Over: "Selesai", and no picture box where there is no picture.
      assert.equal(await card("9").locator(".sched").textContent(), "Selesai");
      assert.equal(await card("9").locator("img").count(), 0);
      assert.equal(await card("9").locator(".price").textContent(), "Rp 5.000 · akses 2 jam");

      const overflow = await page.evaluate(() => document.scrollingElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `nothing wider than ${width} px (${overflow} px over)`);
      const [a, b] = [await card("2").boundingBox(), await card("4").boundingBox()];
      if (width === 360) assert.ok(a.x === b.x && b.y > a.y, "one column on a phone");
      else assert.ok(a.y === b.y && b.x > a.x, "cards side by side on a wide screen");
      const size = await screenshot(page, `catalog-${width}x${height}.png`, { fullPage: true });
      assert.ok(size > 5000, `a screenshot with something on it (${size} bytes)`);
      assert.deepEqual(errors, [], "no script errors");
      await page.close();
    }

    // The keyboard alone: Tab reaches stream 4's title link, then its Bayar; Enter opens the QR with
    // the focus on Tutup; the QR's square was reserved (no layout shift); Escape returns to Bayar.
    const page = await browser.newPage({ viewport: { width: 360, height: 800 } });
    const errors = [];
    page.on("pageerror", e => errors.push(e.message));
    await recordShifts(page);
    await page.goto(base + "/");
    await page.locator('.card[data-stream="9"] button.pay').waitFor({ timeout: 15_000 });
    const focused = () => page.evaluate(() => {
      const e = document.activeElement, c = e && e.closest(".card");
      return (c ? c.dataset.stream + ":" : "") + e.tagName + ":" + e.textContent;
    });
    const path = [];
    for (let i = 0; i < 30 && path[path.length - 1] !== "4:BUTTON:Bayar"; i++) { await page.keyboard.press("Tab"); path.push(await focused()); }
    assert.equal(path[path.length - 1], "4:BUTTON:Bayar", path.join(" → "));
    assert.ok(path.includes("4:A:Turnamen Esports Final Nasional"), path.join(" → "));
    await page.waitForFunction(() => [...document.images].every(i => i.complete));
    const before = await page.evaluate(() => window.__shifts.length);
    await page.keyboard.press("Enter");
    await page.locator("#pay.open").waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector("#pay-qr").naturalWidth > 0);
    assert.deepEqual(await shiftsSince(page, before), [], "nothing moves when the QR appears");
    assert.equal(await page.evaluate(() => document.activeElement.id), "pay-close");
    const qr = await page.locator("#pay-qr").boundingBox();
    assert.ok(qr.width >= 250 && Math.abs(qr.width - qr.height) < 1, `a square QR: ${qr.width}x${qr.height}`);
    // The square does not wait for the picture: without one, the box is the same.
    const empty = await page.evaluate(() => {
      const i = document.querySelector("#pay-qr"), src = i.src; i.removeAttribute("src");
      const r = i.getBoundingClientRect(); i.src = src; return { width: r.width, height: r.height };
    });
    assert.deepEqual(empty, { width: qr.width, height: qr.height });
    await screenshot(page, "catalog-qr-360x800.png");
    await page.keyboard.press("Escape");
    await page.locator("#pay.open").waitFor({ state: "detached", timeout: 5_000 }).catch(() => {});
    assert.equal(await page.locator("#pay.open").count(), 0, "Escape closes the QR");
    assert.equal(await focused(), "4:BUTTON:Bayar", "the focus is back on Bayar");
    assert.deepEqual(errors, [], "no script errors");
  } finally {
    await browser.close();
    assert.equal(await stop(stack), 0, "upstream dev stops cleanly");
  }
});
