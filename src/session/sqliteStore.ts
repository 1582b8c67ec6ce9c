/**
 * The embedded default: sessions in an SQLite file (better-sqlite3, statements prepared once), so they
 * survive a restart with no server to run. It keeps the store contract (test/session/storeContract.ts):
 * a session loaded from the store is only ever updated while its row still exists, so a late request
 * cannot bring back a session that was destroyed or expired; every SQLite error reaches the callback,
 * none is thrown; a row that is not a session counts as none and is deleted. A path that cannot hold
 * the sessions stops the start (SqliteUnavailableError), before the app listens.
 */
import { mkdirSync, statSync } from "node:fs";
import type { Stats } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { Store } from "express-session";
import type { SessionData } from "express-session";
import type { SessionSettings } from "../config/settings.js";
import { SqliteUnavailableError } from "../errors.js";
import type { Logger } from "../logger.js";
import { KnownExpiries } from "./knownExpiries.js";
import type { IndexedSession, SessionStoreHandle, SessionStoreOptions } from "./sessionStore.js";

/**
 * better-sqlite3 is synchronous: while it waits for another connection's lock, the whole process
 * waits. So the wait is short (enough for another instance's write during a rolling restart, or a
 * backup's brief lock) and always well below the store deadline: a longer lock is an error (503).
 */
const MAX_BUSY_WAIT_MS = 100;

type Callback<T = unknown> = (err?: unknown, value?: T) => void;

interface SelectedRow {
  sess: string;
  expired: number;
  home_account_id: string | null;
  id_token_sid: string | null;
}

export interface SqliteStoreOptions {
  /** The idle timeout: every write and touch gives the session this long again. */
  idleTimeoutMs: number;
  logger: Logger;
  now?: () => number;
}

export class SqliteSessionStore extends Store {
  private readonly now: () => number;
  private readonly idleTimeoutMs: number;
  private readonly knownExpiries: KnownExpiries;
  private readonly logger: Logger;
  /**
   * Sessions this store created during their own request: a second save in that request (e.g. a
   * sign-in saved before its redirect, then changed) is an update, though the object lacks `persisted`.
   */
  private readonly created = new WeakSet<object>();
  private readonly sql: ReturnType<typeof prepare>;

  constructor(db: Database.Database, options: SqliteStoreOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.idleTimeoutMs = options.idleTimeoutMs;
    this.knownExpiries = new KnownExpiries(options.idleTimeoutMs);
    this.logger = options.logger;
    this.sql = prepare(db);
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.answer(callback, () => {
      const row = this.sql.select.get(sid, this.now()) as SelectedRow | undefined;
      if (!row) return null;
      const session = parseSession(row.sess);
      // Only the shape express-session needs is checked here; readers check the fields they use.
      if (session) {
        // A row whose index columns lag its content (written by an older version) is touched anyway,
        // which fills them in.
        const keys = indexKeys(session);
        if (keys.homeAccountId === row.home_account_id && keys.idTokenSid === row.id_token_sid)
          this.knownExpiries.seen(sid, row.expired);
        else this.knownExpiries.forget(sid);
        return { ...session, persisted: true } as unknown as SessionData;
      }
      // Unreadable content is outside input: the browser is signed out rather than failing for good.
      this.logger.warn("discarding a stored session that is not a session");
      try {
        this.sql.delete.run(sid);
      } catch (error) {
        // Still no session for this browser; the next read tries the delete again.
        this.logger.warn({ err: error }, "could not delete a stored session that is not a session");
      }
      return null;
    });
  }

  override set(sid: string, session: SessionData, callback?: Callback): void {
    this.knownExpiries.forget(sid);
    this.answer(callback, () => {
      const expired = this.now() + this.idleTimeoutMs;
      // `persisted` is the store's mark on what it returned, never part of what it keeps.
      const text = JSON.stringify({ ...session, persisted: undefined });
      const loaded = (session as { persisted?: unknown }).persisted === true || this.created.has(session);
      const { homeAccountId, idTokenSid } = indexKeys(session);
      if (loaded) {
        // No row matched: the session was destroyed or expired meanwhile, and stays so.
        this.sql.update.run(text, expired, homeAccountId, idTokenSid, sid, this.now());
        return undefined;
      }
      try {
        this.sql.insert.run(sid, text, expired, homeAccountId, idTokenSid);
      } catch (error) {
        if ((error as { code?: unknown }).code !== "SQLITE_CONSTRAINT_PRIMARYKEY") throw error;
        // Ids are 24 random bytes: a clash means a bug or a forged id, never a session to overwrite.
        throw new Error("a new session's id is already stored", { cause: error });
      }
      this.created.add(session);
      return undefined;
    });
  }

