/**
 * The one owner of the session's fields (declared in sessionData.d.ts): who is signed in, their token
 * cache (sealed here, and only here, with the app's key ring), the form token and a claims challenge
 * waiting for the next sign-in. Everything else asks through these operations, so what a session may
 * hold, and how a value read back from the store is checked, is decided in one place. The store's
 * content is outside input: a field that does not read back as what was written counts as absent,
 * never as a 500. Saving, renewing and ending the session itself are sessionOps.ts's.
 */
import type { Session, SessionData } from "express-session";
import { readRolesClaim } from "../auth/appRoles.js";
import { readClaimsRequest } from "../auth/claimsChallenge.js";
import type { TokenCacheCipher } from "../auth/tokenCacheCipher.js";
import { MAX_BROWSER_DESCRIPTION_LENGTH } from "./browserDescription.js";
import type { SignedInAccount } from "./sessionData.js";

/** The request's session, as express-session hands it over. */
export type AppSession = Session & Partial<SessionData>;

/** What sealing a token cache into the session takes: the key ring, and the clock that dates it. */
export interface TokenCacheSealing {
  cipher: TokenCacheCipher;
  now: () => number;
}

/** The account's serialized MSAL cache in this session, opened and sealed on the way. */
export interface SessionTokenCache {
  /** Throws CorruptTokenCacheError when the stored cache cannot be opened. */
  read(): string | undefined;
  write(serialized: string): void;
}

/** The account as the sign-in found it; the sign-in's own times are added here. */
export type AccountAtSignIn = Omit<SignedInAccount, "signedInAt" | "claimsAnsweredAt">;

export interface SignIn {
  account: AccountAtSignIn;
  /** The sign-in answered a claims challenge (guards against challenge loops). */
  answeredClaims: boolean;
  serializedCache: string;
  csrfToken: string;
}

const MAX_FIELD_LENGTH = 512;

/** The signed-in account, checked; undefined when there is none or it is not an account. */
export function readAccount(session: Partial<SessionData> | undefined): SignedInAccount | undefined {
  const account: unknown = session?.account;
  if (typeof account !== "object" || account === null) return undefined;
  const { homeAccountId, name, username, tenantId, objectId, subject, issuer, signedInAt, claimsAnsweredAt } =
    account as Record<string, unknown>;
  const fields = [homeAccountId, name, username, tenantId, objectId, subject, issuer];
  if (!fields.every((f) => typeof f === "string" && f.length <= MAX_FIELD_LENGTH)) return undefined;
  if (homeAccountId === "" || typeof signedInAt !== "number" || !Number.isFinite(signedInAt))
    return undefined;
  const answered = typeof claimsAnsweredAt === "number" ? { claimsAnsweredAt } : {};
  const { environment, idTokenSid, browser, logoutHint, roles } = account as {
    environment?: unknown;
    idTokenSid?: unknown;
    browser?: unknown;
    logoutHint?: unknown;
    roles?: unknown;
  };
  const where =
    typeof environment === "string" && environment.length <= MAX_FIELD_LENGTH ? { environment } : {};
  const entraSession =
    typeof idTokenSid === "string" && idTokenSid.length <= MAX_FIELD_LENGTH ? { idTokenSid } : {};
  const hint = typeof logoutHint === "string" && logoutHint.length <= 1024 ? { logoutHint } : {};
  const from =
    typeof browser === "string" && browser.length <= MAX_BROWSER_DESCRIPTION_LENGTH ? { browser } : {};
  // Roles that do not read back as a list of role values are none: they only ever grant access.
  const storedRoles = readRolesClaim({ roles });
  const held = storedRoles.ok && storedRoles.roles.length > 0 ? { roles: [...storedRoles.roles] } : {};
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
    ...held,
  } as SignedInAccount;
}

/**
 * Makes this (freshly regenerated) session the account's: its identity, its sealed token cache and a
 * new form token. The sign-in is dated by `sealing.now`.
 */
export function signInAccount(session: AppSession, signIn: SignIn, sealing: TokenCacheSealing): void {
  const at = sealing.now();
  session.account = {
    ...signIn.account,
    signedInAt: at,
    ...(signIn.answeredClaims ? { claimsAnsweredAt: at } : {}),
  };
  session.tokenCache = sealing.cipher.seal(signIn.serializedCache, signIn.account.homeAccountId);
  session.tokenCacheWrittenAt = at;
  session.csrfToken = signIn.csrfToken;
}

