/**
 * The contract every session store of the app keeps (SQLite and Redis run the same tests, as Keyv's
 * test suite runs against each adapter). The store is express-session's `Store`, with these
 * guarantees on top:
 * - `get` answers `null` for an unknown, expired or unreadable session (an unreadable one is also
 *   deleted), never an error for bad content; every session it returns carries `persisted: true`.
 * - `set` of a session without `persisted` creates it; `set` of a session that carries `persisted`
 *   (it was loaded from the store) only updates a session that still exists: a destroyed or expired
 *   session is never written again (a late request cannot undo a sign-out). `persisted` itself is not
 *   stored.
 * - Every write gives the session the idle lifetime again; so does a `touch`, except one that finds
 *   the session written or touched within the touch interval (touchIntervalMs), which writes nothing;
 *   `touch` never recreates a session.
 * - `destroy` of an unknown session is not an error.
 * - Faults reach the callback as errors; nothing is thrown and no promise is left rejected.
 * - The index: every live session of a signed-in account is found by the account's home account id
 *   and by its ID token's `sid` (what Entra's front-channel sign-out sends); destroyed and expired
 *   sessions are not. Each is answered with its content and when it was last written or touched.
 * - `count` (the operator page): the live sessions, signed in or not, each once; index entries are
 *   not sessions; destroyed and expired sessions are not counted. Exact for a store this small.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { SessionData, Store } from "express-session";
import type { IndexedSession, SessionCount, SessionIndex } from "../../src/session/createSessionStore.js";
import { touchIntervalMs } from "../../src/session/sessionStore.js";

export interface ContractSubject {
  store: Store;
  index: SessionIndex;
  /** The idle lifetime the store was opened with. */
  idleTimeoutMs: number;
  /** Milliseconds the stored session has left, or undefined when it is not stored at all. */
  remainingMs(sid: string): Promise<number | undefined>;
  /** Makes the stored session look last written or touched `ms` earlier (its lifetime `ms` shorter). */
  age(sid: string, ms: number): Promise<void>;
  /** Replaces the stored text of `sid` with something that is not a session. */
  corrupt(sid: string, text: string): Promise<void>;
  /** Moves the store's clock forward, where the store takes one (SQLite); absent for real time. */
  advance?(ms: number): void;
  /** The store's time: its injected clock, or the real one. */
  now(): number;
  /** The store handle's count. */
  count(): Promise<SessionCount>;
  close(): Promise<void>;
}

type Callback<T> = (err?: unknown, value?: T | null) => void;

export const call = <T = unknown>(fn: (cb: Callback<T>) => void): Promise<T | null | undefined> =>
  new Promise((resolve, reject) => {
    fn((err, value) =>
      err
        ? reject(err instanceof Error ? err : new Error("the store call failed", { cause: err }))
        : resolve(value),
    );
  });

export const idsOf = (entries: readonly IndexedSession[]): string[] => entries.map((e) => e.sessionId);

export function newSession(fields: Record<string, unknown> = {}): SessionData {
  return { cookie: { path: "/", httpOnly: true, originalMaxAge: null }, ...fields } as unknown as SessionData;
}

