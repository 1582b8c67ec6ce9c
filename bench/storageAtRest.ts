/**
 * What signed-in accounts take at rest in the session store, read by the bench's own connection
 * (opened with its seed store, bench/seed.ts, never in the app process). SQLite: the database's used
 * bytes, (page_count − freelist_count) × page_size, which counts rows and every index alike, and
 * the rows' average length(sess). Redis: MEMORY USAGE of every key under the app's prefix (the
 * sessions and the index sets), SCANned with COUNT and pipelined, and the sessions' average STRLEN.
 * bench/scenarios.ts reads it before and after cloning sessions: the difference ÷ the copies is
 * what one more signed-in account takes. With it, what the app process's memory does meanwhile.
 */
import Database from "better-sqlite3";
import type { AppConfig } from "../src/config/settings.js";
import type { Measurement } from "./measure.js";
import { connectRedis } from "./stores.js";

/** Keys asked for per SCAN call (and pipelined per batch). */
const SCAN_COUNT = 1000;

export interface StoredSessions {
  /** SQLite: used pages × page size; Redis: the sum of MEMORY USAGE over every key under the prefix. */
  usedBytes: number;
  /** SQLite: rows; Redis: every key under the prefix (sessions are strings, the index keys sets). */
  keys: number;
  /** Session rows (SQLite) or session strings (Redis). */
  sessions: number;
  /** Of the stored session text: length(sess) (SQLite), STRLEN (Redis). */
  averageSessionLength: number;
}

export interface StorageProbe {
  read(): Promise<StoredSessions>;
  close(): Promise<void>;
}

function openSqliteProbe(path: string): StorageProbe {
  const db = new Database(path, { fileMustExist: true });
  const pragma = (name: string) => db.pragma(name, { simple: true }) as number;
  const rows = db.prepare("SELECT count(*) AS n, coalesce(avg(length(sess)), 0) AS average FROM sessions");
  return {
    read: async () => {
      const { n, average } = rows.get() as { n: number; average: number };
      return {
        usedBytes: (pragma("page_count") - pragma("freelist_count")) * pragma("page_size"),
        keys: n,
        sessions: n,
        averageSessionLength: average,
      };
    },
    close: async () => {
      db.close();
    },
  };
}

async function openRedisProbe(url: string, prefix: string): Promise<StorageProbe> {
  const client = await connectRedis(url);
  const match = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
  /** Runs `each` over every batch of keys under the prefix (of `type` only, if given). */
  const sumOver = async (each: (key: string) => Promise<number | null>, type?: string) => {
    let keys = 0;
    let total = 0;
    for await (const batch of client.scanIterator({ MATCH: match, COUNT: SCAN_COUNT, TYPE: type })) {
      // Commands issued together go out as one pipeline.
      const values = await Promise.all(batch.map(each));
      keys += batch.length;
      total += values.reduce<number>((sum, value) => sum + (value ?? 0), 0);
    }
    return { keys, total };
  };
  return {
    read: async () => {
      const memory = await sumOver((key) => client.memoryUsage(key));
      const strings = await sumOver((key) => client.strLen(key), "string");
      return {
        usedBytes: memory.total,
        keys: memory.keys,
        sessions: strings.keys,
        averageSessionLength: strings.keys > 0 ? strings.total / strings.keys : 0,
      };
    },
    close: async () => client.destroy(),
  };
}

export function openStorageProbe(config: AppConfig): Promise<StorageProbe> {
  const { session } = config;
  return session.store === "sqlite"
    ? Promise.resolve(openSqliteProbe(session.sqlitePath))
    : openRedisProbe(session.redisUrl, session.redisKeyPrefix);
}

export interface MemoryAtRest {
  /** Sessions cloned from the real ones (bench/seed.ts) between `before` and `after`. */
  copies: number;
  store: {
    before: StoredSessions;
    after: StoredSessions;
    /** (after − before) usedBytes ÷ copies: what one more signed-in account takes in the store. */
    bytesPerAccount: number;
    /** after.usedBytes ÷ after.keys (Redis: sessions and index sets alike). */
    averageBytesPerKey: number;
  };
  /**
   * The app process, after a forced GC: the many-sessions run minus the page rounds (few sessions),
   * ÷ copies. The heap's is about 0 (the app keeps no session in memory between requests); RSS moves
   * by tens of MiB either way from run to run (the allocator), so its figure is noise.
   */
  process: { rssBytesPerAccount: number; heapUsedBytesPerAccount: number };
}

export function memoryAtRestOf(
  stored: { before: StoredSessions; after: StoredSessions },
  copies: number,
  few: Measurement,
  many: Measurement,
): MemoryAtRest {
  const perCopy = (bytes: number) => (copies > 0 ? Math.round(bytes / copies) : Number.NaN);
  const { before, after } = stored;
  return {
    copies,
    store: {
      before,
      after,
      bytesPerAccount: perCopy(after.usedBytes - before.usedBytes),
      averageBytesPerKey: after.keys > 0 ? Math.round(after.usedBytes / after.keys) : Number.NaN,
    },
    process: {
      rssBytesPerAccount: perCopy(many.memory.rssAfterBytes - few.memory.rssAfterBytes),
      heapUsedBytesPerAccount: perCopy(many.memory.heapUsedAfterBytes - few.memory.heapUsedAfterBytes),
    },
  };
}