/**
 * Keeps the account's app roles current (a refresh brought a new ID token). Writes only when they
 * differ, so that an unchanged session is not saved; true when it wrote.
 */
export function updateAccountRoles(session: AppSession, roles: readonly string[]): boolean {
  const account = readAccount(session);
  if (!account || session.account === undefined) return false;
  const before = account.roles ?? [];
  if (before.length === roles.length && before.every((role, i) => role === roles[i])) return false;
  if (roles.length > 0) session.account = { ...session.account, roles: [...roles] };
  else {
    const { roles: _dropped, ...rest } = session.account;
    session.account = rest;
  }
  return true;
}

/** Forgets who is signed in and their tokens, keeping the session itself (and its cookie). */
export function forgetAccount(session: AppSession): void {
  delete session.account;
  delete session.tokenCache;
  delete session.tokenCacheWrittenAt;
  delete session.csrfToken;
  delete session.pendingClaims;
}

/** Forgets an account that does not read back as one, so that it is not read again. */
export function forgetUnreadableAccount(session: AppSession): void {
  if (session.account !== undefined && readAccount(session) === undefined) forgetAccount(session);
}

/**
 * The account's token cache in this session. MSAL reads the cache more than once per request; each
 * stored envelope is opened once. A write seals the new cache and dates it.
 */
export function sessionTokenCache(
  session: AppSession,
  homeAccountId: string,
  sealing: TokenCacheSealing,
): SessionTokenCache {
  return new SealedSessionCache(session, homeAccountId, sealing);
}

/**
 * Its state in fields, not in closures: it hangs on the request (through `req.tokens`), and
 * per-request closures reachable from the request kept requests alive through young-generation
 * collections (see createTokenSource.ts).
 */
class SealedSessionCache implements SessionTokenCache {
  private opened: { envelope: unknown; plaintext: string } | undefined;

  constructor(
    private readonly session: AppSession,
    private readonly homeAccountId: string,
    private readonly sealing: TokenCacheSealing,
  ) {}

  read(): string | undefined {
    const envelope = this.session.tokenCache;
    if (envelope === undefined) return undefined;
    if (this.opened?.envelope !== envelope)
      this.opened = { envelope, plaintext: this.sealing.cipher.open(envelope, this.homeAccountId) };
    return this.opened.plaintext;
  }

  write(serialized: string): void {
    const envelope = this.sealing.cipher.seal(serialized, this.homeAccountId);
    this.session.tokenCache = envelope;
    this.session.tokenCacheWrittenAt = this.sealing.now();
    this.opened = { envelope, plaintext: serialized };
  }
}

/** What the Session page shows of the stored cache: its size as stored and when it was last written. */
export function describeStoredTokenCache(session: Partial<SessionData>): {
  envelopeBytes: number;
  writtenAt: Date | undefined;
} {
  const { tokenCache, tokenCacheWrittenAt } = session;
  return {
    envelopeBytes: typeof tokenCache === "string" ? Buffer.byteLength(tokenCache) : 0,
    writtenAt: typeof tokenCacheWrittenAt === "number" ? new Date(tokenCacheWrittenAt) : undefined,
  };
}

/** The synchronizer token of this session's forms, when it has one. */
export function readCsrfToken(session: Partial<SessionData> | undefined): string | undefined {
  const token = session?.csrfToken;
  return typeof token === "string" ? token : undefined;
}

/** Keeps a resource's claims challenge (JSON) for the next sign-in to carry. */
export function recordClaimsChallenge(session: AppSession, claims: string): void {
  session.pendingClaims = claims;
}

/** The claims challenge waiting for the next sign-in, when one reads back as a claims request. */
export function readClaimsChallenge(session: Partial<SessionData>): string | undefined {
  return readClaimsRequest(session.pendingClaims);
}

/** Drops the waiting claims challenge (readable or not); true when there was one, so the session changed. */
export function forgetClaimsChallenge(session: AppSession): boolean {
  if (session.pendingClaims === undefined) return false;
  delete session.pendingClaims;
  return true;
}
