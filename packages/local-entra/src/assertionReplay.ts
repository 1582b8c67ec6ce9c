/**
 * The client-assertion `jti` values already accepted, per client.
 *
 * Guarantees: a (client, jti) pair is accepted once; it is remembered until the assertion's own
 * `exp` (after which the assertion is refused as expired anyway), in a bounded ExpiringMap that
 * lives in the tenant context (no module-level state). Only assertions that passed every other
 * check are recorded, so a forged assertion cannot burn a legitimate client's jti.
 */
import { ExpiringMap } from "./expiringMap.js";
import type { Expiring } from "./expiringMap.js";

/** Far above what tests and local use send within one assertion lifetime (10 minutes). */
const MAX_REMEMBERED = 50_000;

export class AssertionReplayStore {
  readonly #seen = new ExpiringMap<Expiring>(MAX_REMEMBERED);

  /** Records the pair; false if it was already recorded and has not expired. */
  accept(clientId: string, jti: string, expiresAt: number, now: number): boolean {
    const key = `${clientId.toLowerCase()} ${jti}`;
    const previous = this.#seen.get(key);
    if (previous !== undefined && previous.expiresAt > now) return false;
    this.#seen.set(key, { expiresAt }, now);
    return true;
  }
}
