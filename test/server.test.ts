/**
 * The process as an operator runs it: settings errors at start-up (every one in one message, no stack
 * trace, nothing started), local mode, and a clean exit on SIGTERM. Each child runs in an empty
 * temporary folder (no .env) and is killed if it overstays; each costs about a second, so one child
 * carries many wrong settings at once.
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
  const child = spawn(process.execPath, ["--conditions=source", "--import", TSX, SERVER], {
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
  /** Resolves when stdout shows `pattern`; rejects if the process ends first. */
  const printed = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(stdout)) return;
        child.stdout.off("data", check);
        resolve();
      };
      child.stdout.on("data", check);
      void exited.then(() => reject(new Error(`exited before printing ${pattern}: ${stderr}`)));
      check();
    });
  return { child, exited, printed, output: () => ({ stdout, stderr }) };
}

function rejectAfter(ms: number, what: string): Promise<never> {
  return new Promise((_resolve, reject) =>
    setTimeout(() => reject(new Error(`not seen: ${what}`)), ms).unref(),
  );
}

/** The settings error as server.ts prints it: one message, a line per problem, nothing else. */
function assertOneSettingsMessage(stderr: string, names: readonly string[]): void {
  assert.match(stderr, /^Invalid settings:\n(?: {2}- [A-Z_]+(?: and [A-Z_]+)?: .+\n)+$/);
  for (const name of names) {
    assert.match(stderr, new RegExp(`^ {2}- ${name}: `, "m"), `${name} is named`);
  }
  assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
}

// The children are independent (each its own folder, port and settings): they start side by side.
describe("the server process", { concurrency: true }, () => {
  it("server.ts, in production with many wrong settings, exits 1 naming every one in one message", async () => {
    const guessableSecret = "a".repeat(40);
    const guessableKey = Buffer.alloc(32, 7).toString("base64");
    const server = startServer({
      NODE_ENV: "production",
      PORT: "abc",
      LOG_LEVEL: "loud",
      LOCAL_TENANT_PORT: "abc",
      TRUST_PROXY: "10.0.0.0/33",
      REDIRECT_URI: "http://app.example/auth/redirect",
      EXPRESS_SESSION_SECRET: guessableSecret,
      TOKEN_CACHE_KEYS: `k1:${guessableKey}`,
    });

    const code = await server.exited;

    const { stderr, stdout } = server.output();
    assert.equal(code, 1);
    assertOneSettingsMessage(stderr, [
      "PORT",
      "LOG_LEVEL",
      "LOCAL_TENANT_PORT",
      "TRUST_PROXY",
      "REDIRECT_URI",
      "EXPRESS_SESSION_SECRET",
      "TOKEN_CACHE_KEYS",
      // Missing: production has no local mode to fill them in.
      "TENANT_ID",
      "CLIENT_ID",
      "CLIENT_SECRET",
    ]);
    assert.equal(stdout, "", "nothing was logged: no logger, no local tenant, no listening");
    assert.ok(!stderr.includes(guessableSecret) && !stderr.includes(guessableKey), "no secret is printed");
  });

  it("server.ts, in local mode with many wrong settings, exits 1 naming every one before the tenant starts", async () => {
    const server = startServer({
      PORT: "abc",
      LOG_LEVEL: "loud",
      LOCAL_TENANT_PORT: "abc",
      // https without TRUST_PROXY: a rule between settings, checked although PORT is wrong.
      REDIRECT_URI: "https://app.example/auth/redirect",
      SESSION_IDLE_TIMEOUT_SECONDS: "7200",
      SESSION_ABSOLUTE_TIMEOUT_SECONDS: "3600",
      EXPRESS_SESSION_PREVIOUS_SECRETS: "short",
      SESSION_STORE: "memory",
      // Local mode fills these in itself, so they are not the operator's problem here.
      TENANT_ID: "not a tenant!",
      CLOUD_INSTANCE: "http://login.example/",
    });

    const code = await server.exited;

    const { stderr, stdout } = server.output();
    assert.equal(code, 1);
    assertOneSettingsMessage(stderr, [
      "PORT",
      "LOG_LEVEL",
      "LOCAL_TENANT_PORT",
      "TRUST_PROXY",
      "SESSION_IDLE_TIMEOUT_SECONDS",
      "EXPRESS_SESSION_PREVIOUS_SECRETS",
      "SESSION_STORE",
    ]);
    assert.doesNotMatch(stderr, /TENANT_ID|CLOUD_INSTANCE|CLIENT_ID|CLIENT_SECRET|EXPRESS_SESSION_SECRET:/);
    assert.equal(stdout, "", "the local tenant never started and nothing listened");
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

  it("server.ts, with no settings but PORT (a fresh clone), serves the local tenant and exits 0 on SIGTERM", async () => {
    const port = await freePort();
    const server = startServer({ PORT: String(port) });
    await server.printed(/listening on/);

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    const home = await fetch(`http://127.0.0.1:${port}/`);
    const homeText = await home.text();
    // The log is buffered: a lone request's line still shows within its flush interval (a second).
    const shown = server.printed(/"path":"\/"\},"res":\{"statusCode":200\}/);
    await Promise.race([shown, rejectAfter(5_000, "the request's log line within its flush interval")]);
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
    // Logging is asynchronous: the request's line and the last line were written out before the exit.
    const lines = server.output().stdout.split("\n");
    assert.ok(
      lines.some((l) => l.includes('"path":"/"') && l.includes('"statusCode":200')),
      "the request's line",
    );
    assert.match(lines.filter(Boolean).at(-1) ?? "", /"msg":"stopped"/);
  });
});