  override touch(sid: string, session: SessionData, callback?: Callback): void {
    // Answered at once, not on the next turn: express-session holds back the response's last byte
    // until the touch answers, which would send every page in two writes (two packets).
    this.answerAtOnce(callback, () => {
      const now = this.now();
      // The row was written or touched moments ago (as this request's read saw): no statement at all.
      if (this.knownExpiries.touchIsNeedless(sid, now)) return undefined;
      // The index columns too: the same values for a session written by this version, filled in for
      // one that was not (a row of another instance still on an older version).
      const { homeAccountId, idTokenSid } = indexKeys(session);
      const expired = now + this.idleTimeoutMs;
      // Without a read to go by, the statement itself leaves a row touched within the interval alone.
      this.sql.touch.run({
        expired,
        homeAccountId,
        idTokenSid,
        sid,
        now,
        extendFrom: expired - this.knownExpiries.intervalMs,
      });
      return undefined;
    });
  }

  override destroy(sid: string, callback?: Callback): void {
    this.knownExpiries.forget(sid);
    this.answer(callback, () => {
      this.sql.delete.run(sid);
      return undefined;
    });
  }

  override length(callback: (err: unknown, length?: number) => void): void {
    this.answer(callback, () => this.countLive());
  }

  /** Live (unexpired) sessions: one `count(*)` over the `expired` index. */
  countLive(): number {
    return (this.sql.count.get(this.now()) as { n: number }).n;
  }

  override clear(callback?: Callback): void {
    this.answer(callback, () => {
      this.sql.clear.run();
      return undefined;
    });
  }

  /** The index (SessionIndex): live sessions, found by the columns each write fills in. */
  sessionsOf(column: "account" | "idTokenSid", value: string): IndexedSession[] {
    const statement = column === "account" ? this.sql.ofAccount : this.sql.ofIdTokenSid;
    const rows = statement.all(value, this.now()) as { sid: string; sess: string; expired: number }[];
    return rows.flatMap((row) => {
      const data = parseSession(row.sess);
      // A row that is not a session is left to get(), which deletes it when its browser comes back.
      if (!data) return [];
      return [{ sessionId: row.sid, lastSeenAt: row.expired - this.idleTimeoutMs, data }];
    });
  }

  /** Deletes expired rows; they are never served in the meantime. Returns how many went. */
  prune(): number {
    return this.sql.prune.run(this.now()).changes;
  }

  /** For a touch: the statement is synchronous anyway, and so is the answer (see touch). Never throws. */
  private answerAtOnce(callback: Callback | undefined, work: () => undefined): void {
    let failure: unknown;
    try {
      work();
    } catch (error) {
      failure = error;
    }
    callback?.(failure ?? null);
  }

  /** Runs a statement and answers on a later tick, as express-session's own stores do, never throwing. */
  private answer<T>(callback: ((err: unknown, value?: T) => void) | undefined, work: () => T): void {
    let value: T;
    try {
      value = work();
    } catch (error) {
      setImmediate(() => callback?.(error));
      return;
    }
    setImmediate(() => callback?.(null, value));
  }
}

function prepare(db: Database.Database) {
  return {
    select: db.prepare(
      "SELECT sess, expired, home_account_id, id_token_sid FROM sessions WHERE sid = ? AND expired > ?",
    ),
    insert: db.prepare(
      "INSERT INTO sessions (sid, sess, expired, home_account_id, id_token_sid) VALUES (?, ?, ?, ?, ?)",
    ),
    update: db.prepare(
      "UPDATE sessions SET sess = ?, expired = ?, home_account_id = ?, id_token_sid = ? WHERE sid = ? AND expired > ?",
    ),
    ofAccount: db.prepare(
      "SELECT sid, sess, expired FROM sessions WHERE home_account_id = ? AND expired > ?",
    ),
    ofIdTokenSid: db.prepare(
      "SELECT sid, sess, expired FROM sessions WHERE id_token_sid = ? AND expired > ?",
    ),
    touch: db.prepare(
      `UPDATE sessions SET expired = @expired, home_account_id = @homeAccountId, id_token_sid = @idTokenSid
       WHERE sid = @sid AND expired > @now
         AND (expired < @extendFrom OR home_account_id IS NOT @homeAccountId OR id_token_sid IS NOT @idTokenSid)`,
    ),
    delete: db.prepare("DELETE FROM sessions WHERE sid = ?"),
    count: db.prepare("SELECT count(*) AS n FROM sessions WHERE expired > ?"),
    clear: db.prepare("DELETE FROM sessions"),
    prune: db.prepare("DELETE FROM sessions WHERE expired <= ?"),
  };
}

/** What the index keeps of a session: its account's home account id and its ID token's `sid`. */
function indexKeys(session: Partial<SessionData>): {
  homeAccountId: string | null;
  idTokenSid: string | null;
} {
  const account: unknown = (session as { account?: unknown }).account;
  const { homeAccountId, idTokenSid } = (typeof account === "object" && account !== null ? account : {}) as {
    homeAccountId?: unknown;
    idTokenSid?: unknown;
  };
  return {
    homeAccountId: typeof homeAccountId === "string" ? homeAccountId : null,
    idTokenSid: typeof idTokenSid === "string" ? idTokenSid : null,
  };
}

