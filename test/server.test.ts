/**
 * The process as an operator runs it: settings errors at start-up, local mode, and a clean exit on
 * SIGTERM. Each child runs in an empty temporary folder (no .env) and is killed if it overstays.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import { freePort } from "./support/freePort.js";

const SERVER = fileURLToPath(new URL("../src/server.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");
const cwd = mkdtempSync(join(tmpdir(), "server-test-"));
after(() => rmSync(cwd, { recursive: true, force: true }));

function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", TSX, SERVER], {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const exited = once(child, "exit").then(([code]) => {
    clearTimeout(killer);
    return code as number | null;
  });
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe("the server process", () => {
  it("server.ts, in production with no settings, exits 1 and names every missing setting", async () => {
    const server = startServer({ NODE_ENV: "production" });

    const code = await server.exited;

    const { stderr, stdout } = server.output();
    assert.equal(code, 1);
    for (const name of ["TENANT_ID", "CLIENT_ID", "CLIENT_SECRET", "EXPRESS_SESSION_SECRET"]) {
      assert.match(stderr, new RegExp(`${name}: `));
    }
    assert.doesNotMatch(
      stdout + stderr,
      /Local test tenant/,
      "production never falls back to the local tenant",
    );
  });

  it("server.ts, when Redis cannot be reached at start, exits 1 naming the URL without its password", async () => {
    const server = startServer({
      NODE_ENV: "development",
      PORT: String(await freePort()),
      SESSION_STORE: "redis",
      REDIS_URL: "redis://app:s3cret-pass@127.0.0.1:1",
      SESSION_STORE_TIMEOUT_MS: "300",
    });

    const code = await server.exited;

    const { stderr, stdout } = server.output();
    assert.equal(code, 1);
    assert.match(stderr, /Could not connect to Redis at redis:\/\/app:\*\*\*@127\.0\.0\.1:1/);
    assert.ok(!(stderr + stdout).includes("s3cret-pass"), "the password is never printed");
  });

  it("server.ts, with no CLIENT_ID in development, serves the local tenant and exits 0 on SIGTERM", async () => {
    const port = await freePort();
    const server = startServer({ NODE_ENV: "development", PORT: String(port) });
    const deadline = Date.now() + 20_000;
    while (!server.output().stdout.includes("listening on") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    const home = await fetch(`http://127.0.0.1:${port}/`);
    const homeText = await home.text();
    server.child.kill("SIGTERM");
    const code = await server.exited;

    assert.equal(health.status, 200);
    assert.match(homeText, /Local test tenant/);
    assert.equal(code, 0, server.output().stderr);
    const startLine = server
      .output()
      .stdout.split("\n")
      .find((l) => l.includes("listening on"));
    assert.match(startLine ?? "", /"localTenant":true/);
    // The credential's kind is named; never the secret itself (local mode uses a per-run secret).
    assert.match(startLine ?? "", /"credential":"client secret"/);
  });
});
