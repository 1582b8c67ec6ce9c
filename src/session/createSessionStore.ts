/**
 * Builds the session store named by the settings. The embedded default is an SQLite file (through
 * knex and better-sqlite3), so sessions survive a restart with no server to run; expired rows are
 * pruned by the store on an unref'd timer.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Store } from "express-session";
import knex from "knex";
import { ConnectSessionKnexStore } from "connect-session-knex";
import type { SessionSettings } from "../config/settings.js";

export interface ClosableStore {
  store: Store;
  close(): Promise<void>;
}

export interface SessionStoreOptions {
  onError: (error: unknown) => void;
  /** How often expired sessions are deleted; the store's default is a minute. */
  pruneIntervalMs?: number;
}

export function createSessionStore(settings: SessionSettings, options: SessionStoreOptions): ClosableStore {
  switch (settings.store) {
    case "sqlite":
      return createSqliteStore(settings.sqlitePath, options);
  }
}

function createSqliteStore(
  path: string,
  { onError, pruneIntervalMs = 60_000 }: SessionStoreOptions,
): ClosableStore {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = knex({
    client: "better-sqlite3",
    connection: { filename: path },
    useNullAsDefault: true,
    pool: { min: 1, max: 1 },
  });
  const store = new SafeTouchKnexStore({
    knex: db,
    tableName: "sessions",
    cleanupInterval: pruneIntervalMs,
    onDbCleanupError: onError,
  });
  return {
    store,
    close: async () => {
      store.stopCleanup();
      await db.destroy();
    },
  };
}

/**
 * connect-session-knex's `touch` neither catches its errors nor reports them to the callback, so a
 * failing database would become an unhandled rejection; this passes them to express-session instead.
 */
class SafeTouchKnexStore extends ConnectSessionKnexStore {
  override touch(
    sid: string,
    session: Parameters<Store["set"]>[1],
    callback?: (err?: unknown) => void,
  ): Promise<void> {
    return super.touch(sid, session).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }

  stopCleanup(): void {
    clearTimeout(this.nextDbCleanup);
  }
}
