/**
 * What every session store gives the app (SQLite and Redis alike, one contract:
 * test/session/storeContract.ts): express-session's Store, an index of sessions, a readiness probe
 * and a close. The stores implement it; createSessionStore.ts picks one.
 */
import type { SessionData, Store } from "express-session";
import type { Logger } from "../logger.js";

/**
 * Every live session of a signed-in account, found without its cookie: by the account's home account
 * id (sign out everywhere, the list of sessions) and by its ID token's `sid` (Entra's front-channel
 * sign-out, which sends no cookie). Kept by the store from `session.account` on each write, expiring
 * and removed with the session.
 */
export interface SessionIndex {
  sessionsOfAccount(homeAccountId: string): Promise<IndexedSession[]>;
  sessionsOfIdTokenSid(idTokenSid: string): Promise<IndexedSession[]>;
}

/**
 * express-session touches a session on every request that does not change it. A touch that would
 * extend the session's lifetime by less than this writes nothing: a write per page view (SQLite's
 * row update, Redis's MULTI) was a tenth of a page's CPU. So the idle timeout holds to within this
 * (a session may end up to this much earlier than a full idle timeout after its last request), as
 * does "last seen" on the Session page: a minute at most, a twentieth of a short idle timeout.
 */
export function touchIntervalMs(idleTimeoutMs: number): number {
  return Math.min(60_000, Math.floor(idleTimeoutMs / 20));
}

/** One live session found by the index. */
export interface IndexedSession {
  sessionId: string;
  /** Epoch ms of the session's last write or touch (to within touchIntervalMs). */
  lastSeenAt: number;
  /** The session as stored: outside input, unchecked beyond being an object (see sessionState.ts). */
  data: Partial<SessionData>;
}

/**
 * How many live sessions the store holds, for the operator page: exact, or, when counting stopped at
 * its bound (Redis), at least `sessions`.
 */
export interface SessionCount {
  sessions: number;
  exact: boolean;
}

export interface SessionStoreHandle {
  store: Store;
  index: SessionIndex;
  /** Resolves when the store answers a real round trip within the deadline; rejects otherwise. */
  ping(): Promise<void>;
  /** The live sessions, counted cheaply and within the deadline (see each store); rejects otherwise. */
  count(): Promise<SessionCount>;
  close(): Promise<void>;
}

export interface SessionStoreOptions {
  logger: Logger;
  /** How often expired SQLite sessions are deleted (default a minute); Redis expires keys itself. */
  pruneIntervalMs?: number;
  /** The SQLite store's clock (the app's, so that moving it expires sessions too); Redis keeps its own. */
  now?: () => number;
}
