/**
 * The embedded default: sessions in an SQLite file (connect-session-knex on knex + better-sqlite3),
 * so they survive a restart with no server to run. Expired rows are pruned on an unref'd timer.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Store } from "express-session";
import knex from "knex";
import { ConnectSessionKnexStore } from "connect-session-knex";
import type { SessionSettings } from "../config/settings.js";
import type { SessionStoreHandle, SessionStoreOptions } from "./createSessionStore.js";
import { withDeadline } from "./withDeadline.js";

export function createSqliteSessionStore(
  settings: SessionSettings,
  { logger, pruneIntervalMs = 60_000 }: SessionStoreOptions,
): SessionStoreHandle {
  const path = settings.sqlitePath;
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = knex({
    client: "better-sqlite3",
    connection: { filename: path },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      // WAL with synchronous=NORMAL: a write (the per-request TTL touch) needs no fsync of its own,
      // and a crash can lose at most the last moments of touches, never corrupt the file.
      afterCreate: (
        connection: { pragma(statement: string): unknown },
        done: (error: Error | null) => void,
      ) => {
        connection.pragma("journal_mode = WAL");
        connection.pragma("synchronous = NORMAL");
        done(null);
      },
    },
  });
  const store = new SafeTouchKnexStore({
    knex: db,
    tableName: "sessions",
    cleanupInterval: pruneIntervalMs,
    onDbCleanupError: (error) => logger.error({ err: error }, "pruning expired sessions failed"),
  });
  return {
    store,
    ping: () =>
      withDeadline(db.raw("select 1"), settings.storeTimeoutMs, "SQLite ping").then(() => undefined),
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
