/**
 * The Redis store's count (the operator page) on the real Redis at 127.0.0.1:6379: SCAN of this
 * prefix's string keys only (sessions; the index keys are sets), the prefix taken literally even when
 * it holds glob characters, "at least" once it stops at its bound of rounds. And GET /admin on Redis:
 * the store's kind and count, and a 503 while the store is down (on a redis-server of the test's own),
 * since without the session nobody can be known to hold the role.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { SessionData } from "express-session";
import { pino } from "pino";
import { createClient } from "redis";
import type { LocalTenantAppRole } from "local-entra";
import { loadConfig } from "../../src/config/loadConfig.js";
import { createSessionStore } from "../../src/session/createSessionStore.js";
import type { SessionStoreHandle } from "../../src/session/createSessionStore.js";
import { RedisSessionStore } from "../../src/session/redisStore.js";
import { startOwnRedis } from "../support/redisServer.js";
import type { OwnRedis } from "../support/redisServer.js";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import { call, newSession } from "../session/storeContract.js";

const REDIS_URL = "redis://127.0.0.1:6379";
const logger = pino({ level: "silent" });

function settingsFor(prefix: string) {
  return loadConfig({
    TENANT_ID: "contoso.example",
    CLIENT_ID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    CLIENT_SECRET: "x",
    EXPRESS_SESSION_SECRET: "s".repeat(32),
    SESSION_STORE: "redis",
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
  }).session;
}

describe("the Redis store's session count", () => {
  const run = randomUUID();
  // Unescaped, `t[ab]*-…:*` would also match the neighbour's keys ("ta-…:", "tb*-…:").
  const prefix = `t[ab]*-${run}:`;
  const neighbours = [`ta-${run}:`, `tb*-${run}:`, `t[ab]*-${run}`];
  let handle: SessionStoreHandle;
  let inspector: ReturnType<typeof createClient>;
  const set = (sid: string, session: SessionData) => call((cb) => handle.store.set(sid, session, cb));

  before(async () => {
    handle = await createSessionStore(settingsFor(prefix), { logger });
    inspector = createClient({ url: REDIS_URL });
    await inspector.connect();
  });
  after(async () => {
    for (const stem of [prefix, ...neighbours]) {
      const pattern = `${stem.replace(/[*?[\]\\]/g, "\\$&")}*`;
      for await (const keys of inspector.scanIterator({ MATCH: pattern, COUNT: 1000 })) {
        if (keys.length > 0) await inspector.del(keys);
      }
    }
    await inspector.close();
    await handle.close();
  });

  it("count, beside index sets and keys of other prefixes that a glob would match, counts this prefix's sessions only", async () => {
    for (let i = 0; i < 4; i++) {
      await set(`session${i}`, newSession({ account: { homeAccountId: `h${i}.t`, idTokenSid: `s${i}` } }));
    }
    for (const stem of neighbours) await inspector.set(`${stem}session9`, "{}");
    // A string under the prefix that is not a session key (not an id), and a set that is not an index.
    await inspector.set(`${prefix}account:{stray}`, "x");
    await inspector.sAdd(`${prefix}strayset`, "x");

    const count = await handle.count();

    assert.deepEqual(count, { sessions: 4, exact: true });
    assert.ok((await inspector.sCard(`${prefix}account:{h0.t}`)) === 1, "the index sets exist");
  });

  it("count, after a destroy, is one less", async () => {
    const before = await handle.count();

    await call((cb) => handle.store.destroy("session0", cb));

    assert.deepEqual(await handle.count(), { sessions: before.sessions - 1, exact: true });
  });

  it("count, stopped at its bound of SCAN rounds, says at least how many it saw", async () => {
    const multi = inspector.multi();
    for (let i = 0; i < 2500; i++)
      multi.set(`${prefix}bulk${i}`, "{}", { expiration: { type: "EX", value: 120 } });
    await multi.exec();
    assert.ok(handle.store instanceof RedisSessionStore);

    const bounded = await handle.store.countSessions(1);
    const whole = await handle.count();

    assert.equal(bounded.exact, false);
    assert.ok(bounded.sessions <= whole.sessions);
    assert.deepEqual(whole, { sessions: 2503, exact: true });
  });
});

describe("GET /admin, with sessions in Redis", () => {
  let redis: OwnRedis;
  let app: TestApp;
  before(async () => {
    redis = await startOwnRedis();
    app = await startTestApp({
      env: { SESSION_STORE: "redis", REDIS_URL: redis.url, SESSION_STORE_TIMEOUT_MS: "500" },
    });
    const roles: LocalTenantAppRole[] = [{ value: "Admin", memberOids: [app.tenant.users[0]!.oid] }];
    app.tenant.updateClient(app.config.auth.clientId, { appRoles: roles });
  });
  after(async () => {
    await app.close();
    await redis.dispose();
  });

  it("GET /admin, for a holder of the role, says Redis, up, and counts the signed-in browsers", async () => {
    const admin = app.newClient();
    await signIn(app, admin, { userOid: app.tenant.users[0]!.oid });
    await signIn(app, app.newClient(), { userOid: app.tenant.users[1]!.oid });

    const page = await admin.get(`${app.baseUrl}/admin`);

    assert.equal(page.status, 200);
    assert.match(page.body, /id="store-kind">Redis</);
    assert.match(page.body, /id="store-health">up /);
    assert.match(page.body, /id="store-sessions">2</);
  });

  it("GET /admin, while Redis is stopped, answers the 503 page with Retry-After, then the page again once it is back", async () => {
    const admin = app.newClient();
    await signIn(app, admin, { userOid: app.tenant.users[0]!.oid });

    await redis.stop();
    let during;
    try {
      during = await admin.get(`${app.baseUrl}/admin`);
    } finally {
      await redis.start();
    }
    let afterwards = await admin.get(`${app.baseUrl}/admin`);
    for (let attempt = 0; attempt < 50 && afterwards.status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      afterwards = await admin.get(`${app.baseUrl}/admin`);
    }

    assert.equal(during.status, 503);
    assert.equal(during.headers["retry-after"], "5");
    assert.doesNotMatch(during.body, /Service state/);
    assert.equal(afterwards.status, 200);
  });
});
