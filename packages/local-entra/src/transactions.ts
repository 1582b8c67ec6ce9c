/**
 * Pending authorize requests, between the sign-in page and its form submission.
 *
 * Guarantees: the page carries only an opaque, unguessable transaction id; everything the
 * completion acts on (tenant segment, client, redirect URI, response mode, state, nonce, scopes, PKCE
 * challenge, claims, prompt) was validated at /authorize and is read from here, never from the form. A transaction
 * can be taken once and expires after 10 minutes.
 */
import type { ClaimsRequest } from "./claims.js";
import { ExpiringMap } from "./expiringMap.js";
import { newOpaqueToken } from "./ids.js";
import type { ParsedScopes } from "./scopes.js";

export type ResponseMode = "query" | "fragment" | "form_post";
export type CodeChallengeMethod = "S256" | "plain";

export interface PendingAuthorization {
  /** The path's tenant segment as resolved: a tenant id (lower case), "common" or "organizations". */
  tenantSegment: string;
  clientId: string;
  redirectUri: string;
  responseMode: ResponseMode;
  state: string | undefined;
  nonce: string | undefined;
  graphScopes: string[];
  /** The `scope` parameter as parsed (the OIDC scopes and the Graph scopes' form: scopes.ts). */
  scopes: ParsedScopes;
  offlineAccess: boolean;
  codeChallenge: string;
  codeChallengeMethod: CodeChallengeMethod;
  loginHint: string | undefined;
  /** The validated prompt (none, login, select_account, consent), if any. */
  prompt: string | undefined;
  /** The `claims` parameter, as far as the stand-in acts on it (see claims.ts). */
  claims: ClaimsRequest;
  /** client_info=1 was sent: the redirect carries client_info too, like Entra's. */
  clientInfoRequested: boolean;
  correlationId: string;
  expiresAt: number;
}

export const TRANSACTION_LIFETIME_MS = 10 * 60 * 1000;

export class TransactionStore {
  readonly #pending = new ExpiringMap<PendingAuthorization>(10_000);

  create(pending: Omit<PendingAuthorization, "expiresAt">, now: number): string {
    const id = newOpaqueToken();
    this.#pending.set(id, { ...pending, expiresAt: now + TRANSACTION_LIFETIME_MS }, now);
    return id;
  }

  /** One-time: the transaction is removed whether or not it had expired. */
  take(id: string, now: number): PendingAuthorization | undefined {
    const pending = this.#pending.get(id);
    if (pending === undefined) return undefined;
    this.#pending.delete(id);
    return pending.expiresAt > now ? pending : undefined;
  }
}
