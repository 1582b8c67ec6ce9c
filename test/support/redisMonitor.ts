/**
 * Counts the commands Redis receives for one key prefix, through MONITOR, so a test can say exactly
 * what the app wrote over the wire. Other clients of the same Redis do not disturb the count.
 */
import { randomUUID } from "node:crypto";
import { createClient } from "redis";

export interface RedisCommandLog {
  /** Commands seen since the last reset, by name (SET, EXPIRE, GET, DEL …). */
  counts(): Promise<Record<string, number>>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function monitorRedis(url: string, prefix: string): Promise<RedisCommandLog> {
  const monitor = createClient({ url });
  const probe = createClient({ url });
  await Promise.all([monitor.connect(), probe.connect()]);
  let seen: string[] = [];
  await monitor.monitor((line: string) => {
    if (line.includes(`"${prefix}`)) seen.push(line);
  });

  /** MONITOR lines arrive in order: once a marker command shows up, everything before it has too. */
  async function flush(): Promise<void> {
    const marker = `${prefix}__marker__${randomUUID()}`;
    await probe.exists(marker);
    for (let i = 0; i < 100 && !seen.some((l) => l.includes(marker)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    seen = seen.filter((l) => !l.includes("__marker__"));
  }

  return {
    async counts() {
      await flush();
      const counts: Record<string, number> = {};
      for (const line of seen) {
        const command = /\] "([A-Za-z]+)"/.exec(line)?.[1]?.toUpperCase() ?? "?";
        counts[command] = (counts[command] ?? 0) + 1;
      }
      return counts;
    },
    async reset() {
      await flush();
      seen = [];
    },
    async close() {
      monitor.destroy();
      await probe.close();
    },
  };
}
