// Browser test of the admin page's catalog editor on the local stack: every field of an entry saved
// from the form (times typed in WIB), a refusal shown in Bahasa Indonesia, a new stream added.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launch, shots, startStack, stop } from "./stack.mjs";

mkdirSync(shots, { recursive: true });

test("the admin page edits a catalog entry field by field and adds a stream", { timeout: 180_000 }, async () => {
  const stack = await startStack();
  const base = stack.api;
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = [];
    page.on("pageerror", e => errors.push(e.message));
    await page.goto(base + "/admin/approve");
    const form = page.locator('form.entry[data-stream="2"]');
    await form.waitFor({ timeout: 15_000 });
    assert.equal(await form.locator(".thumbnail").inputValue(), "/thumbs/2.svg", "the sample's picture");

    await form.locator(".description").fill("Akustik malam tahun baru.\nDua babak.");
    await form.locator(".category").fill("Musik Akustik");
    await form.locator(".starts").fill("2099-12-31T20:00");
    await form.locator(".ends").fill("2099-12-31T23:30");
    await form.locator(".access-until").selectOption("event_end");
    await form.locator(".live").check();
    await form.getByRole("button", { name: "Simpan" }).click();
    await page.locator("#msg.ok", { hasText: "Katalog disimpan: stream 2" }).waitFor({ timeout: 10_000 });
    const entry = (await (await fetch(base + "/api/streams/2")).json()).data.stream;
    assert.equal(entry.description, "Akustik malam tahun baru.\nDua babak.");
    assert.equal(entry.category, "Musik Akustik");
    assert.equal(entry.startsAt, "2099-12-31T13:00:00.000Z", "typed in WIB");
    assert.equal(entry.endsAt, "2099-12-31T16:30:00.000Z");
    assert.equal(entry.accessUntil, "event_end");
    assert.equal(entry.live, true);
    assert.equal(entry.thumbnailUrl, "/thumbs/2.svg", "untouched fields are kept");
    assert.equal(entry.price, 1000);

    await form.locator(".thumbnail").fill("http://tidak-aman.example/a.png");
    await form.getByRole("button", { name: "Simpan" }).click();
    await page.locator("#msg.err", { hasText: "Parameter thumbnailUrl tidak valid" }).waitFor({ timeout: 10_000 });

    const blank = page.locator('form.entry[data-stream=""]');
    await blank.locator(".id").fill("baru");
    await blank.locator(".title").fill("Stream Baru");
    await blank.locator(".price").fill("7500");
    await Promise.all([page.waitForEvent("load"), blank.getByRole("button", { name: "Tambah stream" }).click()]);
    await page.locator('form.entry[data-stream="baru"]').waitFor({ timeout: 10_000 });
    const added = (await (await fetch(base + "/api/streams/baru")).json()).data.stream;
    assert.equal(added.priceDisplay, "Rp 7.500");
    await page.screenshot({ path: join(shots, "admin-catalog.png"), fullPage: true });
    assert.deepEqual(errors, [], "no script errors on the page");
  } finally {
    await browser.close();
    assert.equal(await stop(stack), 0, "upstream dev stops cleanly");
  }
});
