/**
 * Reads the signed-in account from a session loaded from the store. The store's content is outside
 * input: a malformed account is treated as signed out, never trusted and never a 500.
 */
import type { Session, SessionData } from "express-session";
import { MAX_BROWSER_DESCRIPTION_LENGTH } from "./browserDescription.js";
import type { SignedInAccount } from "./sessionData.js";

const MAX_FIELD_LENGTH = 512;

export function readSignedInAccount(session: Partial<SessionData> | undefined): SignedInAccount | undefined {
  const account: unknown = session?.account;
  if (typeof account !== "object" || account === null) return undefined;
  const { homeAccountId, name, username, tenantId, objectId, subject, issuer, signedInAt, claimsAnsweredAt } =
    account as Record<string, unknown>;
  const fields = [homeAccountId, name, username, tenantId, objectId, subject, issuer];
  if (!fields.every((f) => typeof f === "string" && f.length <= MAX_FIELD_LENGTH)) return undefined;
  if (homeAccountId === "" || typeof signedInAt !== "number" || !Number.isFinite(signedInAt))
    return undefined;
  const answered = typeof claimsAnsweredAt === "number" ? { claimsAnsweredAt } : {};
  const { environment, idTokenSid, browser, logoutHint } = account as {
    environment?: unknown;
    idTokenSid?: unknown;
    browser?: unknown;
    logoutHint?: unknown;
  };
  const where =
    typeof environment === "string" && environment.length <= MAX_FIELD_LENGTH ? { environment } : {};
  const entraSession =
    typeof idTokenSid === "string" && idTokenSid.length <= MAX_FIELD_LENGTH ? { idTokenSid } : {};
  const hint = typeof logoutHint === "string" && logoutHint.length <= 1024 ? { logoutHint } : {};
  const from =
    typeof browser === "string" && browser.length <= MAX_BROWSER_DESCRIPTION_LENGTH ? { browser } : {};
  return {
    homeAccountId,
    name,
    username,
    tenantId,
    objectId,
    subject,
    issuer,
    signedInAt,
    ...answered,
    ...where,
    ...entraSession,
    ...from,
    ...hint,
  } as SignedInAccount;
}

/** Forgets who is signed in and their tokens, keeping the session itself (and its cookie). */
export function forgetAccount(session: Session & Partial<SessionData>): void {
  delete session.account;
  delete session.tokenCache;
  delete session.tokenCacheWrittenAt;
  delete session.csrfToken;
  delete session.pendingClaims;
}
