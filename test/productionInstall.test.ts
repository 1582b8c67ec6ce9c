/**
 * A production process never loads the local stand-in: server.ts, started with NODE_ENV=production
 * and a real-looking tenant (here the stand-in itself, reached only through its authority URL, as
 * Entra would be), serves with every resolution of the `local-entra` package made to fail. A clone's
 * `npm start` builds first only when the compiler is installed (scripts/build-if-dev.js); a production
 * install (`npm ci --omit=dev`) runs the build it was given.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { startLocalTenant } from "local-entra";
import type { LocalTenant } from "local-entra";
import { PRODUCTION } from "./config/settingsFixtures.js";
import { freePort } from "./support/freePort.js";

const SERVER = fileURLToPath(new URL("../src/server.ts", import.meta.url));
const FORBID = fileURLToPath(new URL("./support/forbidLocalEntra.js", import.meta.url));
const TSX = import.meta.resolve("tsx");

describe("a production process", () => {
  const dir = mkdtempSync(join(tmpdir(), "production-install-"));
  let tenant: LocalTenant;
  before(async () => {
    tenant = await startLocalTenant();
  });
  after(async () => {
    await tenant.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("server.ts, in production, starts and serves without ever resolving the local-entra package", async () => {
    const port = await freePort();
    const caFile = join(dir, "authority-ca.pem");
    writeFileSync(caFile, tenant.caCertificatePem);
    const env = {
      ...PRODUCTION,
      PATH: process.env.PATH ?? "",
      PORT: String(port),
      CLOUD_INSTANCE: tenant.cloudInstance,
      TENANT_ID: tenant.tenantId,
      GRAPH_API_ENDPOINT: tenant.graphEndpoint,
      SQLITE_PATH: join(dir, "sessions.sqlite"),
      NODE_EXTRA_CA_CERTS: caFile,
    } as Record<string, string>;
    const child = spawn(process.execPath, ["--import", FORBID, "--import", TSX, SERVER], {
      cwd: dir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(child, "exit");
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    try {
      for (let i = 0; i < 300 && !output.includes("listening on") && child.exitCode === null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.match(output, /listening on/, output);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.status, 200);
      assert.doesNotMatch(output, /local-entra must not load/);
    } finally {
      child.kill("SIGTERM");
      await exited;
      clearTimeout(killer);
    }
    assert.doesNotMatch(output, /"localTenant":true/);
  });
});
