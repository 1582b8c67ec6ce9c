/**
 * Sessions in Redis (on the official `redis` client) for several instances. The client reconnects
 * with capped, jittered backoff; its offline queue is off, so while Redis is away a command fails at
 * once instead of waiting (the guard in guardStore.ts bounds the rest). Start-up fails with a clear
 * message, naming the URL without its password, when Redis cannot be reached.
 *
 * The store keeps the contract of test/session/storeContract.ts: a session loaded from Redis comes
 * back marked `persisted`, and a marked session is only ever written over a key that still exists
 * (`SET … XX`), so a request that ends after a sign-out cannot bring the session back, on any
 * instance. One command per call, so no call can leave a half-done change behind.
 */
import { Store } from "express-session";
import type { SessionData } from "express-session";
import { createClient } from "redis";
import type { SessionSettings } from "../config/settings.js";
import { RedisUnavailableError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { SessionStoreHandle } from "./createSessionStore.js";
import { withDeadline } from "./withDeadline.js";

type RedisClient = ReturnType<typeof createClient>;
type Callback<T = unknown> = (err?: unknown, value?: T) => void;
/** `persisted` is the store's mark on what it loaded; it is never stored. */
type MarkedSession = SessionData & { persisted?: unknown };

export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.href;
}

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

  return {
    store: new RedisSessionStore(client, {
      prefix: settings.redisKeyPrefix,
      ttlMs: settings.idleTimeoutMs,
      logger,
    }),
    ping: () => withDeadline(client.ping(), timeoutMs, "Redis PING").then(() => undefined),
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
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    settle(() => this.read(sid), callback);
  }

  override set(sid: string, session: SessionData, callback?: Callback): void {
    settle(() => this.write(sid, session), callback);
  }

  override touch(sid: string, _session: SessionData, callback?: Callback): void {
    // PEXPIRE never creates a key: touching a destroyed session leaves it destroyed.
    settle(() => this.client.pExpire(this.key(sid), this.options.ttlMs), callback);
  }

  override destroy(sid: string, callback?: Callback): void {
    settle(() => this.client.del(this.key(sid)), callback);
  }

  private key(sid: string): string {
    return `${this.options.prefix}${sid}`;
  }

  private async read(sid: string): Promise<SessionData | null> {
    const text = await this.client.get(this.key(sid));
    if (text === null) return null;
    const session = parseSession(text);
    if (session === undefined) {
      // Deleted rather than answered with an error on every request of that browser; its owner is
      // signed out, which is all an unreadable session can mean.
      this.options.logger.warn({ length: text.length }, "discarding a stored session that is not a session");
      await this.client.del(this.key(sid));
      return null;
    }
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
      await this.client.set(this.key(sid), text, { expiration, condition: "XX" });
      return;
    }
    const created = await this.client.set(this.key(sid), text, { expiration, condition: "NX" });
    if (created === null)
      throw new Error("a new session's id is already taken in Redis; nothing was written");
    // Later saves of this object in the same request update what was just created instead of failing
    // as a collision. Not enumerable: express-session's hash (JSON) of the session must not change,
    // or it would save the session once more as the response ends.
    Object.defineProperty(session, "persisted", { value: true, configurable: true, writable: true });
  }
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
