/**
 * Sessions in Redis (on the official `redis` client) for several instances. The client reconnects
 * with capped, jittered backoff; its offline queue is off, so while Redis is away a command fails at
 * once instead of waiting (the guard in guardStore.ts bounds the rest). Start-up fails with a clear
 * message, naming the URL without its password, when Redis cannot be reached.
 *
 * The store keeps the contract of test/session/storeContract.ts: a session loaded from Redis comes
 * back marked `persisted`, and a marked session is only ever written over a key that still exists
 * (`SET … XX`), so a request that ends after a sign-out cannot bring the session back, on any
 * instance.
 *
 * The store also keeps the session index (`SessionIndex`): a Redis SET of session ids per account,
 * `${prefix}account:{homeAccountId}`, and per ID token `sid`, `${prefix}idsid:{idTokenSid}`, filled
 * from `session.account` (non-empty strings only) by every write that actually wrote. Commands:
 * - get: GET and PTTL in one round trip (and DEL of a value that is not a session).
 * - set: SET … NX (new) or SET … XX (loaded); only when it wrote, and only for a signed-in session,
 *   then one MULTI of SADD + PEXPIRE <idle timeout> per index key. A SET that wrote nothing (an id
 *   taken by another session, a destroyed or expired session) indexes nothing.
 * - touch: PEXPIRE of the session; for a signed-in session, in one MULTI with SADD + PEXPIRE of its
 *   index keys, so each set lives at least as long as its longest-lived member even when a session is
 *   only touched, never rewritten, and a session stored before the index existed joins it. Nothing
 *   at all when this request's read saw the session written or touched within the touch interval
 *   (touchIntervalMs in sessionStore.ts).
 * - destroy: GETDEL, then, when the value named an account, one MULTI of SREM from its index keys.
 * - a lookup: SMEMBERS, then one MULTI of MGET and PTTL of the members' sessions (the last touch was
 *   idle timeout minus PTTL ago); an id whose session is gone (expired
 *   sessions linger in a set until the set's own TTL, and a write racing a destroy can leave one
 *   behind) or that now belongs to another account is not answered, and is removed with one SREM.
 *
 * Counting (the operator page): SCAN MATCH `${prefix}*` TYPE string, COUNT 1000 a round, at most
 * MAX_COUNT_ROUNDS rounds, then the keys whose rest is a session id are counted once each. Session
 * values are the only strings under the prefix (the index keys are sets), so no session is read. It
 * costs Redis O(keys examined), never a blocking O(N) call such as KEYS; past the bound the answer is
 * "at least" (SCAN walks the whole keyspace, other apps' keys too). No counter is kept on each write.
 *
 * Hash tags: Redis Cluster hashes only the first `{…}` of a key. With a prefix without braces, that is
 * the braces around the account (or sid), so one account's set lives on one slot whatever the account
 * id holds (an id with a `}` tags by its part before it, still the same slot for the same id; nothing
 * is escaped, and the key stays distinct per id). A prefix with its own tag (`{app}:`) wins instead and
 * puts every key of the app on one slot, which is consistent too. The MULTIs above span keys on
 * different slots; on a Cluster they would be split per key.
 */
import { Store } from "express-session";
import type { SessionData } from "express-session";
import { createClient } from "redis";
import type { SessionSettings } from "../config/settings.js";
import { RedisUnavailableError, redactUrl } from "../errors.js";
import type { Logger } from "../logger.js";
import { KnownExpiries } from "./knownExpiries.js";
import type { IndexedSession, SessionCount, SessionIndex, SessionStoreHandle } from "./sessionStore.js";
import { withDeadline } from "./withDeadline.js";

type RedisClient = ReturnType<typeof createClient>;
type Callback<T = unknown> = (err?: unknown, value?: T) => void;
/** `persisted` is the store's mark on what it loaded; it is never stored. */
type MarkedSession = SessionData & { persisted?: unknown };

