/**
 * Wraps a real session store and counts the calls express-session makes on it, the way
 * express-session's own tests spy on `set`: a write is a `set`, a TTL extension is a `touch`. A test
 * can also make the store refuse writes, as a Redis that failed over to a read-only replica does.
 */
import type { Store } from "express-session";
import type { SessionIndex, SessionStoreHandle } from "../../src/session/createSessionStore.js";

export interface StoreCallCounts {
  get: number;
  set: number;
  touch: number;
  destroy: number;
}

export interface StoreFaults {
  /** While true, every `set` answers with an error (nothing is written). */
  failWrites: boolean;
  /** While true, every `destroy` answers with an error (nothing is deleted). */
  failDestroys: boolean;
  /** While true, every lookup in the session index rejects (see `withIndexFaults`). */
  failIndex: boolean;
  /** While true, the handle's ping and count reject (see `withHandleFaults`); sessions still load. */
  failPingAndCount: boolean;
}

export function countStoreCalls(store: Store): {
  store: Store;
  counts: StoreCallCounts;
  faults: StoreFaults;
  reset(): void;
} {
  const counts: StoreCallCounts = { get: 0, set: 0, touch: 0, destroy: 0 };
  const faults: StoreFaults = {
    failWrites: false,
    failDestroys: false,
    failIndex: false,
    failPingAndCount: false,
  };
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
          if (property === "set" && faults.failWrites) {
            const callback = args[2] as ((err?: unknown) => void) | undefined;
            callback?.(new Error("READONLY You can't write against a read only replica."));
            return undefined;
          }
          if (property === "destroy" && faults.failDestroys) {
            const callback = args[1] as ((err?: unknown) => void) | undefined;
            callback?.(new Error("the store refused the delete"));
            return undefined;
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return value;
    },
  });
  return {
    store: proxy,
    counts,
    faults,
    reset: () => {
      for (const key of counted) counts[key] = 0;
    },
  };
}

/** The index of a store whose lookups fail while `faults.failIndex` is set. */
export function withIndexFaults(index: SessionIndex, faults: StoreFaults): SessionIndex {
  const failing = () => Promise.reject(new Error("the index could not be read"));
  return {
    sessionsOfAccount: (id) => (faults.failIndex ? failing() : index.sessionsOfAccount(id)),
    sessionsOfIdTokenSid: (sid) => (faults.failIndex ? failing() : index.sessionsOfIdTokenSid(sid)),
  };
}

/** A store handle's probe and count, failing while `faults.failPingAndCount` is set. */
export function withHandleFaults(
  handle: Pick<SessionStoreHandle, "ping" | "count">,
  faults: StoreFaults,
): Pick<SessionStoreHandle, "ping" | "count"> {
  const failing = () => Promise.reject(new Error("the store did not answer the probe"));
  return {
    ping: () => (faults.failPingAndCount ? failing() : handle.ping()),
    count: () => (faults.failPingAndCount ? failing() : handle.count()),
  };
}
