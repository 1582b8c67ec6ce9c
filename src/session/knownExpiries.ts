/**
 * What a store knows of each session's expiry from its own reads, writes and touches in this process,
 * so that a touch within the touch interval (touchIntervalMs) costs the store nothing at all: no
 * statement, no round trip. Only times are kept, never session content. An entry can only be too
 * early (another instance extended the session since), which costs a touch, never a missed one; a
 * destroyed session's entry is dropped. The map is emptied at a bound: a forgotten entry only costs
 * a touch.
 */
import { touchIntervalMs } from "./sessionStore.js";

/** More sessions than one instance serves within a touch interval. */
const MAX_ENTRIES = 10_000;

export class KnownExpiries {
  private readonly expiresAt = new Map<string, number>();
  /** The touch interval of this idle timeout (touchIntervalMs). */
  readonly intervalMs: number;

  constructor(private readonly idleTimeoutMs: number) {
    this.intervalMs = touchIntervalMs(idleTimeoutMs);
  }

  /** The session expires at `expiresAt` (epoch ms), as the store just read or wrote it. */
  seen(sid: string, expiresAt: number): void {
    if (this.expiresAt.size >= MAX_ENTRIES && !this.expiresAt.has(sid)) this.expiresAt.clear();
    this.expiresAt.set(sid, expiresAt);
  }

  /** Whether a touch now may write nothing: the session was written or touched moments ago. */
  touchIsNeedless(sid: string, now: number): boolean {
    const expiresAt = this.expiresAt.get(sid);
    return expiresAt !== undefined && expiresAt - now > this.idleTimeoutMs - this.intervalMs;
  }

  forget(sid: string): void {
    this.expiresAt.delete(sid);
  }
}
