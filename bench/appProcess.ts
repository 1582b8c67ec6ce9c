/**
 * Starts bench/server.ts in a child process (so that autocannon, in this process, never shares the
 * app's event loop) and talks to it over IPC. Every start and every request has a deadline, and
 * every child is killed when the bench ends, however it ends.
 */
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { projectPaths } from "../src/paths.js";
import type {
  AppProcessOptions,
  AppSnapshot,
  ChildMessage,
  ParentRequest,
  ReadyMessage,
} from "./protocol.js";

const START_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 30_000;
const CLOSE_TIMEOUT_MS = 10_000;
/** The last lines the child wrote, shown when it fails. */
const KEPT_OUTPUT_LINES = 40;

export interface AppProcess extends Omit<ReadyMessage, "type"> {
  pid: number;
  snapshot(options: { gc: boolean }): Promise<AppSnapshot>;
  setCeilingToken(token: string): Promise<void>;
  startCpuProfile(): Promise<void>;
  /** Writes the profile recorded since startCpuProfile to `path` (in the app process). */
  stopCpuProfile(path: string): Promise<void>;
  close(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Kills every app process still running (for exits on errors and signals). */
export function killAllAppProcesses(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

type Pending = { resolve(value: unknown): void; reject(error: Error): void; timer: NodeJS.Timeout };
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

export async function startAppProcess(options: AppProcessOptions): Promise<AppProcess> {
  const child = fork(fileURLToPath(new URL("./server.ts", import.meta.url)), [], {
    cwd: projectPaths().root,
    execArgv: ["--conditions=source", "--import", "tsx", "--expose-gc"],
    env: { ...process.env, NODE_ENV: "test", BENCH_APP: JSON.stringify(options) },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      output.push(...chunk.split("\n").filter((line) => line.trim() !== ""));
      output.splice(0, Math.max(0, output.length - KEPT_OUTPUT_LINES));
    });
  }
  const failure = (what: string) =>
    new Error(`${what}${output.length > 0 ? `\n--- app process output ---\n${output.join("\n")}` : ""}`);

  const pending = new Map<number, Pending>();
  let nextId = 1;
  const ready = new Promise<ReadyMessage>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(failure("the app process did not start in time")),
      START_TIMEOUT_MS,
    );
    child.on("message", (message: ChildMessage) => {
      if (message.type === "ready") {
        clearTimeout(timer);
        resolve(message);
      } else if (message.type === "failed") {
        clearTimeout(timer);
        reject(failure(`the app process failed to start: ${message.error}`));
      } else {
        const call = pending.get(message.id);
        if (!call) return;
        pending.delete(message.id);
        clearTimeout(call.timer);
        if (message.error !== undefined) call.reject(failure(`the app process failed: ${message.error}`));
        else call.resolve(message.result);
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      const error = failure(`the app process exited (code ${code}, signal ${signal})`);
      reject(error);
      for (const call of pending.values()) {
        clearTimeout(call.timer);
        call.reject(error);
      }
      pending.clear();
    });
  });

  const request = <T>(message: WithoutId<ParentRequest>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (!child.connected) {
        reject(failure("the app process is gone"));
        return;
      }
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(failure(`the app process did not answer "${message.type}" in time`));
      }, REQUEST_TIMEOUT_MS);
      pending.set(id, { resolve: (value) => resolve(value as T), reject, timer });
      child.send({ ...message, id });
    });

  let hello: ReadyMessage;
  try {
    hello = await ready;
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    pid: child.pid ?? -1,
    baseUrl: hello.baseUrl,
    caCertificatePem: hello.caCertificatePem,
    env: hello.env,
    snapshot: ({ gc }) => request<AppSnapshot>({ type: "snapshot", gc }),
    setCeilingToken: async (token) => {
      await request({ type: "setCeilingToken", token });
    },
    startCpuProfile: async () => {
      await request({ type: "startCpuProfile" });
    },
    stopCpuProfile: async (path) => {
      await request({ type: "stopCpuProfile", path });
    },
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      const killTimer = setTimeout(() => child.kill("SIGKILL"), CLOSE_TIMEOUT_MS);
      try {
        await request({ type: "close" });
      } catch {
        child.kill("SIGKILL");
      }
      await exited;
      clearTimeout(killTimer);
    },
  };
}
