/**
 * Coalesces concurrent silent token calls within one process: while a call for a key is running,
 * later callers with the same key share its result instead of each refreshing. It holds promises only
 * while they run (nothing user-specific stays after), and one instance lives per app, not per module.
 */
export interface InFlightCalls {
  run<T>(key: string, call: () => Promise<T>): Promise<T>;
  readonly size: number;
}

export function createInFlightCalls(): InFlightCalls {
  const running = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, call: () => Promise<T>): Promise<T> {
      const existing = running.get(key) as Promise<T> | undefined;
      if (existing) return existing;
      const started = call().finally(() => running.delete(key));
      running.set(key, started);
      return started;
    },
    get size() {
      return running.size;
    },
  };
}
