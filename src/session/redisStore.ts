/**
 * Sessions in Redis (connect-redis 9 on the official `redis` client) for several instances. The
 * client reconnects with capped, jittered backoff; its offline queue is off, so while Redis is away a
 * command fails at once instead of waiting (the guard in guardStore.ts bounds the rest). Start-up
 * fails with a clear message, naming the URL without its password, when Redis cannot be reached.
 */
import { RedisStore } from "connect-redis";
import { createClient } from "redis";
import type { SessionSettings } from "../config/settings.js";
import { RedisUnavailableError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { SessionStoreHandle } from "./createSessionStore.js";
import { withDeadline } from "./withDeadline.js";

export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.href;
}

/** Waits 50 ms, 100 ms, 200 ms … up to 2 s between attempts, with jitter so instances do not align. */
export function reconnectDelayMs(retries: number): number {
  return Math.min(50 * 2 ** retries, 2_000) + Math.floor(Math.random() * 100);
}

export async function createRedisSessionStore(
  settings: SessionSettings,
  logger: Logger,
): Promise<SessionStoreHandle> {
  const timeoutMs = settings.storeTimeoutMs;
  const client = createClient({
    url: settings.redisUrl,
    disableOfflineQueue: true,
    socket: { connectTimeout: timeoutMs, reconnectStrategy: reconnectDelayMs },
  });
  let reported = false;
  client.on("error", (error: unknown) => {
    // node-redis emits an error per failed attempt; one line per outage is enough.
    if (!reported) logger.warn({ err: error, redis: redactUrl(settings.redisUrl) }, "Redis connection error");
    reported = true;
  });
  client.on("ready", () => {
    if (reported) logger.info({ redis: redactUrl(settings.redisUrl) }, "Redis connection restored");
    reported = false;
  });

  try {
    await withDeadline(client.connect(), timeoutMs * 2, "Redis connect");
    await withDeadline(client.ping(), timeoutMs, "Redis PING");
  } catch (error) {
    client.destroy();
    throw new RedisUnavailableError(
      settings.redisUrl,
      error instanceof Error ? error.message : String(error),
    );
  }

  return {
    store: new RedisStore({ client, prefix: settings.redisKeyPrefix }),
    ping: () => withDeadline(client.ping(), timeoutMs, "Redis PING").then(() => undefined),
    close: async () => {
      if (client.isOpen)
        await withDeadline(client.close(), timeoutMs, "Redis close").catch(() => client.destroy());
    },
  };
}
