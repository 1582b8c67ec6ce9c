/**
 * Seeds sessions through the app's own session store (a second handle on the same SQLite file or
 * Redis prefix, opened in the bench process so that seeding leaves no trace in the app process):
 * copies of real signed-in sessions under fresh random ids, each with the real session's encrypted
 * MSAL cache, and the signed cookies express-session would have set for them. Also takes the fixed
 * access token of the ceiling route from a real session's cache, and reads what the stored sessions
 * take (bench/storageAtRest.ts).
 */
import { createHmac, randomBytes } from "node:crypto";
import session from "express-session";
import type { CookieOptions, SessionData, Store } from "express-session";
import { pino } from "pino";
import { createTokenCacheCipher } from "../src/auth/tokenCacheCipher.js";
import type { AppConfig } from "../src/config/settings.js";
import { createSessionStore } from "../src/session/createSessionStore.js";
import type { SessionStoreHandle } from "../src/session/createSessionStore.js";
import type { SignedInSession } from "./signIn.js";
import { openStorageProbe } from "./storageAtRest.js";
import type { StoredSessions } from "./storageAtRest.js";

/** express-session's Cookie takes its options (the type declarations omit the constructor's argument). */
const Cookie = session.Cookie as unknown as new (options: CookieOptions) => session.Cookie;

/** Store writes in flight at once while seeding. */
const SEED_PARALLELISM = 64;

export interface SeedStore {
  /** Copies `templates` round-robin into `count` new sessions; returns their cookies. */
  cloneSessions(templates: readonly SignedInSession[], count: number): Promise<SignedInSession[]>;
  /** The access token (for Graph's User.Read) in a signed-in session's MSAL cache. */
  accessTokenOf(signedIn: SignedInSession): Promise<string>;
  /** What the sessions in the store take now. */
  storedSessions(): Promise<StoredSessions>;
  close(): Promise<void>;
}

/** express-session's cookie value: `s:` + sid + `.` + base64(HMAC-SHA256(secret, sid)) without `=`. */
export function signedCookie(cookieName: string, sid: string, secret: string): string {
  const signature = createHmac("sha256", secret).update(sid).digest("base64").replace(/=+$/, "");
  return `${cookieName}=${encodeURIComponent(`s:${sid}.${signature}`)}`;
}

function storeCall<T>(
  call: (callback: (err?: unknown, value?: T) => void) => unknown,
): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    // Some stores both call back and return a promise that rejects; the callback decides.
    const returned = call((err, value) =>
      err
        ? reject(err instanceof Error ? err : new Error("session store call failed", { cause: err }))
        : resolve(value),
    );
    if (returned instanceof Promise) returned.catch(() => undefined);
  });
}

function read(store: Store, sid: string): Promise<SessionData> {
  return storeCall<SessionData | null>((cb) => store.get(sid, cb)).then((data) => {
    if (!data) throw new Error(`session ${sid} is not in the store`);
    return data;
  });
}

export async function openSeedStore(config: AppConfig): Promise<SeedStore> {
  const handle: SessionStoreHandle = await createSessionStore(config.session, {
    logger: pino({ level: "silent" }),
  });
  const { store } = handle;
  const cipher = createTokenCacheCipher(config.session.tokenCacheKeys, {
    compress: config.session.compressTokenCache,
  });
  const storage = await openStorageProbe(config).catch(async (error: unknown) => {
    await handle.close();
    throw error;
  });

  return {
    async cloneSessions(templates, count) {
      const originals = await Promise.all(templates.map((t) => read(store, t.sid)));
      const clones: SignedInSession[] = [];
      for (let first = 0; first < count; first += SEED_PARALLELISM) {
        const writes: Promise<unknown>[] = [];
        for (let i = first; i < Math.min(count, first + SEED_PARALLELISM); i += 1) {
          const original = originals[i % originals.length]!;
          // The cookie as express-session builds it (a browser-session cookie: the store times it out).
          const cookie = new Cookie({
            httpOnly: original.cookie.httpOnly ?? true,
            secure: original.cookie.secure ?? false,
            sameSite: original.cookie.sameSite ?? "lax",
            path: original.cookie.path ?? "/",
          });
          // Without the store's `persisted` mark: a clone is a new session, created, not an update.
          const { persisted: _loaded, ...data } = structuredClone(original);
          const copy = { ...data, cookie };
          const sid = randomBytes(24).toString("base64url");
          writes.push(storeCall((cb) => store.set(sid, copy, cb)));
          clones.push({
            sid,
            cookie: signedCookie(config.session.cookieName, sid, config.session.secrets[0]!),
          });
        }
        await Promise.all(writes);
      }
      return clones;
    },

    async accessTokenOf(signedIn) {
      const data = await read(store, signedIn.sid);
      if (!data.account || data.tokenCache === undefined) throw new Error("the session is not signed in");
      const cache = JSON.parse(cipher.open(data.tokenCache, data.account.homeAccountId)) as {
        AccessToken?: Record<string, { secret?: string; target?: string }>;
      };
      const entry = Object.values(cache.AccessToken ?? {}).find((e) => /user\.read/i.test(e.target ?? ""));
      if (!entry?.secret) throw new Error("no access token for User.Read in the session's cache");
      return entry.secret;
    },

    storedSessions: () => storage.read(),

    close: async () => {
      try {
        await storage.close();
      } finally {
        await handle.close();
      }
    },
  };
}
