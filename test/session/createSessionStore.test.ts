import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { SessionData, Store } from "express-session";
import { pino } from "pino";
import { createClient } from "redis";
import { loadConfig } from "../../src/config/loadConfig.js";
import { createSessionStore } from "../../src/session/createSessionStore.js";
import { RedisUnavailableError } from "../../src/errors.js";

const dir = mkdtempSync(join(tmpdir(), "session-store-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const logger = pino({ level: "silent" });

function settingsFor(env: Record<string, string>) {
  return loadConfig({
    TENANT_ID: "contoso.example",
    CLIENT_ID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    CLIENT_SECRET: "x",
    EXPRESS_SESSION_SECRET: "s".repeat(32),
    ...env,
  }).session;
}

const call = <T>(fn: (cb: (err?: unknown, value?: T | null) => void) => void) =>
  new Promise<T | null | undefined>((resolve, reject) =>
    fn((err, value) => (err ? reject(new Error("the store call failed", { cause: err })) : resolve(value))),
  );

const sessionWith = (maxAge: number, tokenCache: string) =>
  ({
    cookie: { originalMaxAge: maxAge, maxAge, expires: new Date(Date.now() + maxAge) },
    tokenCache,
  }) as unknown as SessionData;

describe("the SQLite session store", () => {
  it("createSessionStore, after the process restarts, still has the sessions it saved", async () => {
    const settings = settingsFor({ SQLITE_PATH: join(dir, "restart.sqlite") });
    const first = await createSessionStore(settings, { logger });
    await call((cb) => first.store.set("sid-1", sessionWith(60_000, "cache-blob"), cb));
    await first.close();

    const second = await createSessionStore(settings, { logger });
    const loaded = await call<SessionData>((cb) => second.store.get("sid-1", cb));
    await second.close();

    assert.equal((loaded as unknown as { tokenCache: string }).tokenCache, "cache-blob");
  });

  it("createSessionStore, with an expired session, neither returns it nor keeps it", async () => {
    const settings = settingsFor({ SQLITE_PATH: join(dir, "prune.sqlite") });
    const owned = await createSessionStore(settings, { logger, pruneIntervalMs: 50 });
    const store: Store = owned.store;
    await call((cb) => store.set("old", sessionWith(1, "old"), cb));
    await call((cb) => store.set("new", sessionWith(60_000, "new"), cb));

    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const expired = await call<SessionData>((cb) => store.get("old", cb));
    const count = await call<number>((cb) => store.length!(cb));
    await owned.close();

    assert.equal(expired ?? undefined, undefined);
    assert.equal(count, 1, "the expired row was deleted by the pruning timer");
  });
});

describe("the Redis session store", () => {
  it("createSessionStore, with Redis, stores under the prefix with a TTL of the session's lifetime", async () => {
    const prefix = `test-${randomUUID()}:`;
    const settings = settingsFor({ SESSION_STORE: "redis", REDIS_KEY_PREFIX: prefix });
    const handle = await createSessionStore(settings, { logger });
    const inspector = createClient({ url: settings.redisUrl });
    await inspector.connect();

    await call((cb) => handle.store.set("sid-1", sessionWith(600_000, "cache-blob"), cb));
    const ttl = await inspector.ttl(`${prefix}sid-1`);
    const loaded = await call<SessionData>((cb) => handle.store.get("sid-1", cb));
    await call((cb) => handle.store.destroy("sid-1", cb));
    const afterDestroy = await inspector.exists(`${prefix}sid-1`);
    await inspector.close();
    await handle.close();

    assert.ok(ttl > 590 && ttl <= 600, `TTL ${ttl}`);
    assert.equal((loaded as unknown as { tokenCache: string }).tokenCache, "cache-blob");
    assert.equal(afterDestroy, 0);
  });

  it("createSessionStore, when Redis does not answer at start, fails naming the URL without its password", async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const settings = settingsFor({
      SESSION_STORE: "redis",
      REDIS_URL: "redis://app:s3cret-pass@127.0.0.1:1",
      SESSION_STORE_TIMEOUT_MS: "300",
    });

    const failure = await createSessionStore(settings, { logger }).then(
      () => assert.fail("the store started without Redis"),
      (error: unknown) => error,
    );

    assert.ok(failure instanceof RedisUnavailableError);
    assert.match(failure.message, /^Could not connect to Redis at redis:\/\/app:\*\*\*@127\.0\.0\.1:1/);
    assert.ok(!failure.message.includes("s3cret-pass"));
  });
});
