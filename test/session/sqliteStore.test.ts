/**
 * The SQLite store on a real file in a temporary folder, with an injected clock: the shared store
 * contract, then what the contract cannot set up for every store: faults made by a second real
 * connection (a held write lock, a dropped table) and a closed database, each of which must reach the
 * callback of every method as an error, within the store deadline, with nothing thrown.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import type { SessionData, Store } from "express-session";
import { pino } from "pino";
import { loadConfig } from "../../src/config/loadConfig.js";
import { createSessionStore } from "../../src/session/createSessionStore.js";
import type { SessionStoreHandle } from "../../src/session/createSessionStore.js";
import { ageSession, remainingMs, writeRawSessionText } from "../support/sessionRows.js";
import { call, newSession, runStoreContract } from "./storeContract.js";

const dir = mkdtempSync(join(tmpdir(), "sqlite-store-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const logger = pino({ level: "silent" });
const IDLE_SECONDS = 600;
const STORE_TIMEOUT_MS = 1_000;

function settingsFor(sqlitePath: string) {
  return loadConfig({
    TENANT_ID: "contoso.example",
    CLIENT_ID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    CLIENT_SECRET: "x",
    EXPRESS_SESSION_SECRET: "s".repeat(32),
    SQLITE_PATH: sqlitePath,
    SESSION_IDLE_TIMEOUT_SECONDS: String(IDLE_SECONDS),
    SESSION_STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
  }).session;
}

/** A store on a fresh file whose clock only moves when the test moves it. */
async function openStore(
  name: string,
): Promise<{ handle: SessionStoreHandle; path: string; clock: { now: number } }> {
  const path = join(dir, `${name}.sqlite`);
  const clock = { now: Date.parse("2030-01-01T00:00:00Z") };
  const handle = await createSessionStore(settingsFor(path), { logger, now: () => clock.now });
  return { handle, path, clock };
}

runStoreContract(
  "SQLite",
  async () => {
    const { handle, path, clock } = await openStore("contract");
    return {
      store: handle.store,
      index: handle.index,
      idleTimeoutMs: IDLE_SECONDS * 1000,
      remainingMs: async (sid) => remainingMs(path, sid, clock.now),
      corrupt: async (sid, text) => writeRawSessionText(path, sid, text),
      age: async (sid, ms) => ageSession(path, sid, ms),
      now: () => clock.now,
      advance: (ms) => {
        clock.now += ms;
      },
      count: () => handle.count(),
      close: () => handle.close(),
    };
  },
  { clock: true },
);

type Operation = [name: string, run: (store: Store, sid: string, cb: (err?: unknown) => void) => void];

const loadedSession = () => newSession({ persisted: true, tokenCache: "x" });
const operations: Operation[] = [
  ["get", (store, sid, cb) => store.get(sid, cb)],
  ["set of a new session", (store, sid, cb) => store.set(`${sid}-new`, newSession(), cb)],
  ["set of a loaded session", (store, sid, cb) => store.set(sid, loadedSession(), cb)],
  ["touch", (store, sid, cb) => store.touch!(sid, loadedSession(), cb)],
  ["destroy", (store, sid, cb) => store.destroy(sid, cb)],
  ["length", (store, _sid, cb) => store.length!(cb)],
];

interface Fault {
  name: string;
  /** Which operations fail under it (under WAL a write lock lets reads through). */
  fails: (operation: string) => boolean;
  /** Makes the fault; returns what ends it. */
  make(path: string, handle: SessionStoreHandle): () => void;
}

const writes = new Set(["set of a new session", "set of a loaded session", "touch", "destroy"]);
const faults: Fault[] = [
  {
    name: "a write lock held by another connection",
    fails: (operation) => writes.has(operation),
    make: (path) => {
      const other = new Database(path);
      other.exec("BEGIN EXCLUSIVE");
      return () => {
        other.exec("ROLLBACK");
        other.close();
      };
    },
  },
  {
    name: "the sessions table dropped by another connection",
    fails: () => true,
    make: (path) => {
      const other = new Database(path);
      other.exec("DROP TABLE sessions");
      other.close();
      return () => undefined;
    },
  },
  {
    name: "a closed database",
    fails: () => true,
    make: (_path, handle) => {
      void handle.close();
      return () => undefined;
    },
  },
];

