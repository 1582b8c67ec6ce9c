/**
 * A redis-server of the test's own, on a free loopback port, that the test can stop (saving its data,
 * as a restart with persistence would keep it), start again, freeze (SIGSTOP) and thaw.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import { freePort } from "./freePort.js";

export interface OwnRedis {
  url: string;
  start(): Promise<void>;
  /** SHUTDOWN SAVE: the data is written to disk and loaded again by start(). */
  stop(): Promise<void>;
  freeze(): void;
  thaw(): void;
  dispose(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "own-redis-"));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  async function waitUntilAnswering(): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const probe = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 200 } });
      probe.on("error", () => undefined);
      try {
        await probe.connect();
        await probe.ping();
        await probe.close();
        return;
      } catch {
        // A probe whose connection failed is already closed; destroying it again would throw.
        if (probe.isOpen) probe.destroy();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    throw new Error(`redis-server on ${url} did not start`);
  }

  const own: OwnRedis = {
    url,
    async start() {
      child = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"],
        { stdio: "ignore" },
      );
      try {
        await waitUntilAnswering();
      } catch (error) {
        // A server that never answered must not outlive the test (it would keep the process alive).
        child.kill("SIGKILL");
        throw error;
      }
    },
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null) return;
      const exited = once(running, "exit");
      const admin = createClient({ url, socket: { reconnectStrategy: false } });
      admin.on("error", () => undefined); // the server closes the socket as it shuts down
      await admin.connect();
      await admin.sendCommand(["SHUTDOWN", "SAVE"]).catch(() => undefined);
      if (admin.isOpen) admin.destroy();
      await exited;
    },
    freeze: () => void child?.kill("SIGSTOP"),
    thaw: () => void child?.kill("SIGCONT"),
    async dispose() {
      if (child && child.exitCode === null) {
        child.kill("SIGCONT");
        child.kill("SIGKILL");
        await once(child, "exit");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await own.start();
  return own;
}
