/**
 * Builds the session store named by the settings: the embedded SQLite file (the default, nothing to
 * install) or Redis (for several instances). Each comes with a readiness probe and a close.
 */
import type { SessionSettings } from "../config/settings.js";
import { createRedisSessionStore } from "./redisStore.js";
import type { SessionStoreHandle, SessionStoreOptions } from "./sessionStore.js";
import { createSqliteSessionStore } from "./sqliteStore.js";

// The contract's types, for the stores' users (the tests and the benchmark build stores through here).
export type {
  IndexedSession,
  SessionCount,
  SessionIndex,
  SessionStoreHandle,
  SessionStoreOptions,
} from "./sessionStore.js";

export async function createSessionStore(
  settings: SessionSettings,
  options: SessionStoreOptions,
): Promise<SessionStoreHandle> {
  switch (settings.store) {
    case "sqlite":
      return createSqliteSessionStore(settings, options);
    case "redis":
      return createRedisSessionStore(settings, options.logger);
  }
}
