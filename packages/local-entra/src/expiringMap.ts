/**
 * A bounded map of entries that carry their own expiry.
 *
 * Guarantees: memory stays bounded (at most `maxEntries`; the oldest entry is evicted first) and
 * entries are swept at most once a minute, lazily on insert — no timers, so nothing keeps the
 * process alive. Entries are kept `graceMs` past expiry so callers can still tell "expired" from
 * "unknown".
 */

export interface Expiring {
  expiresAt: number;
}

export class ExpiringMap<V extends Expiring> {
  readonly #entries = new Map<string, V>();
  readonly #maxEntries: number;
  readonly #graceMs: number;
  #lastSweep = 0;

  constructor(maxEntries: number, graceMs = 0) {
    this.#maxEntries = maxEntries;
    this.#graceMs = graceMs;
  }

  set(key: string, value: V, now: number): void {
    if (now - this.#lastSweep > 60_000) {
      this.#lastSweep = now;
      for (const [k, v] of this.#entries) {
        if (v.expiresAt + this.#graceMs < now) this.#entries.delete(k);
      }
    }
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, value);
  }

  /** The entry, even if expired (within the grace period); the caller decides. */
  get(key: string): V | undefined {
    return this.#entries.get(key);
  }

  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  values(): IterableIterator<V> {
    return this.#entries.values();
  }

  entries(): IterableIterator<[string, V]> {
    return this.#entries.entries();
  }
}
