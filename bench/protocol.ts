/**
 * What the bench's parent (bench/run.ts) and its app process (bench/server.ts) say to each other
 * over Node's IPC channel. Everything is plain JSON.
 */
import type { LocalTenantCounters } from "local-entra";

/** How the parent asks for an app process (passed in the BENCH_APP environment variable). */
export interface AppProcessOptions {
  store: "sqlite" | "redis";
  sqlitePath: string;
  redisUrl: string;
  redisKeyPrefix: string;
  sessionSecret: string;
  tokenCacheKeys: string;
  accessTokenLifetimeSeconds: number;
  /** The app's log level (its lines go to the bench, which keeps the last ones for error reports). */
  logLevel: string;
}

export type RouteName = "profile" | "ceiling";

export interface RouteCounts {
  /** Requests the app has handled to the end (any status, also when the client had gone). */
  handled: number;
  /** Of those, responses whose status was not 200. */
  non200: number;
  /** Of those, requests whose connection had closed before the app answered. */
  aborted: number;
}

export interface StoreCounts {
  get: number;
  set: number;
  touch: number;
  destroy: number;
}

export interface AppSnapshot {
  tenant: LocalTenantCounters;
  store: StoreCounts;
  routes: Record<RouteName, RouteCounts>;
  memory: { rss: number; heapUsed: number };
  /** False when requests were still running when the snapshot was taken (after a bounded wait). */
  idle: boolean;
}

export type ParentRequest =
  | { id: number; type: "snapshot"; gc: boolean }
  | { id: number; type: "setCeilingToken"; token: string }
  | { id: number; type: "startCpuProfile" }
  | { id: number; type: "stopCpuProfile"; path: string }
  | { id: number; type: "close" };

export interface ReadyMessage {
  type: "ready";
  baseUrl: string;
  /** The local tenant's certificate, for the parent's sign-in client. */
  caCertificatePem: string;
  /** The environment the app's settings were loaded from (the parent loads the same settings). */
  env: Record<string, string>;
}

export type ChildMessage =
  | ReadyMessage
  | { type: "reply"; id: number; result?: unknown; error?: string }
  | { type: "failed"; error: string };
