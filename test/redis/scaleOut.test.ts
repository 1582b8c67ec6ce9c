/**
 * Several instances of the app on one Redis (127.0.0.1:6379), each with its own port and process
 * state, sharing sessions and token caches only through Redis.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createClient } from "redis";
import { REFRESH_TOKEN_PREFIX } from "local-entra";
import { startMovableClock } from "../support/movableClock.js";
import type { MovableClock } from "../support/movableClock.js";
import { monitorRedis } from "../support/redisMonitor.js";
import { sessionIdFromCookie } from "../support/sessionRows.js";
import type { RedisCommandLog } from "../support/redisMonitor.js";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient } from "../support/testClient.js";

const REDIS_URL = "redis://127.0.0.1:6379";

function redisEnv(prefix: string) {
  return { SESSION_STORE: "redis", REDIS_URL, REDIS_KEY_PREFIX: prefix };
}

async function csrfTokenFrom(client: TestClient, url: string): Promise<string> {
  const page = await client.get(url);
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  assert.ok(token, `no sign-out form on ${url}`);
  return token;
}

describe("two instances on one Redis", () => {
  const prefix = `test-${randomUUID()}:`;
  let a: TestApp;
  let b: TestApp;
  let redis: RedisCommandLog;
  before(async () => {
    a = await startTestApp({ env: redisEnv(prefix) });
    b = await startTestApp({ env: redisEnv(prefix), sibling: a });
    redis = await monitorRedis(REDIS_URL, prefix);
  });
  after(async () => {
    await redis.close();
    await b.close();
    await a.close();
  });

  it("GET /profile on instance B, after signing in on instance A, is served from the same session and cache", async () => {
    const client = a.newClient();
    await signIn(a, client);
    a.resetCounts();

    const profile = await client.get(`${b.baseUrl}/profile`);

    assert.equal(profile.status, 200);
    assert.ok(profile.body.includes(a.tenant.users[0]!.displayName));
    assert.equal(a.tenant.counters.tokenAuthorizationCode + a.tenant.counters.tokenRefresh, 0);
  });

  it("the raw Redis value of a signed-in session holds the cache encrypted, with no token in it", async () => {
    const client = a.newClient();
    await signIn(a, client);
    assert.equal((await client.get(`${a.baseUrl}/profile`)).status, 200);
    const sid = sessionIdFromCookie(client.cookie(a.baseUrl, "sid")!);
    const inspector = createClient({ url: REDIS_URL });
    await inspector.connect();

    const raw = (await inspector.get(`${prefix}${sid}`)) ?? "";
    const ttl = await inspector.ttl(`${prefix}${sid}`);
    await inspector.close();

    const session = JSON.parse(raw) as { tokenCache: string; account: { homeAccountId: string } };
    const cache = JSON.parse(a.cipher.open(session.tokenCache, session.account.homeAccountId)) as Record<
      string,
      Record<string, { secret: string }>
    >;
    const secrets = Object.values(cache).flatMap((kind) =>
      Object.values(kind)
        .map((e) => e.secret)
        .filter(Boolean),
    );
    assert.ok(secrets.length >= 3);
    for (const secret of secrets) assert.ok(!raw.includes(secret), "a token is in Redis in clear");
    assert.ok(!raw.includes(REFRESH_TOKEN_PREFIX));
    assert.match(session.tokenCache, /^tc2\./);
    assert.ok(ttl > 0 && ttl <= a.config.session.idleTimeoutMs / 1000, `TTL ${ttl}`);
  });

  it("POST /auth/signout on instance B signs the user out on instance A too", async () => {
    const client = a.newClient();
    await signIn(a, client);
    assert.equal((await client.get(`${a.baseUrl}/profile`)).status, 200);
    const csrf = await csrfTokenFrom(client, `${b.baseUrl}/`);

    const signOut = await client.postForm(`${b.baseUrl}/auth/signout`, { _csrf: csrf });

    assert.equal(signOut.status, 303);
    const profileOnA = await client.get(`${a.baseUrl}/profile`);
    assert.equal(profileOnA.status, 303);
    assert.equal(profileOnA.location, `${a.baseUrl}/auth/signin?returnTo=%2Fprofile`);
  });

  it("GET /profile, repeated on both instances with a valid access token, writes nothing to Redis", async () => {
    const client = a.newClient();
    await signIn(a, client);
    assert.equal((await client.get(`${a.baseUrl}/profile`)).status, 200);
    await redis.reset();

    for (const app of [a, b, a, b]) {
      assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
    }

    const counts = await redis.counts();
    assert.equal(counts.SET ?? 0, 0, `commands: ${JSON.stringify(counts)}`);
    assert.equal(counts.DEL ?? 0, 0);
    assert.equal(counts.GET, 4, "one read per request");
    assert.equal(counts.PTTL, 4, "with the session's lifetime, in the same round trip");
    // The session was written moments ago (the sign-in), well within the touch interval: the touches
    // write nothing (test/redis/redisStore.test.ts has the touch that extends it and its index sets).
    assert.equal(counts.PEXPIRE ?? 0, 0, "no TTL touch within the touch interval");
    assert.equal(counts.SADD ?? 0, 0, "the index sets are kept, not rewritten");
  });
});

describe("two instances on one Redis across an access-token expiry", () => {
  const prefix = `test-${randomUUID()}:`;
  // MSAL treats a token as expired 300 s early: a 303 s token is surely expired 5 s after issue.
  // The clock of both instances, MSAL and the tenant is moved past that, not waited for.
  const surelyExpiredAfterMs = 5_000;
  let clock: MovableClock;
  let a: TestApp;
  let b: TestApp;
  let redis: RedisCommandLog;
  before(async () => {
    clock = startMovableClock();
    a = await startTestApp({ env: redisEnv(prefix), tenant: { accessTokenLifetimeSeconds: 303 } });
    b = await startTestApp({ env: redisEnv(prefix), sibling: a });
    redis = await monitorRedis(REDIS_URL, prefix);
  });
  after(async () => {
    await redis.close();
    await b.close();
    await a.close();
    clock.restore();
  });

  async function signInAndPassTheExpiry(): Promise<TestClient> {
    const client = a.newClient();
    await signIn(a, client);
    clock.advance(surelyExpiredAfterMs);
    a.resetCounts();
    await redis.reset();
    return client;
  }

  it("GET /profile, after the access token expires, refreshes once and writes the session to Redis once", async () => {
    const client = await signInAndPassTheExpiry();

    const refreshed = await client.get(`${b.baseUrl}/profile`);
    const fromCache = await client.get(`${a.baseUrl}/profile`);

    assert.equal(refreshed.status, 200);
    assert.equal(fromCache.status, 200);
    assert.equal(a.tenant.counters.tokenRefresh, 1, "instance A uses the token instance B refreshed");
    const counts = await redis.counts();
    assert.equal(counts.SET, 1, `commands: ${JSON.stringify(counts)}`);
    // The write on B keeps the index (SADD, PEXPIRE of its two sets); A's request served from the
    // cache reads the session moments after that write, so its touch writes nothing.
    assert.equal(counts.SADD, 2);
    assert.equal(counts.PEXPIRE, 2, "the request served from the cache writes nothing");
  });

  it("20 parallel GET /profile of one session across the expiry, on both instances, all succeed and leave a working cache", async () => {
    const client = await signInAndPassTheExpiry();

    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.get(`${(i % 2 === 0 ? a : b).baseUrl}/profile`)),
    );

    const statuses = responses.map((r) => r.status);
    assert.ok(
      statuses.every((s) => s === 200),
      `statuses: ${statuses.join(",")}`,
    );
    // Coalescing: one silent call per instance refreshes; the others share its result.
    const refreshes = a.tenant.counters.tokenRefresh;
    assert.ok(refreshes >= 1 && refreshes <= 2, `refresh calls: ${refreshes}`);
    a.resetCounts();
    const next = await client.get(`${a.baseUrl}/profile`);
    const nextOnB = await client.get(`${b.baseUrl}/profile`);
    assert.equal(next.status, 200);
    assert.equal(nextOnB.status, 200);
    assert.equal(
      a.tenant.counters.tokenRefresh,
      0,
      "the session ends with a cache holding a valid access token",
    );
  });
});
