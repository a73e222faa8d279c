// The local stack and the browser for the browser tests: `upstream dev --in-memory` on a free port,
// Debian's chromium through playwright-core. (viewer.test.mjs and player.test.mjs still carry their
// own copies of these; new tests import them from here.)
import { spawn } from "node:child_process";
import { createServer } from "node:net";
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

// `upstream dev --in-memory` on a free port; resolves once it prints its banner (`child.api`: its URL).
export async function startStack(extra = []) {
  const port = await freePort();
  const child = spawn(upstream, ["dev", "--in-memory", "--port", String(port), ...extra], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("upstream dev did not start:\n" + out)), 90_000);
    child.stdout.on("data", d => { out += d; if (out.includes("Stop with Ctrl-C")) { clearTimeout(timer); resolve(); } });
    child.on("exit", code => { clearTimeout(timer); reject(new Error("upstream dev exited with " + code + "\n" + out)); });
  });
  child.stdout.resume();
  child.api = `http://127.0.0.1:${port}`;
  return child;
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
}

// Stops the stack as Ctrl-C would; resolves with its exit code.
export function stop(child) {
  return new Promise(resolve => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once("exit", code => resolve(code));
    child.kill("SIGTERM");
  });
}
