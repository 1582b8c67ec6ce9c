/**
 * The Redis session store against the real Redis (127.0.0.1:6379): the contract both stores keep, the
 * commands each operation sends, the idle lifetime whatever the cookie says, and two instances' stores
 * on one prefix, where a session destroyed through one is never written back through the other.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { SessionData, Store } from "express-session";
import { pino } from "pino";
import { createClient } from "redis";
import { loadConfig } from "../../src/config/loadConfig.js";
import type { SessionSettings } from "../../src/config/settings.js";
import { createSessionStore } from "../../src/session/createSessionStore.js";
import type { SessionIndex, SessionStoreHandle } from "../../src/session/createSessionStore.js";
import { monitorRedis } from "../support/redisMonitor.js";
import { sessionIdFromCookie } from "../support/sessionRows.js";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient } from "../support/testClient.js";
import { call, idsOf, newSession, runStoreContract } from "../session/storeContract.js";

const REDIS_URL = "redis://127.0.0.1:6379";
const IDLE_TIMEOUT_MS = 600_000;
const logger = pino({ level: "silent" });
type RedisClient = ReturnType<typeof createClient>;
type Loaded = SessionData & Record<string, unknown>;

function settingsFor(prefix: string): SessionSettings {
  return loadConfig({
    TENANT_ID: "contoso.example",
    CLIENT_ID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    CLIENT_SECRET: "x",
    EXPRESS_SESSION_SECRET: "s".repeat(32),
    SESSION_STORE: "redis",
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    SESSION_IDLE_TIMEOUT_SECONDS: String(IDLE_TIMEOUT_MS / 1000),
  }).session;
}

/** express-session's callback calls on a store, as promises. */
function callsOn(store: Store) {
  return {
    get: async (sid: string) =>
      (await call<SessionData>((cb) => store.get(sid, cb))) as Loaded | null | undefined,
    set: (sid: string, session: SessionData) => call((cb) => store.set(sid, session, cb)),
    touch: (sid: string, session: SessionData) => call((cb) => store.touch!(sid, session, cb)),
    destroy: (sid: string) => call((cb) => store.destroy(sid, cb)),
  };
}

interface OpenStore extends ReturnType<typeof callsOn> {
  store: Store;
  index: SessionIndex;
  count: SessionStoreHandle["count"];
  /** A plain client beside the store, to look at and tamper with the keys as an operator could. */
  inspector: RedisClient;
  key(sid: string): string;
  remainingMs(sid: string): Promise<number | undefined>;
  close(): Promise<void>;
}

async function openStore(settings: SessionSettings): Promise<OpenStore> {
  const handle = await createSessionStore(settings, { logger });
  const inspector: RedisClient = createClient({ url: settings.redisUrl });
  await inspector.connect();
  const key = (sid: string) => `${settings.redisKeyPrefix}${sid}`;
  return {
    ...callsOn(handle.store),
    store: handle.store,
    index: handle.index,
    count: () => handle.count(),
    inspector,
    key,
    async remainingMs(sid) {
      const ms = await inspector.pTTL(key(sid));
      // -2: no such key. -1: a key without a TTL would live forever, which no lifetime check accepts.
      return ms === -2 ? undefined : ms === -1 ? Number.POSITIVE_INFINITY : ms;
    },
    async close() {
      for await (const keys of inspector.scanIterator({ MATCH: `${settings.redisKeyPrefix}*` })) {
        if (keys.length > 0) await inspector.del(keys);
      }
      await inspector.close();
      await handle.close();
    },
  };
}

