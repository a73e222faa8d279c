// Browser test of the admin page's Penjualan section on the local stack: the hour and day charts drawn
// (uPlot, served by the admin function), and the totals next to them equal to the ledger's CSV export
// of the same period, after the test's own payments and a refund.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launch, shots, startStack, stop } from "./stack.mjs";

mkdirSync(shots, { recursive: true });

async function call(base, method, path, body) {
  const r = await fetch(base + path, { method, headers: { "content-type": "application/json" }, body: body && JSON.stringify(body) });
  const j = await r.json();
  assert.ok(j.success, method + " " + path + ": " + JSON.stringify(j));
  return j.data;
}

// Sums of the CSV export: granted rows (count, rupiah) and refund_due rows.
function csvSums(csv) {
  const [head, ...rows] = csv.trim().split(/\r?\n/);
  const cols = head.split(",");
  const amount = cols.indexOf("amount"), outcome = cols.indexOf("outcome");
  const sums = { sales: 0, revenue: 0, refunds: 0 };
  for (const row of rows) {
    const cells = row.split(",");
    if (cells[outcome] === "granted") { sums.sales += 1; sums.revenue += Number(cells[amount]); }
    if (cells[outcome] === "refund_due") sums.refunds += 1;
  }
  return sums;
}

test("the admin page charts the test's own sales and its totals match the ledger export", { timeout: 180_000 }, async () => {
  const stack = await startStack();
  const base = stack.api;
  const browser = await launch();
  try {
    const sessions = [];
    for (const userId of ["ana", "budi", "citra"]) {
      const s = await call(base, "POST", "/api/generate-qris", { streamId: "2", userId });
      await call(base, "POST", "/api/force-approve", { sessionId: s.sessionId });
      sessions.push(s.sessionId);
    }
    await call(base, "POST", "/admin/sessions/" + encodeURIComponent(sessions[2]) + "/revoke", { refund: true, note: "uji" });

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = [];
    page.on("pageerror", e => errors.push(e.message));
    await page.goto(base + "/admin/approve");
    await page.locator("#sales[data-loaded]").waitFor({ timeout: 15_000 });
    for (const id of ["#sales-hour", "#sales-day"]) {
      assert.equal(await page.locator(id + " .uplot canvas").count(), 1, id + ": the chart is drawn");
      const box = await page.locator(id + " .uplot canvas").boundingBox();
      assert.ok(box && box.width > 200 && box.height > 100, id + ": a visible chart " + JSON.stringify(box));
    }
    const day = page.locator("#sales-day");
    const [from, to] = [await day.getAttribute("data-from"), await day.getAttribute("data-to")];
    const csv = await (await fetch(`${base}/admin/payments?format=csv&limit=1000&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)).text();
    const ledger = csvSums(csv);
    assert.equal(ledger.sales, 2, "three approvals, one of them revoked with its money owed back");
    assert.equal(ledger.refunds, 1, "one refund owed");
    assert.equal(Number(await day.getAttribute("data-sales")), ledger.sales);
    assert.equal(Number(await day.getAttribute("data-revenue")), ledger.revenue);
    const shown = await day.locator(".t-revenue").textContent();
    assert.equal(shown, "Rp " + ledger.revenue.toLocaleString("id-ID"), "the total next to the chart");
    assert.equal(await day.locator(".t-sales").textContent(), String(ledger.sales));
    assert.match(await day.locator(".t-refunds").textContent(), /^1 \(/, "refunds opened");
    assert.match(await page.locator("#sales-hour .t-conversion").textContent(), /^3 dari 3 \(100%\)/, "QR opened → paid");
    const row = page.locator('#sales-streams tr[data-stream="2"]');
    assert.equal(await row.locator("td").nth(1).textContent(), "2");
    await page.locator("#sales").screenshot({ path: join(shots, "admin-sales.png") });
    assert.deepEqual(errors, [], "no script errors on the page");
  } finally {
    await browser.close();
    assert.equal(await stop(stack), 0, "upstream dev stops cleanly");
  }
});
