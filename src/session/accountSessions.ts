/**
 * Every session of an account, found without its cookie through the store's index: the list on the
 * Session page, "sign out everywhere", ending one other browser's session, and Entra's front-channel
 * sign-out (by the ID token's `sid`). Ending a session is the store's destroy, as a sign-out is: the
 * stores never write a destroyed session again, so a request of that browser still in flight cannot
 * bring it back (test/session/storeContract.ts).
 *
 * A page never sees a session id (the cookie's secret half): each session is named by a handle, a
 * hash of its id that only finds a session among the same account's.
 */
import { createHash } from "node:crypto";
import type { Store } from "express-session";
import { SessionStoreError } from "../errors.js";
import { MAX_BROWSER_DESCRIPTION_LENGTH, UNKNOWN_BROWSER } from "./browserDescription.js";
import type { IndexedSession, SessionIndex } from "./sessionStore.js";
import { readAccount } from "./sessionState.js";
import { withDeadline } from "./withDeadline.js";

/** 22 base64url characters: 132 bits of the hash. */
const HANDLE_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export interface SessionListing {
  handle: string;
  /** This browser's own session. */
  current: boolean;
  browser: string;
  signedInAt: Date;
  lastSeenAt: Date;
}

export interface AccountSessions {
  /**
   * This browser's first, then the most recently seen; not those past the absolute timeout (they can
   * no longer be used, though they stay in the store until their browser comes back or they idle out).
   */
  list(homeAccountId: string, currentSessionId: string): Promise<SessionListing[]>;
  /** Ends every session of the account except `keepSessionId`; resolves to how many ended. */
  endAllBut(homeAccountId: string, keepSessionId: string): Promise<number>;
  /** Ends the account's session named by `handle`, never `currentSessionId`; false when none is. */
  endOne(homeAccountId: string, handle: string, currentSessionId: string): Promise<boolean>;
  /**
   * Ends every session signed in with this ID token `sid` (and, when given, this issuer): Entra's
   * front-channel sign-out. Resolves to how many ended.
   */
  endByIdTokenSid(idTokenSid: string, issuer?: string): Promise<number>;
}

export function isSessionHandle(value: string): boolean {
  return HANDLE_PATTERN.test(value);
}

export function sessionHandle(sessionId: string): string {
  return createHash("sha256").update(sessionId).digest("base64url").slice(0, 22);
}

export function createAccountSessions(deps: {
  /** The app's store (with its deadlines): what a sign-out destroys through. */
  store: Store;
  index: SessionIndex;
  timeoutMs: number;
  /** A session this long after its sign-in is over (absoluteTimeout.ts ends it at its next request). */
  absoluteTimeoutMs: number;
  /** The app's clock: which sessions are past the absolute timeout, and this one's last-seen time. */
  now: () => number;
}): AccountSessions {
  const { store, index, timeoutMs, absoluteTimeoutMs } = deps;

  const lookUp = (what: string, lookup: Promise<IndexedSession[]>) =>
    withDeadline(lookup, timeoutMs, `session index ${what}`).catch((error: unknown) => {
      throw new SessionStoreError("The session store could not find the sessions.", { cause: error });
    });

  const destroy = (sessionId: string) =>
    new Promise<void>((resolve, reject) => {
      store.destroy(sessionId, (err?: unknown) => (err ? reject(toError(err)) : resolve()));
    });

  /** Ends them all, each attempted even when another fails; fails when any did. */
  async function endAll(sessionIds: readonly string[]): Promise<number> {
    const outcomes = await Promise.allSettled(sessionIds.map(destroy));
    const failed = outcomes.find((outcome) => outcome.status === "rejected");
    if (failed)
      throw new SessionStoreError("The session store failed to end a session.", { cause: failed.reason });
    return sessionIds.length;
  }

  const ofAccount = async (homeAccountId: string) =>
    (await lookUp("by account", index.sessionsOfAccount(homeAccountId))).filter(
      (entry) => readAccount(entry.data)?.homeAccountId === homeAccountId,
    );

  return {
    async list(homeAccountId, currentSessionId) {
      const now = deps.now();
      const live = (await ofAccount(homeAccountId)).filter(
        (entry) => now - readAccount(entry.data)!.signedInAt <= absoluteTimeoutMs,
      );
      const listings = live.map((entry) => {
        const account = readAccount(entry.data)!;
        const current = entry.sessionId === currentSessionId;
        return {
          handle: sessionHandle(entry.sessionId),
          current,
          browser: readBrowser(account.browser),
          signedInAt: new Date(account.signedInAt),
          // This request touches the session only as it ends: the store still has the previous one.
          lastSeenAt: new Date(current ? now : entry.lastSeenAt),
        };
      });
      return listings.sort(
        (a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt.getTime() - a.lastSeenAt.getTime(),
      );
    },

    async endAllBut(homeAccountId, keepSessionId) {
      const others = (await ofAccount(homeAccountId)).filter((entry) => entry.sessionId !== keepSessionId);
      return endAll(others.map((entry) => entry.sessionId));
    },

    async endOne(homeAccountId, handle, currentSessionId) {
      if (!isSessionHandle(handle)) return false;
      const target = (await ofAccount(homeAccountId)).find(
        (entry) => entry.sessionId !== currentSessionId && sessionHandle(entry.sessionId) === handle,
      );
      if (!target) return false;
      await endAll([target.sessionId]);
      return true;
    },

    async endByIdTokenSid(idTokenSid, issuer) {
      const found = await lookUp("by sid", index.sessionsOfIdTokenSid(idTokenSid));
      const matching = found.filter((entry) => {
        const account = readAccount(entry.data);
        return account?.idTokenSid === idTokenSid && (issuer === undefined || account.issuer === issuer);
      });
      return endAll(matching.map((entry) => entry.sessionId));
    },
  };
}

function readBrowser(value: string | undefined): string {
  return value !== undefined && value !== "" && value.length <= MAX_BROWSER_DESCRIPTION_LENGTH
    ? value
    : UNKNOWN_BROWSER;
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
