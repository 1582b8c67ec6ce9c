/**
 * Authorization codes, refresh tokens and consent.
 *
 * Guarantees:
 * - codes and refresh tokens are opaque and of Entra's size and look: `1.A…` base64url text, a code
 *   1,000–1,200 characters, a refresh token 1,300–1,500 (the length random per token). Each starts
 *   with a fixed marker (CODE_PREFIX, REFRESH_TOKEN_PREFIX: "1.AXkA" then base64url of
 *   "LocalEntra#C" / "LocalEntra#R") so tests can search logs and pages for them; everything after
 *   it is random (node:crypto, about 6 bits a character: far over 256 bits). The stores key them by
 *   their SHA-256, so holding many costs little memory;
 * - codes live 10 minutes, are bound to tenant, client, redirect URI, PKCE challenge, nonce, scopes
 *   (GrantScopes) and the authorize request's claims, and can be redeemed once; a redeemed or
 *   expired code is remembered (for 10 more minutes) so a replay is answered "already redeemed" /
 *   "expired", not "unknown";
 * - refresh tokens are bound to tenant, client, user and the scopes of the grant they descend from,
 *   expire after the configured lifetime and are NOT revoked when used (Entra rotates but keeps the
 *   old one valid); each belongs to a family (all refresh tokens descended from one code redemption)
 *   and remembers whether it was used and whether its client declared the CP1 capability;
 *   revokeFamily() supports the strict reuse mode (a revoked family stays revoked: a token a
 *   concurrent refresh mints into it afterwards is born revoked);
 * - revoke(oid?) marks every outstanding refresh token of that user (or of everyone) revoked and
 *   records when, for AADSTS50173;
 * - consent is per (tenant, user object, client) and accumulates; it is recorded when an authorize
 *   request is approved (no consent page needed, or Accept on it — see consent.ts); a sign-in that
 *   asks for no Graph scope consents to User.Read (Entra answers it with a Graph token for User.Read).
 */
import type { ClaimsRequest } from "./claims.js";
import { ExpiringMap } from "./expiringMap.js";
import { newOpaqueTokenOfLength, randomBetween, sha256Base64Url } from "./ids.js";
import type { GrantScopes } from "./scopes.js";
import { DEFAULT_GRAPH_SCOPE } from "./scopes.js";
import type { CodeChallengeMethod } from "./transactions.js";

export const CODE_LIFETIME_MS = 10 * 60 * 1000;
/**
 * Every authorization code starts with this (so tests can search logs and traffic for leaks):
 * "1.AXkA" as Entra's codes begin, then base64url of "LocalEntra#C".
 */
export const CODE_PREFIX = `1.AXkA${Buffer.from("LocalEntra#C").toString("base64url")}`;
/** Every refresh token starts with this: "1.AXkA", then base64url of "LocalEntra#R". */
export const REFRESH_TOKEN_PREFIX = `1.AXkA${Buffer.from("LocalEntra#R").toString("base64url")}`;
/** Entra's authorization codes run to about 1.0–1.2 KB, its refresh tokens to about 1.3–1.5 KB. */
export const CODE_LENGTH = { min: 1000, max: 1200 } as const;
export const REFRESH_TOKEN_LENGTH = { min: 1300, max: 1500 } as const;

function opaqueGrantToken(prefix: string, length: { min: number; max: number }): string {
  return `${prefix}${newOpaqueTokenOfLength(randomBetween(length.min, length.max) - prefix.length)}`;
}

/** The stores hold a digest, not the 1–1.5 KB value. */
function storeKey(token: string): string {
  return sha256Base64Url(token);
}

export interface AuthorizationCodeGrant {
  /** The tenant signed in to: the code redeems for it only. */
  tenantId: string;
  clientId: string;
  redirectUri: string;
  oid: string;
  offlineAccess: boolean;
  nonce: string | undefined;
  codeChallenge: string;
  codeChallengeMethod: CodeChallengeMethod;
  /** The authorize request's `claims` parameter, as far as this stand-in acts on it. */
  claims: ClaimsRequest;
  /** The authorize request's scopes, for a redemption that sends no `scope`. */
  scopes: GrantScopes;
  /** The SSO session the code was issued in: the `sid` of the tokens it redeems for. */
  sid: string;
  issuedAt: number;
  expiresAt: number;
  redeemed: boolean;
}

