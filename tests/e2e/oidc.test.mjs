// The vendored oidc-client-ts against the local OpenID provider (infra/oidc) in Debian's chromium:
// the authorization-code flow with PKCE from a page on loopback, the provider's login page, the
// token exchange from the page (CORS), and sign-out. Run by infra/test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const library = readFileSync(join(root, "infra", "cli", "assets", "vendor", "oidc-client-ts.min.js"));

/** Starts the provider; resolves with the child and its ready line. */
function startProvider(redirect, postLogout) {
  const child = spawn(process.execPath, [join(root, "infra", "oidc", "provider.mjs"),
    "--redirect-uri", redirect, "--post-logout-redirect-uri", postLogout], { stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", d => { err += d; });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", d => {
      out += d;
      if (out.includes("\n")) resolve({ child, ready: JSON.parse(out.split("\n")[0]) });
    });
    child.on("exit", code => reject(new Error(`the provider exited with ${code}: ${err}`)));
  });
}

/** A page on loopback that loads the vendored library and makes a UserManager for the provider
 * whose ready line `provider()` returns. */
function startPage(provider) {
  const server = createServer((req, res) => {
    const ready = provider();
    if (req.url === "/oidc-client-ts.min.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(library);
      return;
    }
    const base = `http://${req.headers.host}`;
    const settings = JSON.stringify({
      authority: ready.issuer, client_id: ready.clientId, scope: ready.scope,
      redirect_uri: `${base}/callback`, post_logout_redirect_uri: `${base}/`, automaticSilentRenew: false,
    });
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(`<!doctype html>
<meta charset="utf-8"><title>oidc-client-ts</title>
<script src="/oidc-client-ts.min.js"></script>
<script>
  window.mgr = new oidc.UserManager({ ...${settings},
    userStore: new oidc.WebStorageStateStore({ store: window.sessionStorage }) });
</script>`);
  });
  return new Promise(resolve => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function claims(jwt, part) {
  return JSON.parse(Buffer.from(jwt.split(".")[part], "base64url").toString());
}

test("sign in and out with the vendored oidc-client-ts on the local provider", { timeout: 120_000 }, async () => {
  // The page's port must be known before the provider starts (its redirect URIs).
  let ready = null;
  const server = await startPage(() => ready);
  const base = `http://127.0.0.1:${server.address().port}`;
  const provider = await startProvider(`${base}/callback`, `${base}/`);
  ready = provider.ready;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  try {
    const context = await browser.newContext();
    const offLoopback = [];
    await context.route(url => !/^https?:\/\/127\.0\.0\.1[:/]/.test(url.href), route => {
      offLoopback.push(route.request().url());
      return route.abort();
    });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", e => errors.push(e.message));
    await page.goto(`${base}/`);

    await page.evaluate(() => { window.mgr.signinRedirect(); });
    await page.waitForURL(`${ready.issuer}/interaction/**`);
    await page.fill("input[name=login]", "alice");
    await page.fill("input[name=password]", "any");
    await page.click("button[type=submit]");
    await page.waitForURL(`${base}/callback?**`);
    const user = await page.evaluate(async () => {
      const u = await window.mgr.signinRedirectCallback();
      return { access: u.access_token, sub: u.profile.sub, expiresIn: u.expires_in };
    });
    assert.equal(user.sub, "alice");
    assert.ok(user.expiresIn > 500 && user.expiresIn <= 600, `expires in ${user.expiresIn}`);
    assert.deepEqual(
      { ...claims(user.access, 0), kid: undefined },
      { alg: "RS256", typ: "at+jwt", kid: undefined },
    );
    const access = claims(user.access, 1);
    assert.equal(access.aud, ready.audience);
    assert.equal(access.sub, "alice");
    assert.equal(access.client_id, ready.clientId);
    assert.equal(access.iss, ready.issuer);
    const stored = await page.evaluate(() => Object.keys(sessionStorage).filter(k => k.startsWith("oidc.user:")));
    assert.equal(stored.length, 1, "the user is kept in sessionStorage");

    await page.evaluate(() => { window.mgr.signoutRedirect(); });
    await page.waitForURL(`${ready.issuer}/session/end**`);
    await page.click("button[name=logout]");
    await page.waitForURL(`${base}/`);
    assert.equal(await page.evaluate(() => window.mgr.getUser()), null);
    // Signed out at the provider too: the login page comes again.
    await page.evaluate(() => { window.mgr.signinRedirect(); });
    await page.waitForURL(`${ready.issuer}/interaction/**`);
    assert.equal(await page.locator("input[name=login]").count(), 1);

    assert.deepEqual(errors, []);
    assert.deepEqual(offLoopback, [], "nothing was requested off loopback");
  } finally {
    await browser.close();
    server.close();
    provider.child.stdin.end();
  }
});
