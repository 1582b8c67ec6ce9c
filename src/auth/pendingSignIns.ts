/**
 * Sign-ins in progress, kept in the session and keyed by their `state`, so several tabs can sign in
 * at once. Each is one-time (taken out before the code is exchanged), lives ten minutes, and at most
 * a few are kept (the oldest is dropped).
 */
import type { Session, SessionData } from "express-session";
import type { PendingSignIn } from "../session/sessionData.js";

export const PENDING_SIGN_IN_LIFETIME_MS = 10 * 60_000;
export const MAX_PENDING_SIGN_INS = 5;

type MutableSession = Session & Partial<SessionData>;

export function rememberPendingSignIn(session: MutableSession, state: string, pending: PendingSignIn): void {
  const kept = Object.entries(readAll(session))
    .filter(([, p]) => isFresh(p, pending.createdAt))
    .sort(([, a], [, b]) => b.createdAt - a.createdAt)
    .slice(0, MAX_PENDING_SIGN_INS - 1);
  session.pendingSignIns = Object.fromEntries([...kept, [state, pending]]);
}

/** Removes and returns the sign-in started with `state`, if it exists and has not expired. */
export function takePendingSignIn(
  session: MutableSession,
  state: string,
  now = Date.now(),
): PendingSignIn | undefined {
  const all = readAll(session);
  const pending = Object.hasOwn(all, state) ? all[state] : undefined;
  if (pending === undefined) return undefined;
  const rest = Object.fromEntries(Object.entries(all).filter(([key]) => key !== state));
  if (Object.keys(rest).length > 0) session.pendingSignIns = rest;
  else delete session.pendingSignIns;
  return isFresh(pending, now) ? pending : undefined;
}

function isFresh(pending: PendingSignIn, now: number): boolean {
  return now - pending.createdAt < PENDING_SIGN_IN_LIFETIME_MS && pending.createdAt <= now;
}

/** The store's content is outside input: keep only well-formed entries. */
function readAll(session: MutableSession): Record<string, PendingSignIn> {
  const raw: unknown = session.pendingSignIns;
  if (typeof raw !== "object" || raw === null) return {};
  const valid = Object.entries(raw as Record<string, unknown>).filter(
    (entry): entry is [string, PendingSignIn] => isPendingSignIn(entry[1]),
  );
  return Object.fromEntries(valid);
}

function isPendingSignIn(value: unknown): value is PendingSignIn {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.nonce === "string" &&
    typeof v.codeVerifier === "string" &&
    typeof v.returnTo === "string" &&
    typeof v.createdAt === "number" &&
    (v.extraScopes === undefined ||
      (Array.isArray(v.extraScopes) && v.extraScopes.every((scope) => typeof scope === "string")))
  );
}