export interface RefreshTokenGrant {
  /** The tenant that issued it: it redeems for that tenant only. */
  tenantId: string;
  clientId: string;
  oid: string;
  /** Shared by every refresh token descended from one code redemption. */
  familyId: string;
  /** The client declared CP1 when this token (or an ancestor) was issued. */
  cp1: boolean;
  /** The SSO session of the sign-in it descends from (ID tokens keep their `sid` across refreshes). */
  sid: string;
  /** The scopes of the request it was issued for, for a refresh that sends no `scope`. */
  scopes: GrantScopes;
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | undefined;
  /** When this refresh token was first presented successfully. */
  usedAt: number | undefined;
  /** Revoked because a token of its family was reused (strict mode). */
  revokedForReuse: boolean;
}

export type NewCode = Omit<AuthorizationCodeGrant, "issuedAt" | "expiresAt" | "redeemed">;

export interface NewRefreshToken {
  tenantId: string;
  clientId: string;
  oid: string;
  familyId: string;
  cp1: boolean;
  sid: string;
  scopes: GrantScopes;
}

export class GrantStore {
  readonly #codes = new ExpiringMap<AuthorizationCodeGrant>(50_000, CODE_LIFETIME_MS);
  readonly #refreshTokens: ExpiringMap<RefreshTokenGrant>;
  readonly #refreshLifetimeMs: number;
  readonly #consent = new Map<string, Set<string>>();
  /**
   * Families revoked for reuse, and when: a token minted into one later (a refresh that was in
   * flight when the reuse was detected) is born revoked. Only grows in strict mode, on reuse.
   */
  readonly #revokedFamilies = new Map<string, number>();

  constructor(refreshTokenLifetimeSeconds: number) {
    this.#refreshLifetimeMs = refreshTokenLifetimeSeconds * 1000;
    // Kept one lifetime past expiry, so "expired" stays distinguishable from "unknown".
    this.#refreshTokens = new ExpiringMap<RefreshTokenGrant>(200_000, this.#refreshLifetimeMs);
  }

  issueCode(grant: NewCode, now: number): string {
    const code = opaqueGrantToken(CODE_PREFIX, CODE_LENGTH);
    this.#codes.set(
      storeKey(code),
      { ...grant, issuedAt: now, expiresAt: now + CODE_LIFETIME_MS, redeemed: false },
      now,
    );
    return code;
  }

  findCode(code: string): AuthorizationCodeGrant | undefined {
    return this.#codes.get(storeKey(code));
  }

  issueRefreshToken(grant: NewRefreshToken, now: number): string {
    const token = opaqueGrantToken(REFRESH_TOKEN_PREFIX, REFRESH_TOKEN_LENGTH);
    const familyRevokedAt = this.#revokedFamilies.get(grant.familyId);
    this.#refreshTokens.set(
      storeKey(token),
      {
        ...grant,
        issuedAt: now,
        expiresAt: now + this.#refreshLifetimeMs,
        revokedAt: familyRevokedAt,
        usedAt: undefined,
        revokedForReuse: familyRevokedAt !== undefined,
      },
      now,
    );
    return token;
  }

  findRefreshToken(token: string): RefreshTokenGrant | undefined {
    return this.#refreshTokens.get(storeKey(token));
  }

  revokeRefreshTokens(oid: string | undefined, now: number): void {
    for (const grant of this.#refreshTokens.values()) {
      if (grant.revokedAt === undefined && (oid === undefined || grant.oid === oid)) grant.revokedAt = now;
    }
  }

  /** Revokes every refresh token of the family, including any minted into it later (strict reuse). */
  revokeFamily(familyId: string, now: number): void {
    if (!this.#revokedFamilies.has(familyId)) this.#revokedFamilies.set(familyId, now);
    for (const grant of this.#refreshTokens.values()) {
      if (grant.familyId === familyId && grant.revokedAt === undefined) {
        grant.revokedAt = now;
        grant.revokedForReuse = true;
      }
    }
  }

  grantConsent(
    tenantId: string,
    oid: string,
    clientId: string,
    requestedGraphScopes: readonly string[],
  ): void {
    const key = consentKey(tenantId, oid, clientId);
    const existing = this.#consent.get(key) ?? new Set<string>();
    const granted = requestedGraphScopes.length === 0 ? [DEFAULT_GRAPH_SCOPE] : requestedGraphScopes;
    for (const scope of granted) existing.add(scope);
    this.#consent.set(key, existing);
  }

  /** Every Graph scope the user consented to for this client (Entra puts them all in the token). */
  consentedScopes(tenantId: string, oid: string, clientId: string): string[] {
    return [...(this.#consent.get(consentKey(tenantId, oid, clientId)) ?? [])];
  }
}

function consentKey(tenantId: string, oid: string, clientId: string): string {
  return `${tenantId}|${oid}|${clientId.toLowerCase()}`;
}
