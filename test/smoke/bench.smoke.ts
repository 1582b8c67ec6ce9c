/**
 * The bench end to end in its smoke mode (`npm run bench -- --smoke`): the app with the local tenant
 * in a child process, real sign-ins, autocannon, and the JSON report read back. Only the report's
 * structure and its COUNTED calls are asserted; its timings are figures to read, never thresholds.
 * Not part of `npm test` (it is a load run of its own, not a unit of the suite): `npm run bench:smoke`,
 * which .ci/run runs after `npm test`.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Measurement } from "../../bench/measure.js";
import { ROUTES } from "../../bench/protocol.js";
import type { RouteName } from "../../bench/protocol.js";
import type { BenchReport } from "../../bench/report.js";
import { projectPaths } from "../../src/paths.js";

/** A safety bound on the child, not a measurement: the smoke run takes a few seconds. */
const KILL_AFTER_MS = 120_000;

async function runBench(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "bench/run.ts", ...args], {
    cwd: projectPaths().root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk) => (output += String(chunk)));
  const killer = setTimeout(() => child.kill("SIGKILL"), KILL_AFTER_MS);
  try {
    const [code] = (await once(child, "exit")) as [number | null];
    return { code, output };
  } finally {
    clearTimeout(killer);
  }
}

function assertServedEveryRequest(name: string, m: Measurement): void {
  assert.ok(m.load.requestsPerSecond > 0, `${name}: req/s`);
  assert.ok(m.counted.handledRequests > 0, `${name}: requests handled`);
  assert.equal(m.load.non2xx + m.load.errors + m.load.timeouts + m.counted.non200, 0, `${name}: failures`);
}

function assertPerRequest(
  name: string,
  m: Measurement,
  call: keyof Measurement["perRequest"],
  count: number,
) {
  assert.ok(
    Math.abs(m.perRequest[call] - count) <= 0.01,
    `${name}: ${m.perRequest[call]} ${call} per request`,
  );
}

/** Every page route: served, one session read and no write per request; Graph only where it belongs. */
function assertPages(pages: Record<RouteName, Measurement>): void {
  assert.deepEqual(Object.keys(pages).sort(), [...ROUTES].sort());
  for (const route of ROUTES) {
    const m = pages[route];
    assertServedEveryRequest(route, m);
    assert.equal(m.sessions, 10, `${route}: the real sign-ins`);
    assertPerRequest(route, m, "storeGets", 1);
    assertPerRequest(route, m, "storeSets", 0);
    assertPerRequest(route, m, "identityProviderCalls", 0);
    assertPerRequest(route, m, "tokenCalls", 0);
    assertPerRequest(route, m, "graphCalls", route === "profile" || route === "ceiling" ? 1 : 0);
  }
}

describe("the bench", () => {
  it("npm run bench -- --smoke, on the SQLite store, writes a report whose warm page requests make no identity-provider call and no session write, on every page route", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-smoke-"));
    const out = join(dir, "bench.json");
    try {
      const { code, output } = await runBench(["--smoke", "--out", out]);

      assert.equal(code, 0, output);
      const report = JSON.parse(readFileSync(out, "utf8")) as BenchReport;
      assert.equal(report.mode, "smoke");
      const sqlite = report.stores.sqlite;
      assert.ok(sqlite?.status === "ok", JSON.stringify(sqlite));
      const { pages, profileManySessions, refresh, ratios } = sqlite;
      const { profile } = pages;
      assertPages(pages);
      for (const [name, m] of Object.entries({ profileManySessions, refresh })) {
        assertServedEveryRequest(name, m);
        assertPerRequest(name, m, "graphCalls", 1);
      }
      assert.equal(sqlite.rounds.length, report.settings.rounds);
      for (const round of sqlite.rounds) assert.deepEqual([...round.order].sort(), [...ROUTES].sort());
      const layers = [
        "requestLog",
        "metrics",
        "securityHeaders",
        "sessionGuard",
        "absoluteTimeout",
        "rendering",
      ];
      for (const layer of layers) assert.ok(`home-without-${layer}` in pages, `home without ${layer}`);
      assert.deepEqual(
        sqlite.layers.map((cost) => cost.layer),
        [...layers, "rest"],
      );
      const targeted = sqlite.pageRatios.filter((ratio) => ratio.target !== undefined);
      assert.deepEqual(
        targeted.map((ratio) => [ratio.route, ratio.reference]),
        [
          ["profile", "ceiling"],
          ["home", "bare"],
        ],
      );
      const { memoryAtRest } = sqlite;
      assert.equal(memoryAtRest.copies, profileManySessions.sessions - profile.sessions);
      assert.equal(
        memoryAtRest.store.after.sessions - memoryAtRest.store.before.sessions,
        memoryAtRest.copies,
      );
      assert.ok(
        memoryAtRest.store.bytesPerAccount > 1000,
        `bytes per account in SQLite: ${memoryAtRest.store.bytesPerAccount}`,
      );
      assert.ok(memoryAtRest.store.after.averageSessionLength > 1000);
      assert.equal(profileManySessions.perRequest.identityProviderCalls, 0);
      assert.equal(profileManySessions.perRequest.storeSets, 0);
      assert.ok(profileManySessions.sessions > profile.sessions);
      assert.ok(
        refresh.perRequest.tokenCalls >= 0.9,
        `refresh: ${refresh.perRequest.tokenCalls} token calls per request`,
      );
      assert.ok(Number.isFinite(ratios.profileToCeilingThroughput) && ratios.profileToCeilingThroughput > 0);
      assert.ok(Number.isFinite(ratios.profileToCeilingP99) && ratios.profileToCeilingP99 > 0);
      assert.ok(
        Number.isFinite(ratios.manyToFewSessionsThroughput) && ratios.manyToFewSessionsThroughput > 0,
      );
      assert.equal(ratios.manyToFewSessionsSameCallsPerRequest, true);
      for (const m of [profile, profileManySessions]) {
        assert.ok(m.memory.rssBeforeBytes > 0 && m.memory.rssAfterBytes > 0);
      }
      const breakdown = report.breakdown;
      assert.ok(breakdown, "the token-path breakdown is in the report");
      assert.deepEqual(
        breakdown.steps.map((step) => step.name),
        ["decrypt", "check", "client", "deserialize", "silent", "token path"],
      );
      for (const step of breakdown.steps) {
        assert.ok(step.wallMicros > 0 && step.cpuMicros >= 0, `${step.name}: ${JSON.stringify(step)}`);
      }
      assert.ok(breakdown.cacheBytes > 1000, `a real MSAL cache: ${breakdown.cacheBytes} bytes`);
      assert.match(output, /Token-path breakdown/);
      assert.match(output, /sqlite: pages/);
      assert.match(output, /sqlite: layers of home/);
      assert.match(output, /Memory at rest/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