/** `clock`: the store takes an injected clock (SQLite), so expiry can be tested without waiting. */
export function runStoreContract(
  name: string,
  open: () => Promise<ContractSubject>,
  options: { clock: boolean },
): void {
  describe(`the ${name} session store contract`, () => {
    let subject: ContractSubject;
    let counter = 0;
    const sid = () => `contract-${process.pid}-${Date.now()}-${(counter += 1)}`;
    const get = async (id: string) =>
      (await call<SessionData>((cb) => subject.store.get(id, cb))) as
        (SessionData & Record<string, unknown>) | null | undefined;
    const set = (id: string, session: SessionData) => call((cb) => subject.store.set(id, session, cb));
    const touch = (id: string, session: SessionData) => call((cb) => subject.store.touch!(id, session, cb));
    const destroy = (id: string) => call((cb) => subject.store.destroy(id, cb));

    before(async () => {
      subject = await open();
    });
    after(() => subject.close());

    it(`${name}: get, for an unknown session id, answers null`, async () => {
      assert.equal(await get(sid()), null);
    });

    it(`${name}: set of a new session, then get, returns it marked as persisted`, async () => {
      const id = sid();

      await set(id, newSession({ tokenCache: "blob", account: { name: "Adele" } }));
      const loaded = await get(id);

      assert.equal(loaded?.tokenCache, "blob");
      assert.deepEqual(loaded?.account, { name: "Adele" });
      assert.equal(loaded?.persisted, true);
    });

    it(`${name}: set of a loaded session updates it`, async () => {
      const id = sid();
      await set(id, newSession({ tokenCache: "first" }));
      const loaded = (await get(id))!;

      await set(id, { ...loaded, tokenCache: "second" });

      assert.equal((await get(id))?.tokenCache, "second");
    });

    it(`${name}: set of a loaded session, after it was destroyed, does not bring it back`, async () => {
      const id = sid();
      await set(id, newSession({ tokenCache: "blob" }));
      const loaded = (await get(id))!;
      await destroy(id);

      await set(id, { ...loaded, tokenCache: "late write" });

      assert.equal(await get(id), null);
      assert.equal(await subject.remainingMs(id), undefined);
    });

    it(`${name}: touch of a destroyed session does not bring it back`, async () => {
      const id = sid();
      await set(id, newSession());
      const loaded = (await get(id))!;
      await destroy(id);

      await touch(id, loaded);

      assert.equal(await subject.remainingMs(id), undefined);
    });

    it(`${name}: a new session, a write and a touch each give the idle lifetime`, async () => {
      const id = sid();
      await set(id, newSession());
      const afterCreate = await subject.remainingMs(id);
      const loaded = (await get(id))!;
      await set(id, { ...loaded, tokenCache: "x" });
      const afterWrite = await subject.remainingMs(id);
      await touch(id, loaded);
      const afterTouch = await subject.remainingMs(id);

      for (const remaining of [afterCreate, afterWrite, afterTouch]) {
        assert.ok(remaining !== undefined, "stored");
        assert.ok(remaining <= subject.idleTimeoutMs, `${remaining} ms left`);
        assert.ok(remaining > subject.idleTimeoutMs - 5_000, `${remaining} ms left`);
      }
    });

    // [last written or touched this long ago, in touch intervals; whether a touch now extends the lifetime]
    const touchCases: [intervals: number, extends_: boolean][] = [
      [0, false],
      [0.25, false],
      [0.5, false],
      [0.9, false],
      [1.1, true],
      [2, true],
      [5, true],
      [15, true],
    ];
    for (const [intervals, extends_] of touchCases) {
      it(`${name}: a touch of a session last written ${intervals} touch intervals ago ${extends_ ? "gives the idle lifetime again" : "writes nothing"}`, async () => {
        const interval = touchIntervalMs(subject.idleTimeoutMs);
        const agedBy = Math.round(intervals * interval);
        const id = sid();
        await set(id, newSession({ account: { homeAccountId: `${id}.tenant` } }));
        await subject.age(id, agedBy);
        // As express-session does: the request reads the session, then touches it as it ends.
        const loaded = (await get(id))!;

        let answered = false;
        const touched = call((cb) =>
          subject.store.touch!(id, loaded, (err?: unknown) => {
            answered = true;
            cb(err);
          }),
        );
        const answeredAtOnce = answered;
        await touched;

        // One that writes nothing answers before touch() returns: express-session holds back the
        // response's last byte until then (test/http/responseWrites.test.ts).
        if (!extends_) assert.ok(answeredAtOnce, "a touch that writes nothing answers at once");
        const remaining = (await subject.remainingMs(id))!;
        // Redis counts in real time: a few hundred ms of slack either way, a fraction of an interval.
        const expected = extends_ ? subject.idleTimeoutMs : subject.idleTimeoutMs - agedBy;
        assert.ok(
          Math.abs(remaining - expected) < interval / 10,
          `${remaining} ms left, ${expected} expected`,
        );
      });
    }

    it(`${name}: destroy, of an unknown session, is not an error`, async () => {
      await destroy(sid());
    });

    it(`${name}: get, for a session whose stored text is not a session, answers null and deletes it`, async () => {
      for (const text of ["not json", "", "{", "[1,2]", "null", '"a string"', "42", '{"no":"cookie"}']) {
        const id = sid();
        await set(id, newSession());
        await subject.corrupt(id, text);

        assert.equal(await get(id), null, JSON.stringify(text));
        assert.equal(await subject.remainingMs(id), undefined, `${JSON.stringify(text)} is deleted`);
      }
    });

    it(`${name}: set and get, for session ids and content of any shape, round-trip exactly`, async () => {
      const ids = [
        "a",
        "x".repeat(256),
        "with'quote",
        'with"double',
        "per%cent",
        "ünï-cödé",
        "spa ce",
        "semi;colon",
      ];
      const contents = ["", "ü€😀", "'; DROP TABLE sessions; --", "x".repeat(64 * 1024), "\u0000\n\t"];
      for (const [index, id] of ids.entries()) {
        const content = contents[index % contents.length]!;
        await set(id, newSession({ tokenCache: content }));

        assert.equal((await get(id))?.tokenCache, content, `${id.slice(0, 20)}`);
        await destroy(id);
        assert.equal(await get(id), null);
      }
    });

    it(`${name}: 20 parallel writes of one loaded session all succeed, and one of them is kept`, async () => {
      const id = sid();
      await set(id, newSession());
      const loaded = (await get(id))!;

      await Promise.all(
        Array.from({ length: 20 }, (_, i) => set(id, { ...loaded, tokenCache: `write-${i}` })),
      );

      assert.match(String((await get(id))?.tokenCache), /^write-\d+$/);
    });

    it(`${name}: set of a new session, saved again in its own request (the same object), updates it`, async () => {
      const id = sid();
      const session = newSession({ tokenCache: "at sign-in" });
      await set(id, session);

      (session as unknown as Record<string, unknown>).tokenCache = "later in the same request";
      await set(id, session);

      assert.equal((await get(id))?.tokenCache, "later in the same request");
    });

    it(`${name}: persisted is the store's mark, not part of what is stored`, async () => {
      const id = sid();
      await set(id, newSession({ persisted: true, tokenCache: "marked by a forged store entry" }));

      assert.equal(await get(id), null, "a session that claims to be persisted is not created by set");
    });

    const signedIn = (homeAccountId: string, idTokenSid?: string) =>
      newSession({ account: { homeAccountId, ...(idTokenSid ? { idTokenSid } : {}) }, tokenCache: "x" });
    const sorted = (ids: readonly string[]) => [...ids].sort();

    it(`${name}: the index, for an account signed in twice, finds both sessions by account and each by its sid`, async () => {
      const account = `${sid()}.tenant`;
      const [first, second] = [sid(), sid()];
      await set(first, signedIn(account, `${first}-entra-sid`));
      await set(second, signedIn(account, `${second}-entra-sid`));

      assert.deepEqual(
        sorted(idsOf(await subject.index.sessionsOfAccount(account))),
        sorted([first, second]),
      );
      assert.deepEqual(idsOf(await subject.index.sessionsOfIdTokenSid(`${first}-entra-sid`)), [first]);
      assert.deepEqual(idsOf(await subject.index.sessionsOfIdTokenSid(`${second}-entra-sid`)), [second]);
    });

    it(`${name}: the index answers each session's content and when it was last written or touched`, async () => {
      const account = `${sid()}.tenant`;
      const [touched, written] = [sid(), sid()];
      const stored = signedIn(account, `${touched}-entra-sid`);
      const createdFrom = subject.now();
      await set(touched, stored);
      await set(written, signedIn(account));
      const createdTo = subject.now();
      subject.advance?.(60_000);
      const touchedFrom = subject.now();
      await call((cb) => subject.store.touch!(touched, stored, cb));
      const touchedTo = subject.now();

      const found = await subject.index.sessionsOfAccount(account);

      const byId = new Map(found.map((entry) => [entry.sessionId, entry]));
      assert.deepEqual(byId.get(touched)?.data.account, stored.account);
      assert.equal(byId.get(touched)?.data.tokenCache, "x");
      // Redis counts in whole milliseconds of its own clock: a few ms either way.
      const within = (at: number | undefined, from: number, to: number) =>
        at !== undefined && at >= from - 5 && at <= to + 5;
      assert.ok(within(byId.get(touched)?.lastSeenAt, touchedFrom, touchedTo), "touched: last seen then");
      assert.ok(within(byId.get(written)?.lastSeenAt, createdFrom, createdTo), "written: last seen then");
      const bySid = await subject.index.sessionsOfIdTokenSid(`${touched}-entra-sid`);
      assert.deepEqual(bySid[0]?.data.account, stored.account);
    });

    it(`${name}: the index, for a session stored without its index entries (an earlier version), finds it from its next touch`, async () => {
      const account = `${sid()}.tenant`;
      const id = sid();
      const stored = signedIn(account, `${id}-entra-sid`);
      await set(id, newSession());
      // The signed-in content, written as an earlier version did: the session itself only.
      await subject.corrupt(id, JSON.stringify(stored));
      assert.deepEqual(idsOf(await subject.index.sessionsOfAccount(account)), [], "not indexed yet");

      await call((cb) => subject.store.touch!(id, stored, cb));

      assert.deepEqual(idsOf(await subject.index.sessionsOfAccount(account)), [id]);
      assert.deepEqual(idsOf(await subject.index.sessionsOfIdTokenSid(`${id}-entra-sid`)), [id]);
    });

    it(`${name}: the index, after a destroyed session is touched by a late request, does not find it`, async () => {
      const account = `${sid()}.tenant`;
      const id = sid();
      const stored = signedIn(account, `${id}-entra-sid`);
      await set(id, stored);
      await destroy(id);

      await call((cb) => subject.store.touch!(id, { ...stored, persisted: true }, cb));

      assert.equal(await get(id), null);
      assert.deepEqual(idsOf(await subject.index.sessionsOfAccount(account)), []);
      assert.deepEqual(idsOf(await subject.index.sessionsOfIdTokenSid(`${id}-entra-sid`)), []);
    });

    it(`${name}: the index, after one session is destroyed, finds only the other`, async () => {
      const account = `${sid()}.tenant`;
      const [gone, kept] = [sid(), sid()];
      await set(gone, signedIn(account, `${gone}-entra-sid`));
      await set(kept, signedIn(account, `${kept}-entra-sid`));

      await destroy(gone);

      assert.deepEqual(idsOf(await subject.index.sessionsOfAccount(account)), [kept]);
      assert.deepEqual(idsOf(await subject.index.sessionsOfIdTokenSid(`${gone}-entra-sid`)), []);
    });

    it(`${name}: the index, for sessions of nobody, unknown accounts and look-alike keys, finds nothing extra`, async () => {
      const anonymous = sid();
      await set(anonymous, newSession({ tokenCache: "x" }));
      const base = sid();
      const accounts = [
        base,
        `${base}*`,
        `${base}?`,
        `{${base}}`,
        `${base}'`,
        `${base}%`,
        `${base}_`,
        `${base}\\`,
      ];
      const ids = accounts.map(() => sid());
      for (const [i, account] of accounts.entries()) await set(ids[i]!, signedIn(account, `${account}-sid`));

      for (const [i, account] of accounts.entries()) {
        assert.deepEqual(idsOf(await subject.index.sessionsOfAccount(account)), [ids[i]], account);
        assert.deepEqual(
          idsOf(await subject.index.sessionsOfIdTokenSid(`${account}-sid`)),
          [ids[i]],
          account,
        );
      }
      assert.deepEqual(idsOf(await subject.index.sessionsOfAccount(`${sid()}.unknown`)), []);
      assert.deepEqual(idsOf(await subject.index.sessionsOfIdTokenSid("")), []);
    });

    if (options.clock) {
      it(`${name}: the index, after the idle lifetime passed, no longer finds the session`, async () => {
        const account = `${sid()}.tenant`;
        const id = sid();
        await set(id, signedIn(account, `${id}-entra-sid`));
        subject.advance!(subject.idleTimeoutMs + 1);

        assert.deepEqual(idsOf(await subject.index.sessionsOfAccount(account)), []);
        assert.deepEqual(idsOf(await subject.index.sessionsOfIdTokenSid(`${id}-entra-sid`)), []);
      });
    }

    it(`${name}: count, after three new sessions (two signed in, so indexed too), is three more, exactly`, async () => {
      const before = await subject.count();
      const [a, b, c] = [sid(), sid(), sid()];

      await set(a, newSession());
      await set(b, signedIn(`${b}.tenant`, `${b}-entra-sid`));
      await set(c, signedIn(`${b}.tenant`, `${c}-entra-sid`));
      const after = await subject.count();

      assert.deepEqual(before.exact, true);
      assert.deepEqual(after, { sessions: before.sessions + 3, exact: true });
    });

    it(`${name}: count, after a destroy and an update, is one less and not more`, async () => {
      const [a, b] = [sid(), sid()];
      await set(a, signedIn(`${a}.tenant`, `${a}-entra-sid`));
      await set(b, newSession());
      const before = await subject.count();

      await destroy(a);
      await set(b, { ...(await get(b))!, tokenCache: "updated" });
      const after = await subject.count();

      assert.equal(after.sessions, before.sessions - 1);
    });

    if (options.clock) {
      it(`${name}: count, after the idle lifetime passed, leaves the expired sessions out`, async () => {
        await set(sid(), signedIn(`${sid()}.tenant`, `${sid()}-entra-sid`));
        assert.ok((await subject.count()).sessions > 0);
        subject.advance!(subject.idleTimeoutMs + 1);

        assert.deepEqual(await subject.count(), { sessions: 0, exact: true });
      });
    }

    if (options.clock) {
      it(`${name}: get, after the idle lifetime passed, answers null`, async () => {
        const id = sid();
        await set(id, newSession());
        subject.advance!(subject.idleTimeoutMs + 1);

        assert.equal(await get(id), null);
        const loaded = newSession({ persisted: true });
        await set(id, loaded);
        assert.equal(await get(id), null, "an expired session is not written again either");
      });
    }
  });
}
