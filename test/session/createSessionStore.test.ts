import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { SessionData, Store } from "express-session";
import { loadConfig } from "../../src/config/loadConfig.js";
import { createSessionStore } from "../../src/session/createSessionStore.js";

const dir = mkdtempSync(join(tmpdir(), "session-store-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function settingsFor(file: string) {
  return loadConfig({
    TENANT_ID: "contoso.example",
    CLIENT_ID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    CLIENT_SECRET: "x",
    EXPRESS_SESSION_SECRET: "s".repeat(32),
    SQLITE_PATH: join(dir, file),
  }).session;
}

const failOnError = (error: unknown) => assert.fail(`the store reported ${String(error)}`);

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
    const settings = settingsFor("restart.sqlite");
    const first = createSessionStore(settings, { onError: failOnError });
    await call((cb) => first.store.set("sid-1", sessionWith(60_000, "cache-blob"), cb));
    await first.close();

    const second = createSessionStore(settings, { onError: failOnError });
    const loaded = await call<SessionData>((cb) => second.store.get("sid-1", cb));
    await second.close();

    assert.equal((loaded as unknown as { tokenCache: string }).tokenCache, "cache-blob");
  });

  it("createSessionStore, with an expired session, neither returns it nor keeps it", async () => {
    const owned = createSessionStore(settingsFor("prune.sqlite"), {
      onError: failOnError,
      pruneIntervalMs: 50,
    });
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