describe("the SQLite session store under faults", () => {
  for (const fault of faults) {
    it(`every store method, under ${fault.name}, answers its callback (an error where it must write or read) and throws nothing`, async () => {
      const { handle, path } = await openStore(`fault-${faults.indexOf(fault)}`);
      await call((cb) => handle.store.set("sid-1", newSession(), cb));
      const end = fault.make(path, handle);

      const outcomes: string[] = [];
      for (const [name, run] of operations) {
        const started = Date.now();
        let answer!: Promise<unknown>;
        assert.doesNotThrow(() => {
          answer = new Promise((resolve) => run(handle.store, "sid-1", resolve));
        }, name);
        const err = await answer;
        const took = Date.now() - started;
        assert.ok(took < STORE_TIMEOUT_MS, `${name} answered in ${took} ms, within the store deadline`);
        outcomes.push(`${name}: ${err ? "error" : "ok"}`);
      }
      end();
      await handle.close();

      assert.deepEqual(
        outcomes,
        operations.map(([name]) => `${name}: ${fault.fails(name) ? "error" : "ok"}`),
      );
    });
  }

  it("ping, with the sessions table dropped, rejects, so the instance reports itself unready", async () => {
    const { handle, path } = await openStore("ping");
    await handle.ping();
    const other = new Database(path);
    other.exec("DROP TABLE sessions");
    other.close();

    await assert.rejects(handle.ping(), /no such table: sessions/);
    await handle.close();
  });

  it("get, of a garbled session while another connection holds the write lock, still answers null", async () => {
    const { handle, path } = await openStore("garbled-locked");
    await call((cb) => handle.store.set("sid-garbled", newSession(), cb));
    writeRawSessionText(path, "sid-garbled", "not json");
    const other = new Database(path);
    other.exec("BEGIN EXCLUSIVE");

    const whileLocked = await call((cb) => handle.store.get("sid-garbled", cb));
    other.exec("ROLLBACK");
    other.close();
    const afterwards = await call((cb) => handle.store.get("sid-garbled", cb));
    const left = remainingMs(path, "sid-garbled");
    await handle.close();

    assert.equal(whileLocked, null, "unreadable data is no session, even when it cannot be deleted yet");
    assert.equal(afterwards, null);
    assert.equal(left, undefined, "deleted by the next read");
  });

  it("set of a new session, saved again in its own request, updates it; a copy of it is refused", async () => {
    const { handle } = await openStore("twice");
    const session = newSession({ tokenCache: "first" });
    await call((cb) => handle.store.set("sid-twice", session, cb));

    // express-session saves the same object again when a route changes it after an explicit save.
    await call((cb) => handle.store.set("sid-twice", Object.assign(session, { tokenCache: "second" }), cb));
    const copy = call((cb) => handle.store.set("sid-twice", { ...session, tokenCache: "copy" }, cb));
    await assert.rejects(copy, /already stored/);
    const loaded = await call<SessionData & { tokenCache: string }>((cb) =>
      handle.store.get("sid-twice", cb),
    );
    await handle.close();

    assert.equal(loaded?.tokenCache, "second");
  });

  it("set of a new session, whose id is already stored, fails and leaves the stored one", async () => {
    const { handle } = await openStore("collision");
    await call((cb) => handle.store.set("sid-taken", newSession({ tokenCache: "first owner" }), cb));

    await assert.rejects(
      call((cb) => handle.store.set("sid-taken", newSession({ tokenCache: "intruder" }), cb)),
      /already stored/,
    );
    const loaded = await call<SessionData & { tokenCache: string }>((cb) =>
      handle.store.get("sid-taken", cb),
    );
    await handle.close();

    assert.equal(loaded?.tokenCache, "first owner");
  });
});