/** express-session's ids (uid-safe: base64url); index keys hold ":" and braces, so never match. */
const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** Keys examined per SCAN round (a hint to Redis), and rounds before the count says "at least". */
const SCAN_BATCH = 1000;
const MAX_COUNT_ROUNDS = 50;

/** Waits 50 ms, 100 ms, 200 ms … up to 2 s between attempts, with jitter so instances do not align. */
export function reconnectDelayMs(retries: number): number {
  return Math.min(50 * 2 ** retries, 2_000) + Math.floor(Math.random() * 100);
}

export async function createRedisSessionStore(
  settings: SessionSettings,
  logger: Logger,
): Promise<SessionStoreHandle> {
  const timeoutMs = settings.storeTimeoutMs;
  const client = createClient({
    url: settings.redisUrl,
    disableOfflineQueue: true,
    socket: { connectTimeout: timeoutMs, reconnectStrategy: reconnectDelayMs },
  });
  let reported = false;
  client.on("error", (error: unknown) => {
    // node-redis emits an error per failed attempt; one line per outage is enough.
    if (!reported) logger.warn({ err: error, redis: redactUrl(settings.redisUrl) }, "Redis connection error");
    reported = true;
  });
  client.on("ready", () => {
    if (reported) logger.info({ redis: redactUrl(settings.redisUrl) }, "Redis connection restored");
    reported = false;
  });

  try {
    await withDeadline(client.connect(), timeoutMs * 2, "Redis connect");
    await withDeadline(client.ping(), timeoutMs, "Redis PING");
  } catch (error) {
    client.destroy();
    throw new RedisUnavailableError(
      settings.redisUrl,
      error instanceof Error ? error.message : String(error),
    );
  }

  const store = new RedisSessionStore(client, {
    prefix: settings.redisKeyPrefix,
    ttlMs: settings.idleTimeoutMs,
    logger,
  });
  return {
    store,
    index: store.index,
    ping: () => withDeadline(client.ping(), timeoutMs, "Redis PING").then(() => undefined),
    count: () => withDeadline(store.countSessions(), timeoutMs, "Redis SCAN"),
    close: async () => {
      if (client.isOpen)
        await withDeadline(client.close(), timeoutMs, "Redis close").catch(() => client.destroy());
    },
  };
}

export class RedisSessionStore extends Store {
  constructor(
    private readonly client: RedisClient,
    private readonly options: {
      /** Prepended to the session id: `${prefix}${sid}` is the key. */
      prefix: string;
      /**
       * The idle timeout. Every write and touch gives the key this lifetime again; the cookie's own
       * expiry plays no part, as the cookie may live as long as the browser does.
       */
      ttlMs: number;
      logger: Logger;
    },
  ) {
    super();
    this.knownExpiries = new KnownExpiries(options.ttlMs);
  }