runStoreContract(
  "Redis",
  async () => {
    const opened = await openStore(settingsFor(`test-${randomUUID()}:`));
    return {
      store: opened.store,
      index: opened.index,
      idleTimeoutMs: IDLE_TIMEOUT_MS,
      remainingMs: (sid) => opened.remainingMs(sid),
      now: () => Date.now(),
      count: () => opened.count(),
      corrupt: async (sid, text) => {
        await opened.inspector.set(opened.key(sid), text, { expiration: "KEEPTTL" });
      },
      age: async (sid, ms) => {
        const remaining = await opened.inspector.pTTL(opened.key(sid));
        await opened.inspector.pExpire(opened.key(sid), remaining - ms);
      },
      close: () => opened.close(),
    };
  },
  { clock: false },
);

describe("the Redis session store, on the wire", () => {
  const prefix = `test-${randomUUID()}:`;
  let redis: OpenStore;
  before(async () => {
    redis = await openStore(settingsFor(prefix));
  });
  after(() => redis.close());

  const stored = async (sid: string) => {
    await redis.set(sid, newSession({ tokenCache: "stored" }));
  };
  const unreadable = async (sid: string) => {
    await stored(sid);
    await redis.inspector.set(redis.key(sid), "not json", { expiration: "KEEPTTL" });
  };
  const nothing = async () => undefined;
  const loadedCopy = (sid: string) => newSession({ persisted: true, tokenCache: `late ${sid}` });
  const signedIn = (sid: string, fields: Record<string, unknown> = {}) =>
    newSession({
      account: { homeAccountId: `${sid}.tenant`, idTokenSid: `${sid}-entra-sid` },
      tokenCache: "signed in",
      ...fields,
    });
  const storedSignedIn = async (sid: string) => {
    await redis.set(sid, signedIn(sid));
  };

  const cases: [string, (sid: string) => Promise<unknown>, (sid: string) => Promise<unknown>, object][] = [
    // PTTL pipelined with GET: what the request's touch needs to know (touchIntervalMs).
    ["get, of a stored session", stored, (sid) => redis.get(sid), { GET: 1, PTTL: 1 }],
    ["get, of an unknown session", nothing, (sid) => redis.get(sid), { GET: 1, PTTL: 1 }],
    ["get, of a session that is not JSON", unreadable, (sid) => redis.get(sid), { GET: 1, PTTL: 1, DEL: 1 }],
    ["set, of a new session", nothing, (sid) => redis.set(sid, newSession()), { SET: 1 }],
    ["set, of a loaded session", stored, (sid) => redis.set(sid, loadedCopy(sid)), { SET: 1 }],
    [
      "set, of a loaded session since destroyed",
      nothing,
      (sid) => redis.set(sid, loadedCopy(sid)),
      { SET: 1 },
    ],
    ["touch, of a stored session", stored, (sid) => redis.touch(sid, loadedCopy(sid)), { PEXPIRE: 1 }],
    [
      "touch, of a session the request read moments after its last write",
      async (sid) => {
        await stored(sid);
        await redis.get(sid);
      },
      (sid) => redis.touch(sid, loadedCopy(sid)),
      {},
    ],
    [
      "touch, of a signed-in session the request read moments after its last write",
      async (sid) => {
        await storedSignedIn(sid);
        await redis.get(sid);
      },
      (sid) => redis.touch(sid, signedIn(sid, { persisted: true })),
      {},
    ],
    ["touch, of a destroyed session", nothing, (sid) => redis.touch(sid, loadedCopy(sid)), { PEXPIRE: 1 }],
    [
      "set, of a new signed-in session",
      nothing,
      (sid) => redis.set(sid, signedIn(sid)),
      { SET: 1, SADD: 2, PEXPIRE: 2 },
    ],
    [
      "set, of a loaded signed-in session",
      storedSignedIn,
      (sid) => redis.set(sid, signedIn(sid, { persisted: true })),
      { SET: 1, SADD: 2, PEXPIRE: 2 },
    ],
    [
      "set, of a loaded signed-in session since destroyed",
      nothing,
      (sid) => redis.set(sid, signedIn(sid, { persisted: true })),
      { SET: 1 },
    ],
    [
      "touch, of a stored signed-in session",
      storedSignedIn,
      (sid) => redis.touch(sid, signedIn(sid, { persisted: true })),
      { PEXPIRE: 3, SADD: 2 },
    ],
    ["destroy, of a stored session", stored, (sid) => redis.destroy(sid), { GETDEL: 1 }],
    [
      "destroy, of a stored signed-in session",
      storedSignedIn,
      (sid) => redis.destroy(sid),
      { GETDEL: 1, SREM: 2 },
    ],
    ["destroy, of an unknown session", nothing, (sid) => redis.destroy(sid), { GETDEL: 1 }],
    [
      "the index, looking up an account",
      storedSignedIn,
      (sid) => redis.index.sessionsOfAccount(`${sid}.tenant`),
      { SMEMBERS: 1, MGET: 1, PTTL: 1 },
    ],
  ];
  for (const [operation, arrange, act, expected] of cases) {
    it(`${operation}, sends exactly ${JSON.stringify(expected)}`, async () => {
      const sid = `wire-${randomUUID()}`;
      await arrange(sid);
      const log = await monitorRedis(REDIS_URL, prefix);

      try {
        await act(sid);
        assert.deepEqual(await log.counts(), expected);
      } finally {
        await log.close();
      }
    });
  }

  it("set, of a new session under an id that is taken, answers an error and leaves the stored one", async () => {
    const sid = `taken-${randomUUID()}`;
    await redis.set(sid, newSession({ tokenCache: "first owner" }));

    await assert.rejects(redis.set(sid, newSession({ tokenCache: "second owner" })), /already taken/);

    assert.equal((await redis.get(sid))?.tokenCache, "first owner");
  });

  it("set, of a new session saved twice by one request, updates it the second time", async () => {
    const sid = `twice-${randomUUID()}`;
    const session = newSession({ tokenCache: "at sign-in" }) as Loaded;
    const before = JSON.stringify(session);

    await redis.set(sid, session);
    const afterFirstSave = JSON.stringify(session);
    session.tokenCache = "later in the same request";
    await redis.set(sid, session);

    assert.equal(afterFirstSave, before, "express-session's hash of the session is unchanged");
    assert.equal((await redis.get(sid))?.tokenCache, "later in the same request");
  });

  const cookies: [string, Record<string, unknown>][] = [
    ["a browser-session cookie", { originalMaxAge: null, expires: null }],
    ["a cookie of one minute", { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) }],
    ["a cookie of 30 days", { originalMaxAge: 2_592_000_000, expires: new Date(Date.now() + 2_592_000_000) }],
    ["a cookie already expired", { originalMaxAge: 1, expires: new Date(Date.now() - 1_000) }],
  ];
  for (const [cookie, fields] of cookies) {
    it(`set, of a session with ${cookie}, gives the key the idle timeout as its TTL`, async () => {
      const sid = `cookie-${randomUUID()}`;

      await redis.set(sid, newSession({ cookie: { path: "/", httpOnly: true, ...fields } }));

      const remaining = await redis.remainingMs(sid);
      assert.ok(remaining !== undefined && remaining <= IDLE_TIMEOUT_MS, `${remaining} ms left`);
      assert.ok(remaining > IDLE_TIMEOUT_MS - 5_000, `${remaining} ms left`);
    });
  }

  it("the index keys carry the account and the sid as hash tags, and live the idle timeout", async () => {
    const sid = `tagged-${randomUUID()}`;

    await redis.set(sid, signedIn(sid));

    const accountKey = `${prefix}account:{${sid}.tenant}`;
    const sidKey = `${prefix}idsid:{${sid}-entra-sid}`;
    assert.deepEqual(
      (await redis.inspector.keys(`${prefix}*${sid}*`)).sort(),
      [accountKey, sidKey, redis.key(sid)].sort(),
    );
    assert.deepEqual(await redis.inspector.sMembers(accountKey), [sid]);
    assert.deepEqual(await redis.inspector.sMembers(sidKey), [sid]);
    for (const key of [accountKey, sidKey]) {
      const remaining = await redis.inspector.pTTL(key);
      assert.ok(
        remaining <= IDLE_TIMEOUT_MS && remaining > IDLE_TIMEOUT_MS - 5_000,
        `${key}: ${remaining} ms left`,
      );
    }
  });

  it("the index, for a member whose session expired, drops it from the set at lookup", async () => {
    const [expired, live] = [`expired-${randomUUID()}`, `live-${randomUUID()}`];
    const account = `${expired}.tenant`;
    await redis.set(expired, signedIn(expired));
    await redis.set(live, signedIn(live, { account: { homeAccountId: account } }));
    await redis.inspector.pExpire(redis.key(expired), 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const accountKey = `${prefix}account:{${account}}`;
    assert.deepEqual(
      (await redis.inspector.sMembers(accountKey)).sort(),
      [expired, live].sort(),
      "still a member",
    );

    assert.deepEqual(idsOf(await redis.index.sessionsOfAccount(account)), [live]);
    assert.deepEqual(idsOf(await redis.index.sessionsOfIdTokenSid(`${expired}-entra-sid`)), []);

    assert.deepEqual(await redis.inspector.sMembers(accountKey), [live]);
    assert.equal(
      await redis.inspector.exists(`${prefix}idsid:{${expired}-entra-sid}`),
      0,
      "the emptied set is gone",
    );
  });

  it("the index, for a session signed in to another account since, does not answer it for the first", async () => {
    const sid = `switched-${randomUUID()}`;
    await redis.set(sid, signedIn(sid));
    const loaded = (await redis.get(sid))!;

    await redis.set(sid, { ...loaded, account: { homeAccountId: `${sid}.other` } } as SessionData);

    assert.deepEqual(idsOf(await redis.index.sessionsOfAccount(`${sid}.tenant`)), []);
    assert.deepEqual(idsOf(await redis.index.sessionsOfAccount(`${sid}.other`)), [sid]);
  });

  it("set, of a loaded signed-in session since destroyed (SET … XX), adds nothing to the index", async () => {
    const sid = `late-${randomUUID()}`;
    await redis.set(sid, signedIn(sid));
    const loaded = (await redis.get(sid))!;
    await redis.destroy(sid);
    assert.deepEqual(
      await redis.inspector.keys(`${prefix}*${sid}*`),
      [],
      "destroy removed the key and its set members",
    );

    await redis.set(sid, { ...loaded, tokenCache: "late" });

    assert.deepEqual(await redis.inspector.keys(`${prefix}*${sid}*`), [], "no session, no index key");
    assert.deepEqual(idsOf(await redis.index.sessionsOfAccount(`${sid}.tenant`)), []);
  });

  it("set, of a new session under an id that is taken, indexes nothing for the newcomer", async () => {
    const sid = `taken-${randomUUID()}`;
    await redis.set(sid, newSession({ tokenCache: "first owner" }));

    await assert.rejects(redis.set(sid, signedIn(sid)), /already taken/);

    assert.deepEqual(await redis.inspector.keys(`${prefix}*${sid}*`), [redis.key(sid)]);
  });

  const renewals: [string, (sid: string, loaded: Loaded) => Promise<unknown>][] = [
    ["set", (sid, loaded) => redis.set(sid, { ...loaded, tokenCache: "renewed" })],
    ["touch", (sid, loaded) => redis.touch(sid, loaded)],
  ];
  for (const [operation, renew] of renewals) {
    it(`${operation}, of a session with a second left, gives it the whole idle timeout again`, async () => {
      const sid = `renew-${randomUUID()}`;
      await redis.set(sid, newSession());
      await redis.inspector.pExpire(redis.key(sid), 1_000);
      const loaded = (await redis.get(sid))!;

      await renew(sid, loaded);

      const remaining = await redis.remainingMs(sid);
      assert.ok(remaining !== undefined && remaining > IDLE_TIMEOUT_MS - 5_000, `${remaining} ms left`);
    });
  }
});

