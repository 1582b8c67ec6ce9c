/**
 * Reads and rewrites session rows in the SQLite file directly, as an attacker or a broken store would:
 * the tests use it to corrupt a cache and to prove what is (and is not) stored.
 */
import Database from "better-sqlite3";

/** The session id inside express-session's signed cookie value (`s:<id>.<signature>`). */
export function sessionIdFromCookie(cookieValue: string): string {
  const decoded = decodeURIComponent(cookieValue);
  const match = /^s:([^.]+)\./.exec(decoded);
  if (!match?.[1]) throw new Error(`not a signed session cookie: ${decoded}`);
  return match[1];
}

function withSessions<T>(sqlitePath: string, readonly: boolean, work: (db: Database.Database) => T): T {
  const db = new Database(sqlitePath, { readonly });
  try {
    return work(db);
  } finally {
    db.close();
  }
}

/** The stored JSON text of a session, whether or not it has expired. */
export function rawSessionText(sqlitePath: string, sid: string): string | undefined {
  return withSessions(sqlitePath, true, (db) => {
    const row = db.prepare("SELECT sess FROM sessions WHERE sid = ?").get(sid) as
      { sess: string } | undefined;
    return row?.sess;
  });
}

export function readSessionRow(sqlitePath: string, sid: string): Record<string, unknown> | undefined {
  const text = rawSessionText(sqlitePath, sid);
  return text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
}

/**
 * Whether the row for `sid` exists and has not yet expired at `now` (what the store would still serve;
 * `expired` is epoch ms).
 */
export function isSessionLive(sqlitePath: string, sid: string, now = Date.now()): boolean {
  return withSessions(
    sqlitePath,
    true,
    (db) => db.prepare("SELECT 1 FROM sessions WHERE sid = ? AND expired > ?").get(sid, now) !== undefined,
  );
}

/** Milliseconds the stored session has left at `now`, or undefined when there is no row. */
export function remainingMs(sqlitePath: string, sid: string, now = Date.now()): number | undefined {
  return withSessions(sqlitePath, true, (db) => {
    const row = db.prepare("SELECT expired FROM sessions WHERE sid = ?").get(sid) as
      { expired: number } | undefined;
    return row === undefined ? undefined : row.expired - now;
  });
}

/** Replaces the stored text of `sid` as is (the row keeps its expiry). */
/** Makes the session look last written or touched `ms` earlier: its expiry moves back by `ms`. */
export function ageSession(sqlitePath: string, sid: string, ms: number): void {
  withSessions(sqlitePath, false, (db) => {
    db.prepare("UPDATE sessions SET expired = expired - ? WHERE sid = ?").run(ms, sid);
  });
}

export function writeRawSessionText(sqlitePath: string, sid: string, text: string): void {
  withSessions(sqlitePath, false, (db) => {
    db.prepare("UPDATE sessions SET sess = ? WHERE sid = ?").run(text, sid);
  });
}

export function rewriteSession(
  sqlitePath: string,
  sid: string,
  change: (session: Record<string, unknown>) => void,
): void {
  withSessions(sqlitePath, false, (db) => {
    const row = db.prepare("SELECT sess FROM sessions WHERE sid = ?").get(sid) as
      { sess: string } | undefined;
    if (!row) throw new Error(`no session ${sid}`);
    const session = JSON.parse(row.sess) as Record<string, unknown>;
    change(session);
    db.prepare("UPDATE sessions SET sess = ? WHERE sid = ?").run(JSON.stringify(session), sid);
  });
}
