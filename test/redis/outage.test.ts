/**
 * Redis going away under traffic, on a redis-server of the test's own: requests that need the session
 * get a quick 503 (no hang, no crash, no sign-out), /readyz says so, and service comes back by itself
 * with the sessions Redis kept.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startOwnRedis } from "../support/redisServer.js";
import type { OwnRedis } from "../support/redisServer.js";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient } from "../support/testClient.js";

const STORE_TIMEOUT_MS = 500;

describe("Redis outages under traffic", () => {
  let redis: OwnRedis;
  let app: TestApp;
  before(async () => {
    redis = await startOwnRedis();
    app = await startTestApp({
      env: {
        SESSION_STORE: "redis",
        REDIS_URL: redis.url,
        SESSION_STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
      },
    });
  });
  after(async () => {
    await app.close();
    await redis.dispose();
  });

  async function waitUntilReady(): Promise<number> {
    const started = Date.now();
    const client = app.newClient();
    for (let attempt = 0; attempt < 100; attempt++) {
      if ((await client.get(`${app.baseUrl}/readyz`)).status === 200) return Date.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail("the app did not become ready again within 10 s");
  }

  async function expectUnavailable(client: TestClient) {
    const startedAt = Date.now();
    const response = await client.get(`${app.baseUrl}/profile`);
    return { response, ms: Date.now() - startedAt };
  }

  it("GET /profile, while Redis is stopped and after it restarts, answers 503 then serves the same session", async () => {
    const client = app.newClient();
    await signIn(app, client);
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);

    await redis.stop();
    const during = [];
    for (let i = 0; i < 5; i++) during.push(await expectUnavailable(client));
    const readyWhileDown = await client.get(`${app.baseUrl}/readyz`);
    const healthWhileDown = await client.get(`${app.baseUrl}/healthz`);
    await redis.start();
    const recoveredAfterMs = await waitUntilReady();
    const afterRestart = await client.get(`${app.baseUrl}/profile`);

    for (const { response, ms } of during) {
      assert.equal(response.status, 503);
      assert.equal(response.headers["retry-after"], "5");
      assert.match(response.body, /temporarily unavailable/);
      assert.match(response.body, /You are still signed in/);
      assert.ok(ms < STORE_TIMEOUT_MS * 4, `a request while Redis is down took ${ms} ms`);
    }
    assert.equal(readyWhileDown.status, 503);
    assert.equal(healthWhileDown.status, 200, "the process itself is up");
    assert.ok(recoveredAfterMs < 10_000);
    assert.equal(afterRestart.status, 200, "the session kept by Redis is served without signing in again");
  });

  it("GET /profile, while Redis is frozen mid-traffic, answers 503 within the store deadline and recovers on thaw", async () => {
    const client = app.newClient();
    await signIn(app, client);

    redis.freeze();
    const frozen = await Promise.all([expectUnavailable(client), expectUnavailable(client)]);
    const readyWhileFrozen = await client.get(`${app.baseUrl}/readyz`);
    redis.thaw();
    await waitUntilReady();
    const afterThaw = await client.get(`${app.baseUrl}/profile`);

    for (const { response, ms } of frozen) {
      assert.equal(response.status, 503);
      assert.ok(ms >= STORE_TIMEOUT_MS * 0.8 && ms < STORE_TIMEOUT_MS * 4, `took ${ms} ms`);
    }
    assert.equal(readyWhileFrozen.status, 503);
    assert.equal(afterThaw.status, 200);
  });
});
