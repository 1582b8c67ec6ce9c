import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import type { SessionData } from "express-session";
import { pino } from "pino";
import { createClient } from "redis";
import { loadConfig } from "../../src/config/loadConfig.js";
import { createSessionStore } from "../../src/session/createSessionStore.js";
import { RedisUnavailableError, SqliteUnavailableError } from "../../src/errors.js";
import { rawSessionText, remainingMs } from "../support/sessionRows.js";

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

  it("createSessionStore, as the prune interval passes, deletes expired sessions and keeps the others", async (t) => {
    const path = join(dir, "prune.sqlite");
    const clock = { now: Date.parse("2030-01-01T00:00:00Z") };
    t.mock.timers.enable({ apis: ["setInterval"] });
    const settings = settingsFor({ SQLITE_PATH: path, SESSION_IDLE_TIMEOUT_SECONDS: "60" });
    const owned = await createSessionStore(settings, {
      logger,
      pruneIntervalMs: 1_000,
      now: () => clock.now,
    });
    await call((cb) => owned.store.set("old", sessionWith(60_000, "old"), cb));
    clock.now += 30_000;
    await call((cb) => owned.store.set("new", sessionWith(60_000, "new"), cb));

    clock.now += 30_000;
    const servedBeforePruning = await call<SessionData>((cb) => owned.store.get("old", cb));
    const rowsBeforePruning = rawSessionText(path, "old") !== undefined;
    t.mock.timers.tick(1_000);
    const rowsAfterPruning = [rawSessionText(path, "old"), rawSessionText(path, "new")].map(
      (r) => r !== undefined,
    );
    await owned.close();

    assert.equal(servedBeforePruning, null, "an expired session is never served, pruned or not");
    assert.equal(rowsBeforePruning, true);
    assert.deepEqual(rowsAfterPruning, [false, true], "the timer deleted the expired row only");
  });

  it("createSessionStore, on a file written by connect-session-knex, keeps its live sessions and drops the expired", async () => {
    const path = join(dir, "knex.sqlite");
    const now = Date.parse("2030-01-01T00:00:00.250Z");
    const old = new Database(path);
    // The table as connect-session-knex created it, with its ISO text expiry.
    old.exec(
      "CREATE TABLE sessions (sid varchar(255), sess json NOT NULL, expired datetime NOT NULL, PRIMARY KEY (sid))",
    );
    const insert = old.prepare("INSERT INTO sessions (sid, sess, expired) VALUES (?, ?, ?)");
    insert.run("live", JSON.stringify(sessionWith(60_000, "live")), new Date(now + 60_000).toISOString());
    insert.run("expired", JSON.stringify(sessionWith(60_000, "expired")), new Date(now - 1).toISOString());
    insert.run("garbled", JSON.stringify(sessionWith(60_000, "garbled")), "not a date");
    old.close();

    const handle = await createSessionStore(settingsFor({ SQLITE_PATH: path }), { logger, now: () => now });
    const loaded = await Promise.all(
      ["live", "expired", "garbled"].map((sid) => call<SessionData>((cb) => handle.store.get(sid, cb))),
    );
    const left = remainingMs(path, "live", now);
    await handle.close();

    assert.deepEqual(
      loaded.map((session) => (session as { tokenCache?: string } | null)?.tokenCache ?? null),
      ["live", null, null],
    );
    assert.equal(left, 60_000, "the expiry is kept to the millisecond");
  });

  it("createSessionStore, on a file of a version without the session index, indexes the signed-in sessions already there", async () => {
    const path = join(dir, "before-the-index.sqlite");
    const now = Date.parse("2030-01-01T00:00:00Z");
    const old = new Database(path);
    // The table as this app made it before the index columns.
    old.exec("CREATE TABLE sessions (sid TEXT PRIMARY KEY, sess TEXT NOT NULL, expired INTEGER NOT NULL)");
    const insert = old.prepare("INSERT INTO sessions (sid, sess, expired) VALUES (?, ?, ?)");
    const signedIn = (account: Record<string, unknown>) =>
      JSON.stringify({ cookie: { path: "/" }, account, tokenCache: "x" });
    const rows: [sid: string, text: string][] = [
      ["with-sid", signedIn({ homeAccountId: "a.t", idTokenSid: "entra-1" })],
      ["without-sid", signedIn({ homeAccountId: "a.t" })],
      ["numeric-sid", signedIn({ homeAccountId: "a.t", idTokenSid: 7 })],
      ["numeric-account", signedIn({ homeAccountId: 42, idTokenSid: "entra-2" })],
      ["anonymous", JSON.stringify({ cookie: { path: "/" } })],
      ["garbled", "not json"],
    ];
    for (const [sid, text] of rows) insert.run(sid, text, now + 60_000);
    old.close();

    const handle = await createSessionStore(settingsFor({ SQLITE_PATH: path }), { logger, now: () => now });
    const ofAccount = (await handle.index.sessionsOfAccount("a.t")).map((e) => e.sessionId).sort();
    const ofSid1 = (await handle.index.sessionsOfIdTokenSid("entra-1")).map((e) => e.sessionId);
    const ofSid2 = (await handle.index.sessionsOfIdTokenSid("entra-2")).map((e) => e.sessionId);
    await handle.close();

    assert.deepEqual(ofAccount, ["numeric-sid", "with-sid", "without-sid"]);
    assert.deepEqual(ofSid1, ["with-sid"]);
    assert.deepEqual(ofSid2, [], "a session whose account id is not a string names no account");
  });

  it("createSessionStore, with an SQLITE_PATH that cannot hold sessions, fails naming SQLITE_PATH and why", async () => {
    const notADatabase = join(dir, "notes.txt");
    writeFileSync(notADatabase, "These are notes, not a database. ".repeat(100));
    const cases: [path: string, reason: RegExp][] = [
      [dir, /it is a directory, not a file$/],
      [notADatabase, /file is not a database$/],
      [join(notADatabase, "sessions.sqlite"), /notes\.txt is a file, not a folder$/],
      [join(notADatabase, "deeper", "sessions.sqlite"), /notes\.txt is a file, not a folder$/],
      // procfs refuses new files even to root: the file system's own words.
      ["/proc/sessions.sqlite", /unable to open database file$/],
    ];

    for (const [path, reason] of cases) {
      const failure = await createSessionStore(settingsFor({ SQLITE_PATH: path }), { logger }).then(
        async (handle) => {
          await handle.close();
          return assert.fail(`the store opened ${path}`);
        },
        (error: unknown) => error,
      );

      assert.ok(failure instanceof SqliteUnavailableError, path);
      assert.ok(
        failure.message.startsWith(`SQLITE_PATH (${path}) cannot hold the sessions: `),
        failure.message,
      );
      assert.match(failure.message, reason);
      assert.doesNotMatch(failure.message, /\n/, "one line");
    }
  });
});

describe("the Redis session store", () => {
  it("createSessionStore, with Redis, stores under the prefix with a TTL of the idle timeout", async () => {
    const prefix = `test-${randomUUID()}:`;
    const settings = settingsFor({
      SESSION_STORE: "redis",
      REDIS_KEY_PREFIX: prefix,
      SESSION_IDLE_TIMEOUT_SECONDS: "600",
    });
    const handle = await createSessionStore(settings, { logger });
    const inspector = createClient({ url: settings.redisUrl });
    await inspector.connect();

    // The cookie's own lifetime plays no part: the key lives as long as the idle timeout.
    await call((cb) => handle.store.set("sid-1", sessionWith(60_000, "cache-blob"), cb));
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
