/**
 * Sign-ins waiting on the consent page, between the page and its form submission.
 *
 * Guarantees: the page carries only an opaque, unguessable id; what Accept acts on (the validated
 * authorize request, the tenant and user object signed in, the scopes to grant) is read from here,
 * never from the form. An entry is bound to the SSO session the sign-in created or used (the
 * submission must come with that session's cookie), can be taken once and expires after 10 minutes.
 */
import { ExpiringMap } from "./expiringMap.js";
import { newOpaqueToken } from "./ids.js";
import type { PendingAuthorization } from "./transactions.js";
import { TRANSACTION_LIFETIME_MS } from "./transactions.js";

export interface PendingConsent {
  pending: PendingAuthorization;
  /** The tenant signed in to. */
  tenantId: string;
  /** The user object in that tenant (a guest object for a guest). */
  userOid: string;
  /** The account signed in with (its home oid). */
  accountOid: string;
  /** The SSO session (id) the consent submission must carry. */
  sessionId: string;
  /** Graph scopes Accept grants (every scope the request names, or the default User.Read). */
  scopes: string[];
  expiresAt: number;
}

export class ConsentStore {
  readonly #pending = new ExpiringMap<PendingConsent>(10_000);

  create(entry: Omit<PendingConsent, "expiresAt">, now: number): string {
    const id = newOpaqueToken();
    this.#pending.set(id, { ...entry, expiresAt: now + TRANSACTION_LIFETIME_MS }, now);
    return id;
  }

  /** One-time: the entry is removed whether or not it had expired. */
  take(id: string, now: number): PendingConsent | undefined {
    const entry = this.#pending.get(id);
    if (entry === undefined) return undefined;
    this.#pending.delete(id);
    return entry.expiresAt > now ? entry : undefined;
  }
}
