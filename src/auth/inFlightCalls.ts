/**
 * Coalesces concurrent silent token calls within one process: while a call for a key is running,
 * later callers with the same key share its result instead of each refreshing. A call counts as
 * running until its caller's request has ended (`heldUntil`), i.e. until the refreshed cache is in
 * the session store: a request that loaded the old cache before that would otherwise refresh again.
 * Only running calls are held, and never longer than MAX_HOLD_MS after they end: nothing stays.
 * One instance lives per app.
 */

/** A request that never reports its end (it should not happen) cannot pin a result for longer. */
const DEFAULT_MAX_HOLD_MS = 10_000;
export interface InFlightCalls {
  run<T>(key: string, call: () => Promise<T>, heldUntil: Promise<unknown>): Promise<T>;
  readonly size: number;
}

export function createInFlightCalls(maxHoldMs = DEFAULT_MAX_HOLD_MS): InFlightCalls {
  const running = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, call: () => Promise<T>, heldUntil: Promise<unknown>): Promise<T> {
      const existing = running.get(key) as Promise<T> | undefined;
      if (existing) return existing;
      const started = call();
      running.set(key, started);
      const release = () => {
        if (running.get(key) === started) running.delete(key);
      };
      // A failed call is released at once so that the next request tries again.
      started.then(() => {
        const timer = setTimeout(release, maxHoldMs);
        timer.unref();
        const releaseNow = () => {
          clearTimeout(timer);
          release();
        };
        heldUntil.then(releaseNow, releaseNow);
      }, release);
      return started;
    },
    get size() {
      return running.size;
    },
  };
}
