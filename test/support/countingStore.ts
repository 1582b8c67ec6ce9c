/**
 * Wraps a real session store and counts the calls express-session makes on it, the way
 * express-session's own tests spy on `set`: a write is a `set`, a TTL extension is a `touch`.
 */
import type { Store } from "express-session";

export interface StoreCallCounts {
  get: number;
  set: number;
  touch: number;
  destroy: number;
}

export function countStoreCalls(store: Store): { store: Store; counts: StoreCallCounts; reset(): void } {
  const counts: StoreCallCounts = { get: 0, set: 0, touch: 0, destroy: 0 };
  const counted = new Set<keyof StoreCallCounts>(["get", "set", "touch", "destroy"]);
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (
        typeof property === "string" &&
        counted.has(property as keyof StoreCallCounts) &&
        typeof value === "function"
      ) {
        return (...args: unknown[]) => {
          counts[property as keyof StoreCallCounts] += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return value;
    },
  });
  return {
    store: proxy,
    counts,
    reset: () => {
      for (const key of counted) counts[key] = 0;
    },
  };
}
