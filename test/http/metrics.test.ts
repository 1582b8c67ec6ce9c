/**
 * GET /metrics: off by default; when on, its counts agree with what the local tenant and the session
 * store counted themselves over the same traffic.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import { dropAccessTokens } from "../support/tokenCacheTools.js";

/** Sums the samples of a metric whose labels include all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split("\n")) {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present: Record<string, string> = {};
    for (const m of (match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)) present[m[1]!] = m[2]!;
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) total += Number(match[3]);
  }
  return total;
}

describe("metrics", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ env: { METRICS_ENABLED: "true" } });
  });
  after(() => app.close());

  it("GET /metrics, after sign-in, cached and refreshed profiles and a Graph failure, agrees with the stand-ins' counts", async () => {
    const client = app.newClient();
    app.resetCounts();
    await signIn(app, client);
    await client.get(`${app.baseUrl}/profile`);
    await client.get(`${app.baseUrl}/profile`);
    dropAccessTokens(app, client);
    await client.get(`${app.baseUrl}/profile`);
    app.tenant.faults.graph = { status: 500, times: 1 };
    await client.get(`${app.baseUrl}/profile`);
    await client.get(`${app.baseUrl}/auth/redirect?state=forged&code=x`);

    const text = (await client.get(`${app.baseUrl}/metrics`)).body;

    const { counters } = app.tenant;
    assert.equal(sample(text, "signins_total", { outcome: "succeeded" }), 1);
    assert.equal(sample(text, "signins_total", { outcome: "failed", reason: "SignInFailedError" }), 1);
    assert.equal(sample(text, "token_acquisitions_total", { outcome: "cache" }), 3);
    assert.equal(sample(text, "token_acquisitions_total", { outcome: "refreshed" }), 1);
    assert.equal(sample(text, "graph_requests_total"), counters.graphMe);
    assert.equal(sample(text, "graph_requests_total", { status: "500" }), 1);
    assert.equal(
      sample(text, "identity_provider_requests_total", { endpoint: "token" }),
      counters.tokenAuthorizationCode + counters.tokenRefresh,
    );
    assert.equal(
      sample(text, "session_store_operations_total", { operation: "set", outcome: "ok" }),
      app.storeCalls.set,
    );
    assert.equal(sample(text, "http_requests_total", { route: "/profile", status: "200" }), 3);
    assert.equal(sample(text, "http_requests_total", { route: "/profile", status: "502" }), 1);
    assert.ok(sample(text, "http_request_duration_seconds_count", { route: "/profile" }) >= 4);
  });
});

describe("metrics, by default", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it("GET /metrics, with METRICS_ENABLED unset, is not served", async () => {
    const response = await app.newClient().get(`${app.baseUrl}/metrics`);

    assert.equal(response.status, 404);
  });
});