  private readonly knownExpiries: KnownExpiries;

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    settle(() => this.read(sid), callback);
  }

  override set(sid: string, session: SessionData, callback?: Callback): void {
    this.knownExpiries.forget(sid);
    settle(() => this.write(sid, session), callback);
  }

  override touch(sid: string, session: SessionData, callback?: Callback): void {
    // Nothing to write when the session was written or touched within the touch interval
    // (touchIntervalMs), as this request's read saw: the common case of a page view.
    // Answered at once: express-session holds back the response's last byte until the touch
    // answers, which would send every page in two writes (two packets).
    if (this.knownExpiries.touchIsNeedless(sid, Date.now())) {
      callback?.();
      return;
    }
    // PEXPIRE never creates a key: touching a destroyed session leaves it destroyed. The touch also
    // (re)adds the session to its index sets, so that a session written before the index existed is
    // found from its next request on; should the session have been destroyed meanwhile, the member
    // it adds names nothing, and the next lookup drops it.
    settle(async () => {
      const indexKeys = this.indexKeys(session);
      if (indexKeys.length === 0) return this.client.pExpire(this.key(sid), this.options.ttlMs);
      const multi = this.client.multi().pExpire(this.key(sid), this.options.ttlMs);
      for (const key of indexKeys) multi.sAdd(key, sid).pExpire(key, this.options.ttlMs);
      return (await multi.exec())[0];
    }, callback);
  }

  override destroy(sid: string, callback?: Callback): void {
    this.knownExpiries.forget(sid);
    settle(async () => {
      // The value is read as it is deleted, to know which index keys name this session.
      const text = await this.client.getDel(this.key(sid));
      const session = text === null ? undefined : parseSession(text);
      const indexKeys = session === undefined ? [] : this.indexKeys(session);
      if (indexKeys.length === 0) return;
      const multi = this.client.multi();
      for (const key of indexKeys) multi.sRem(key, sid);
      await multi.exec();
    }, callback);
  }

  /** Live sessions, by SCAN (see the top of this file): exact unless it stopped at its bound. */
  async countSessions(maxRounds = MAX_COUNT_ROUNDS): Promise<SessionCount> {
    const { prefix } = this.options;
    const match = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
    const seen = new Set<string>();
    let cursor = "0";
    let rounds = 0;
    do {
      const reply = await this.client.scan(cursor, { MATCH: match, TYPE: "string", COUNT: SCAN_BATCH });
      cursor = String(reply.cursor);
      for (const key of reply.keys) if (SESSION_ID.test(key.slice(prefix.length))) seen.add(key);
      rounds += 1;
    } while (cursor !== "0" && rounds < maxRounds);
    return { sessions: seen.size, exact: cursor === "0" };
  }

  /** The session index, answered from the SETs this store keeps (see the top of this file). */
  readonly index: SessionIndex = {
    sessionsOfAccount: (homeAccountId) =>
      this.lookUp(this.accountKey(homeAccountId), (account) => account.homeAccountId === homeAccountId),
    sessionsOfIdTokenSid: (idTokenSid) =>
      this.lookUp(this.idTokenSidKey(idTokenSid), (account) => account.idTokenSid === idTokenSid),
  };

  private key(sid: string): string {
    return `${this.options.prefix}${sid}`;
  }

  private accountKey(homeAccountId: string): string {
    return `${this.options.prefix}account:{${homeAccountId}}`;
  }

  private idTokenSidKey(idTokenSid: string): string {
    return `${this.options.prefix}idsid:{${idTokenSid}}`;
  }

  /** The index keys that name a session: of its account and of its ID token's sid, when strings. */
  private indexKeys(session: SessionData): string[] {
    const account: unknown = (session as { account?: unknown }).account;
    if (!isObject(account)) return [];
    const { homeAccountId, idTokenSid } = account as Record<string, unknown>;
    const keys: string[] = [];
    if (isIndexable(homeAccountId)) keys.push(this.accountKey(homeAccountId));
    if (isIndexable(idTokenSid)) keys.push(this.idTokenSidKey(idTokenSid));
    return keys;
  }

  /**
   * The members of one index key whose session still exists and still names what was looked up; the
   * others (expired, destroyed behind a racing write, signed in as someone else since) leave the set.
   */
  private async lookUp(
    indexKey: string,
    matches: (account: Record<string, unknown>) => boolean,
  ): Promise<IndexedSession[]> {
    const members = await this.client.sMembers(indexKey);
    if (members.length === 0) return [];
    // The sessions and their remaining lifetimes in one round trip (the last touch is TTL ago).
    const multi = this.client.multi().mGet(members.map((sid) => this.key(sid)));
    for (const sid of members) multi.pTTL(this.key(sid));
    const [texts, ...remaining] = (await multi.exec()) as unknown as [(string | null)[], ...number[]];
    const now = Date.now();
    const live: IndexedSession[] = [];
    const stale: string[] = [];
    for (const [i, sid] of members.entries()) {
      const text = texts[i];
      const data = text === null || text === undefined ? undefined : parseSession(text);
      const account: unknown = data?.account;
      const ttl = remaining[i] ?? -2;
      if (data && isObject(account) && matches(account as Record<string, unknown>) && ttl > 0) {
        live.push({ sessionId: sid, lastSeenAt: now + ttl - this.options.ttlMs, data });
      } else stale.push(sid);
    }
    if (stale.length > 0) await this.client.sRem(indexKey, stale);
    return live;
  }

  private async read(sid: string): Promise<SessionData | null> {
    const key = this.key(sid);
    // Pipelined: one round trip.
    const [text, remainingMs] = await Promise.all([this.client.get(key), this.client.pTTL(key)]);
    if (text === null) return null;
    const session = parseSession(text);
    if (session === undefined) {
      // Deleted rather than answered with an error on every request of that browser; its owner is
      // signed out, which is all an unreadable session can mean.
      this.options.logger.warn({ length: text.length }, "discarding a stored session that is not a session");
      await this.client.del(this.key(sid));
      return null;
    }
    if (remainingMs > 0) this.knownExpiries.seen(sid, Date.now() + remainingMs);
    return { ...session, persisted: true };
  }

  private async write(sid: string, session: MarkedSession): Promise<void> {
    const { persisted, ...data } = session;
    const text = JSON.stringify(data);
    const expiration = { type: "PX", value: this.options.ttlMs } as const;
    if (persisted !== undefined) {
      // Only over a key that still exists: nil means the session was destroyed (signed out,
      // regenerated) or expired since it was loaded, and this late save must not bring it back. That
      // is the outcome asked for, not a fault, so the caller hears of no error.
      const updated = await this.client.set(this.key(sid), text, { expiration, condition: "XX" });
      if (updated !== null) await this.addToIndex(sid, data);
      return;
    }
    const created = await this.client.set(this.key(sid), text, { expiration, condition: "NX" });
    if (created === null)
      throw new Error("a new session's id is already taken in Redis; nothing was written");
    await this.addToIndex(sid, data);
    // Later saves of this object in the same request update what was just created instead of failing
    // as a collision. Not enumerable: express-session's hash (JSON) of the session must not change,
    // or it would save the session once more as the response ends.
    Object.defineProperty(session, "persisted", { value: true, configurable: true, writable: true });
  }

  /**
   * Called only after a SET that wrote, so a destroyed session is never indexed again. Each index key
   * gets the whole idle timeout, the most any of its members can have left.
   */
  private async addToIndex(sid: string, session: SessionData): Promise<void> {
    const indexKeys = this.indexKeys(session);
    if (indexKeys.length === 0) return;
    const multi = this.client.multi();
    for (const key of indexKeys) multi.sAdd(key, sid).pExpire(key, this.options.ttlMs);
    await multi.exec();
  }
}

/** Index keys are kept for non-empty strings only: an empty id or sid names no account. */
function isIndexable(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

/** A stored value is a session only when it is a JSON object with a cookie object, as express-session needs. */
function parseSession(text: string): SessionData | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value) || !isObject((value as { cookie?: unknown }).cookie)) return undefined;
  return value as SessionData;
}

function isObject(value: unknown): value is object {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Runs one operation and hands its outcome to express-session's callback on the next tick, outside
 * the promise chain: an exception thrown by the callback is then neither taken for a Redis error (and
 * the callback called twice) nor left behind as a rejected promise. A client that throws instead of
 * rejecting is answered the same way.
 */
function settle<T>(
  operation: () => Promise<T>,
  callback: ((err: unknown, value?: T) => void) | undefined,
): void {
  // Called inside an async function, so that a throw becomes a rejection like any other.
  const work = (async () => operation())();
  void work.then(
    (value) => {
      if (callback) process.nextTick(callback, null, value);
    },
    (error: unknown) => {
      if (callback) process.nextTick(callback, error);
    },
  );
}
