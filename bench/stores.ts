/**
 * Where each app process of the bench keeps its sessions: a fresh SQLite file in a temporary folder,
 * or a unique key prefix on the Redis at 127.0.0.1:6379. Both are removed at the end. When Redis
 * does not answer, the redis rows are skipped with the reason.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import type { StoreKind } from "./options.js";

const REDIS_DEADLINE_MS = 1_500;

export interface StoreLocation {
  sqlitePath: string;
  redisKeyPrefix: string;
}

export interface PreparedStore {
  /** A place of its own for one app process. */
  location(name: string): StoreLocation;
  cleanup(): Promise<void>;
}

export type PrepareResult = { ok: true; store: PreparedStore } | { ok: false; reason: string };

const tempDirs = new Set<string>();

/** Removes the temporary folders still there (for exits on errors and signals; Redis keys expire by TTL). */
export function removeTempDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

function withDeadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer within ${REDIS_DEADLINE_MS} ms`)),
      REDIS_DEADLINE_MS,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A client of the Redis at `url`, connected and answering (within deadlines), or an error. */
export async function connectRedis(url: string) {
  const client = createClient({ url, disableOfflineQueue: true, socket: { reconnectStrategy: false } });
  client.on("error", () => undefined);
  try {
    await withDeadline(client.connect(), "Redis connect");
    await withDeadline(client.ping(), "Redis PING");
    return client;
  } catch (error) {
    client.destroy();
    throw error;
  }
}

export async function prepareStore(kind: StoreKind, redisUrl: string): Promise<PrepareResult> {
  const dir = mkdtempSync(join(tmpdir(), "entra-bench-"));
  tempDirs.add(dir);
  const prefix = `bench-${randomUUID()}:`;
  const location = (name: string): StoreLocation => ({
    sqlitePath: join(dir, `${name}.sqlite`),
    redisKeyPrefix: `${prefix}${name}:`,
  });
  const removeDir = () => {
    rmSync(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
  };
  if (kind === "sqlite") return { ok: true, store: { location, cleanup: async () => removeDir() } };

  try {
    const probe = await connectRedis(redisUrl);
    probe.destroy();
  } catch (error) {
    removeDir();
    return { ok: false, reason: `Redis at ${redisUrl} does not answer (${String(error)})` };
  }
  return {
    ok: true,
    store: {
      location,
      cleanup: async () => {
        removeDir();
        const client = await connectRedis(redisUrl);
        try {
          // SCAN walks the keyspace once; every key of this run carries the run's unique prefix.
          for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
            if (keys.length > 0) await client.unlink(keys);
          }
        } finally {
          client.destroy();
        }
      },
    },
  };
}
