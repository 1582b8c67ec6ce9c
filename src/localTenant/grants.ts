/**
 * Authorization codes, refresh tokens and consent.
 *
 * Guarantees:
 * - codes are opaque, live 10 minutes, are bound to client, redirect URI, PKCE challenge, nonce and
 *   scopes, and can be redeemed once; a redeemed or expired code is remembered (for 10 more
 *   minutes) so a replay is answered "already redeemed" / "expired", not "unknown";
 * - refresh tokens are opaque, bound to client and user, expire after the configured lifetime and
 *   are NOT revoked when used (Entra rotates but keeps the old one valid);
 * - revoke(oid?) marks every outstanding refresh token of that user (or of everyone) revoked and
 *   records when, for AADSTS50173;
 * - consent is per (user, client) and accumulates; a sign-in that asks for no Graph scope consents
 *   to User.Read (Entra answers such a sign-in with a Graph token for User.Read).
 */
import { ExpiringMap } from "./expiringMap.js";
import { newOpaqueToken } from "./ids.js";
import { DEFAULT_GRAPH_SCOPE } from "./scopes.js";
import type { CodeChallengeMethod } from "./transactions.js";

export const CODE_LIFETIME_MS = 10 * 60 * 1000;

export interface AuthorizationCodeGrant {
  clientId: string;
  redirectUri: string;
  oid: string;
  offlineAccess: boolean;
  nonce: string | undefined;
  codeChallenge: string;
  codeChallengeMethod: CodeChallengeMethod;
  issuedAt: number;
  expiresAt: number;
  redeemed: boolean;
}

export interface RefreshTokenGrant {
  clientId: string;
  oid: string;
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | undefined;
}

export type NewCode = Omit<AuthorizationCodeGrant, "issuedAt" | "expiresAt" | "redeemed">;

export class GrantStore {
  readonly #codes = new ExpiringMap<AuthorizationCodeGrant>(50_000, CODE_LIFETIME_MS);
  readonly #refreshTokens: ExpiringMap<RefreshTokenGrant>;
  readonly #refreshLifetimeMs: number;
  readonly #consent = new Map<string, Set<string>>();

  constructor(refreshTokenLifetimeSeconds: number) {
    this.#refreshLifetimeMs = refreshTokenLifetimeSeconds * 1000;
    // Kept one lifetime past expiry, so "expired" stays distinguishable from "unknown".
    this.#refreshTokens = new ExpiringMap<RefreshTokenGrant>(200_000, this.#refreshLifetimeMs);
  }

  issueCode(grant: NewCode, now: number): string {
    const code = newOpaqueToken(48);
    this.#codes.set(
      code,
      { ...grant, issuedAt: now, expiresAt: now + CODE_LIFETIME_MS, redeemed: false },
      now,
    );
    return code;
  }

  findCode(code: string): AuthorizationCodeGrant | undefined {
    return this.#codes.get(code);
  }

  issueRefreshToken(clientId: string, oid: string, now: number): string {
    const token = newOpaqueToken(64);
    this.#refreshTokens.set(
      token,
      { clientId, oid, issuedAt: now, expiresAt: now + this.#refreshLifetimeMs, revokedAt: undefined },
      now,
    );
    return token;
  }

  findRefreshToken(token: string): RefreshTokenGrant | undefined {
    return this.#refreshTokens.get(token);
  }

  revokeRefreshTokens(oid: string | undefined, now: number): void {
    for (const grant of this.#refreshTokens.values()) {
      if (grant.revokedAt === undefined && (oid === undefined || grant.oid === oid)) grant.revokedAt = now;
    }
  }

  grantConsent(oid: string, clientId: string, requestedGraphScopes: readonly string[]): void {
    const key = `${oid}|${clientId.toLowerCase()}`;
    const existing = this.#consent.get(key) ?? new Set<string>();
    const granted = requestedGraphScopes.length === 0 ? [DEFAULT_GRAPH_SCOPE] : requestedGraphScopes;
    for (const scope of granted) existing.add(scope);
    this.#consent.set(key, existing);
  }

  /** Every Graph scope the user consented to for this client (Entra puts them all in the token). */
  consentedScopes(oid: string, clientId: string): string[] {
    return [...(this.#consent.get(`${oid}|${clientId.toLowerCase()}`) ?? [])];
  }
}