describe("the Redis session store, with its connection closed", () => {
  const operations: [string, (calls: ReturnType<typeof callsOn>) => Promise<unknown>][] = [
    ["get", (calls) => calls.get("any")],
    ["set of a new session", (calls) => calls.set("any", newSession())],
    ["set of a loaded session", (calls) => calls.set("any", newSession({ persisted: true }))],
    ["touch", (calls) => calls.touch("any", newSession())],
    ["destroy", (calls) => calls.destroy("any")],
  ];
  for (const [operation, act] of operations) {
    it(`${operation}, when the client is closed, answers the error through the callback`, async () => {
      const handle = await createSessionStore(settingsFor(`test-${randomUUID()}:`), { logger });
      await handle.close();

      await assert.rejects(act(callsOn(handle.store)));
    });
  }
});

describe("two instances' session stores on one Redis prefix", () => {
  const prefix = `test-${randomUUID()}:`;
  let a: TestApp;
  let b: TestApp;
  let storeOfA: OpenStore;
  let storeOfB: OpenStore;
  before(async () => {
    const env = { SESSION_STORE: "redis", REDIS_URL, REDIS_KEY_PREFIX: prefix };
    a = await startTestApp({ env });
    b = await startTestApp({ env, sibling: a });
    storeOfA = await openStore(a.config.session);
    storeOfB = await openStore(b.config.session);
  });
  after(async () => {
    await storeOfB.close();
    await storeOfA.close();
    await b.close();
    await a.close();
  });

  async function signedInSession(): Promise<{ client: TestClient; sid: string }> {
    const client = a.newClient();
    await signIn(a, client);
    return { client, sid: sessionIdFromCookie(client.cookie(a.baseUrl, "sid")!) };
  }

  async function signOutOnA(client: TestClient): Promise<void> {
    const page = await client.get(`${a.baseUrl}/`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    assert.ok(csrf, "no sign-out form on instance A");
    assert.equal((await client.postForm(`${a.baseUrl}/auth/signout`, { _csrf: csrf })).status, 303);
  }

  const endings: [string, (client: TestClient, sid: string) => Promise<unknown>][] = [
    ["instance A's store destroys it", (_client, sid) => storeOfA.destroy(sid)],
    ["the user signs out on instance A", (client) => signOutOnA(client)],
  ];
  const lateWrites: [string, (sid: string, loaded: Loaded) => Promise<unknown>][] = [
    [
      "set",
      (sid, loaded) => storeOfB.set(sid, { ...loaded, tokenCache: `${String(loaded.tokenCache)}-late` }),
    ],
    ["touch", (sid, loaded) => storeOfB.touch(sid, loaded)],
  ];
  for (const [ending, end] of endings) {
    for (const [operation, write] of lateWrites) {
      it(`${operation} through instance B's store, after ${ending}, does not bring the session back`, async () => {
        const { client, sid } = await signedInSession();
        const loaded = (await storeOfB.get(sid))!;
        await end(client, sid);

        await write(sid, loaded);

        assert.equal(await storeOfA.remainingMs(sid), undefined, "the key stays deleted");
        assert.equal(await storeOfA.get(sid), null);
        const profile = await client.get(`${b.baseUrl}/profile`);
        assert.equal(profile.status, 303);
        assert.equal(profile.location, `${b.baseUrl}/auth/signin?returnTo=%2Fprofile`);
      });
    }
  }

  it("set through instance B's store, of a session that still exists, updates it for instance A", async () => {
    const { client, sid } = await signedInSession();
    const loaded = (await storeOfB.get(sid))!;

    await storeOfB.set(sid, { ...loaded, csrfToken: "written by B" });

    assert.equal((await storeOfA.get(sid))?.csrfToken, "written by B");
    assert.equal((await client.get(`${a.baseUrl}/profile`)).status, 200);
  });
});
