/**
 * Counts the calls express-session makes on the real store, like test/support/countingStore.ts: a
 * write is a `set`, a TTL extension is a `touch`. Every session access of the app goes through it.
 */
import type { Store } from "express-session";
import type { StoreCounts } from "./protocol.js";

const COUNTED: ReadonlySet<string> = new Set(["get", "set", "touch", "destroy"]);

export function countStoreCalls(store: Store): { store: Store; counts: StoreCounts } {
  const counts: StoreCounts = { get: 0, set: 0, touch: 0, destroy: 0 };
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== "string" || !COUNTED.has(property) || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        counts[property as keyof StoreCounts] += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, counts };
}