function parseSession(text: string): Partial<SessionData> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const { cookie } = value as { cookie?: unknown };
  return typeof cookie === "object" && cookie !== null ? value : undefined;
}

/** Opens the file and makes it ready; throws SQLite's own error when the path cannot be used. */
function openDatabase(path: string, busyWaitMs: number): Database.Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: busyWaitMs });
  try {
    // WAL with synchronous=NORMAL: a write (the per-request TTL touch) needs no fsync of its own,
    // and a crash can lose at most the last moments of touches, never corrupt the file.
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    // `expired` is epoch ms. The type name stays compatible with files written by connect-session-knex
    // (ISO text in a DATETIME column), whose rows are converted once so their users stay signed in:
    // left as text, they would compare as later than any number and never expire.
    db.exec(`
      CREATE TABLE IF NOT EXISTS sessions (sid TEXT PRIMARY KEY, sess TEXT NOT NULL, expired INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS sessions_expired ON sessions (expired);
    `);
    // The index of sessions by account and by ID-token sid: two columns of the row itself, so they
    // expire and go with it. Added to files made before them (ALTER has no IF NOT EXISTS), and filled
    // in from the sessions already there, so that "sign out everywhere" finds those too.
    const columns = new Set(
      (db.prepare("PRAGMA table_info(sessions)").all() as { name: string }[]).map((c) => c.name),
    );
    for (const column of ["home_account_id", "id_token_sid"]) {
      if (!columns.has(column)) db.exec(`ALTER TABLE sessions ADD COLUMN ${column} TEXT`);
    }
    db.exec(`
      CREATE INDEX IF NOT EXISTS sessions_home_account_id ON sessions (home_account_id);
      CREATE INDEX IF NOT EXISTS sessions_id_token_sid ON sessions (id_token_sid);
      UPDATE sessions SET
          home_account_id = json_extract(sess, '$.account.homeAccountId'),
          id_token_sid = CASE WHEN json_type(sess, '$.account.idTokenSid') = 'text'
            THEN json_extract(sess, '$.account.idTokenSid') END
        WHERE home_account_id IS NULL AND json_valid(sess)
          AND json_type(sess, '$.account.homeAccountId') = 'text';
      UPDATE sessions SET expired = CAST(ROUND((julianday(expired) - 2440587.5) * 86400000) AS INTEGER)
        WHERE typeof(expired) = 'text' AND julianday(expired) IS NOT NULL;
      DELETE FROM sessions WHERE typeof(expired) NOT IN ('integer', 'real');
    `);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A path under a file is ENOTDIR, not ENOENT, so `throwIfNoEntry` alone does not do. */
function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** The operator's words for why `path` failed: the file system's own ("EEXIST") can mislead. */
function reasonFor(path: string, error: unknown): string {
  if (statOrUndefined(path)?.isDirectory()) return "it is a directory, not a file";
  for (let folder = dirname(path); folder !== dirname(folder); folder = dirname(folder)) {
    const found = statOrUndefined(folder);
    if (found && !found.isDirectory()) return `${folder} is a file, not a folder`;
    if (found) break;
  }
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, " ");
}

export function createSqliteSessionStore(
  settings: SessionSettings,
  { logger, pruneIntervalMs = 60_000, now }: SessionStoreOptions,
): SessionStoreHandle {
  const path = settings.sqlitePath;
  const busyWaitMs = Math.max(1, Math.min(MAX_BUSY_WAIT_MS, Math.floor(settings.storeTimeoutMs / 2)));
  let db: Database.Database | undefined;
  let store: SqliteSessionStore;
  try {
    db = openDatabase(path, busyWaitMs);
    store = new SqliteSessionStore(db, { idleTimeoutMs: settings.idleTimeoutMs, logger, now });
    // A real write at start: a read-only file or folder fails here, not on the first sign-in.
    store.prune();
  } catch (error) {
    db?.close();
    throw new SqliteUnavailableError(path, reasonFor(path, error), { cause: error });
  }
  const opened = db;
  const probe = opened.prepare("SELECT 1 FROM sessions LIMIT 1");
  const timer = setInterval(() => {
    try {
      store.prune();
    } catch (error) {
      logger.error({ err: error }, "pruning expired sessions failed");
    }
  }, pruneIntervalMs);
  timer.unref();
  return {
    store,
    index: {
      sessionsOfAccount: async (homeAccountId) => store.sessionsOf("account", homeAccountId),
      sessionsOfIdTokenSid: async (idTokenSid) => store.sessionsOf("idTokenSid", idTokenSid),
    },
    // Reads the table itself, so a dropped table or an unreadable file makes the instance unready.
    ping: async () => {
      probe.get();
    },
    // Exact: SQLite counts the unexpired rows; synchronous, like every call here (MAX_BUSY_WAIT_MS).
    count: async () => ({ sessions: store.countLive(), exact: true }),
    close: async () => {
      clearInterval(timer);
      opened.close();
    },
  };
}
