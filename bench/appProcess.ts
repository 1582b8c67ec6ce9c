/**
 * The parent's handle on bench/server.ts (the app in a child process, so that autocannon, in the
 * bench process, never shares the app's event loop, and the app's CPU time is its own).
 */
import { startChild } from "./child.js";
import type { AppProcessOptions, AppReady, AppRequest, AppSnapshot } from "./protocol.js";

export interface AppProcess {
  pid: number;
  baseUrl: string;
  /** Where each measured route is served (see AppReady). */
  routeUrls: AppReady["routeUrls"];
  /** The environment the app's settings were loaded from. */
  env: Record<string, string>;
  snapshot(options: { gc: boolean }): Promise<AppSnapshot>;
  setCeilingToken(token: string): Promise<void>;
  startCpuProfile(): Promise<void>;
  /** Writes the profile recorded since startCpuProfile to `path` (in the app process). */
  stopCpuProfile(path: string): Promise<void>;
  close(): Promise<void>;
}

export async function startAppProcess(options: AppProcessOptions): Promise<AppProcess> {
  const child = await startChild<AppRequest, AppReady>("app", "./server.ts", {
    BENCH_APP: JSON.stringify(options),
  });
  const call = async (request: AppRequest) => {
    await child.request(request);
  };
  return {
    pid: child.pid,
    baseUrl: child.ready.baseUrl,
    routeUrls: child.ready.routeUrls,
    env: child.ready.env,
    snapshot: ({ gc }) => child.request<AppSnapshot>({ type: "snapshot", gc }),
    setCeilingToken: (token) => call({ type: "setCeilingToken", token }),
    startCpuProfile: () => call({ type: "startCpuProfile" }),
    stopCpuProfile: (path) => call({ type: "stopCpuProfile", path }),
    close: () => child.close(),
  };
}
