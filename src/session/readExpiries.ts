/**
 * What a store's `get` learned of a session's expiry, kept until the same request's `touch`, so that
 * a touch within the touch interval (touchIntervalMs) costs the store nothing at all: no statement,
 * no round trip. Keyed by session id; an entry leaves at the touch, set or destroy of its session.
 * A request that ends with none of these (a client gone mid-way) leaves its entry behind, so the map
 * is emptied at a bound: a forgotten entry only costs a touch. Two requests of one session at once
 * share an entry: the second touch then finds none and touches, which is always correct.
 */
import { touchIntervalMs } from "./sessionStore.js";

/** More sessions than requests running at once on one instance. */
const MAX_ENTRIES = 10_000;

export class ReadExpiries {
  private readonly expiresAt = new Map<string, number>();
  private readonly intervalMs: number;

  constructor(private readonly idleTimeoutMs: number) {
    this.intervalMs = touchIntervalMs(idleTimeoutMs);
  }

  remember(sid: string, expiresAt: number): void {
    if (this.expiresAt.size >= MAX_ENTRIES) this.expiresAt.clear();
    this.expiresAt.set(sid, expiresAt);
  }

  /** Whether a touch now may write nothing: the read saw the session written or touched moments ago. */
  touchIsNeedless(sid: string, now: number): boolean {
    const expiresAt = this.expiresAt.get(sid);
    this.expiresAt.delete(sid);
    return expiresAt !== undefined && expiresAt - now > this.idleTimeoutMs - this.intervalMs;
  }

  forget(sid: string): void {
    this.expiresAt.delete(sid);
  }
}
