/**
 * A bench child process (bench/server.ts, the app; bench/tenantServer.ts, the local tenant), started
 * with `node --import tsx` and spoken to over Node's IPC channel: it says "ready" (or "failed") once,
 * then answers each numbered request with a "reply". Every start and every request has a deadline,
 * and every child is killed when the bench ends, however it ends.
 */
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { projectPaths } from "../src/paths.js";
import type { ChildMessage, ReadyMessage } from "./protocol.js";

const START_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 30_000;
const CLOSE_TIMEOUT_MS = 10_000;
/** The last lines the child wrote, shown when it fails. */
const KEPT_OUTPUT_LINES = 40;

export interface Child<Request extends { type: string }, Ready> {
  pid: number;
  ready: Ready;
  request<T>(message: Request): Promise<T>;
  /** Asks the child to close (a `{ type: "close" }` request), then kills it if it has not exited. */
  close(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Kills every child still running (for exits on errors and signals). */
export function killAllChildren(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

type Pending = { resolve(value: unknown): void; reject(error: Error): void; timer: NodeJS.Timeout };

export async function startChild<Request extends { type: string }, Ready extends ReadyMessage>(
  name: string,
  script: string,
  env: Record<string, string>,
): Promise<Child<Request, Ready>> {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
    cwd: projectPaths().root,
    execArgv: ["--conditions=source", "--import", "tsx", "--expose-gc"],
    env: { ...process.env, NODE_ENV: "test", ...env },
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
    new Error(
      `the ${name} process ${what}${output.length > 0 ? `\n--- ${name} process output ---\n${output.join("\n")}` : ""}`,
    );

  const pending = new Map<number, Pending>();
  let nextId = 1;
  const started = new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(failure("did not start in time")), START_TIMEOUT_MS);
    child.on("message", (message: ChildMessage<Ready>) => {
      if (message.type === "ready") {
        clearTimeout(timer);
        resolve(message);
      } else if (message.type === "failed") {
        clearTimeout(timer);
        reject(failure(`failed to start: ${message.error}`));
      } else {
        const call = pending.get(message.id);
        if (!call) return;
        pending.delete(message.id);
        clearTimeout(call.timer);
        if (message.error !== undefined) call.reject(failure(`failed: ${message.error}`));
        else call.resolve(message.result);
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      const error = failure(`exited (code ${code}, signal ${signal})`);
      reject(error);
      for (const call of pending.values()) {
        clearTimeout(call.timer);
        call.reject(error);
      }
      pending.clear();
    });
  });

  const request = <T>(message: Request): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (!child.connected) {
        reject(failure("is gone"));
        return;
      }
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(failure(`did not answer "${message.type}" in time`));
      }, REQUEST_TIMEOUT_MS);
      pending.set(id, { resolve: (value) => resolve(value as T), reject, timer });
      child.send({ ...message, id });
    });

  let ready: Ready;
  try {
    ready = await started;
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    pid: child.pid ?? -1,
    ready,
    request,
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      const killTimer = setTimeout(() => child.kill("SIGKILL"), CLOSE_TIMEOUT_MS);
      try {
        await request({ type: "close" } as Request);
      } catch {
        child.kill("SIGKILL");
      }
      await exited;
      clearTimeout(killTimer);
    },
  };
}

/**
 * The child's side: sends "ready" once `start` resolves (or "failed"), answers each request with
 * `answer`'s result, exits after answering "close", and never outlives the bench.
 */
export function serveParent<Request extends { id: number; type: string }, Ready extends ReadyMessage>(
  start: () => Promise<{ ready: Ready; answer: (request: Request) => Promise<unknown> }>,
): void {
  const send = (message: ChildMessage<Ready>, sent?: () => void) =>
    process.send?.(message, undefined, undefined, () => sent?.());
  process.once("disconnect", () => process.exit(0));
  start().then(
    ({ ready, answer }) => {
      process.on("message", (request: Request) => {
        answer(request).then(
          (result) =>
            send({ type: "reply", id: request.id, result }, () => {
              if (request.type === "close") process.disconnect();
            }),
          (error: unknown) => send({ type: "reply", id: request.id, error: String(error) }),
        );
      });
      send(ready);
    },
    (error: unknown) => {
      const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
      send({ type: "failed", error: reason });
      process.stderr.write(`bench child process failed: ${reason}\n`);
      process.exit(1);
    },
  );
}
