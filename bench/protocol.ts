/**
 * What the bench's parent (bench/run.ts) and its two child processes — the app (bench/server.ts) and
 * the local tenant (bench/tenantServer.ts) — say to each other over Node's IPC channel (see
 * bench/child.ts). Everything is plain JSON.
 */
import type { LocalTenantClient, LocalTenantCounters } from "local-entra";
import type { SwitchableLayer } from "../src/app.js";

/** Where the local tenant of a run answers, and the certificate to trust for it. */
export interface TenantEndpoints {
  cloudInstance: string;
  tenantId: string;
  graphEndpoint: string;
  caCertificatePem: string;
}

/** How the parent asks for an app process (passed in the BENCH_APP environment variable). */
export interface AppProcessOptions {
  store: "sqlite" | "redis";
  sqlitePath: string;
  redisUrl: string;
  redisKeyPrefix: string;
  sessionSecret: string;
  tokenCacheKeys: string;
  tenant: TenantEndpoints;
  /** The app's log level (its lines go to the bench, which keeps the last ones for error reports). */
  logLevel: string;
}

/** How the parent asks for a tenant process (passed in the BENCH_TENANT environment variable). */
export interface TenantProcessOptions {
  accessTokenLifetimeSeconds: number;
}

/**
 * The header every load request carries (to the address AppReady.routeUrls gives for its route):
 * bench/server.ts counts the request under the route it names.
 */
export const ROUTE_HEADER = "x-bench-route";

/** createApp's switchable layers (its `layersOff` seam), all of them: the compiler checks the list. */
const SWITCHABLE_LAYERS = Object.keys({
  requestLog: true,
  metrics: true,
  securityHeaders: true,
  sessionGuard: true,
  absoluteTimeout: true,
} satisfies Record<SwitchableLayer, true>) as SwitchableLayer[];

/** What the bench switches off one at a time: the app's layers, and rendering (bench/renderingOff.ts). */
export const LAYERS_OFF: readonly BenchLayer[] = [...SWITCHABLE_LAYERS, "rendering"];
export type BenchLayer = SwitchableLayer | "rendering";

/** The home page served by an app with `layer` off. */
export type HomeWithout = `home-without-${BenchLayer}`;
export const homeWithout = (layer: BenchLayer): HomeWithout => `home-without-${layer}`;

export type RouteName = "profile" | "ceiling" | "bare" | "home" | HomeWithout;

/**
 * Every route the page rounds measure, in the order of the first round (bench/rounds.ts rotates it):
 * /profile next to the ceiling, home next to bare and to its variants.
 */
export const ROUTES: readonly RouteName[] = [
  "profile",
  "ceiling",
  "bare",
  "home",
  ...LAYERS_OFF.map(homeWithout),
];

const ROUTE_NAMES: ReadonlySet<string> = new Set(ROUTES);

/** The route a header value names, if it names one. */
export function routeNamed(value: unknown): RouteName | undefined {
  return typeof value === "string" && ROUTE_NAMES.has(value) ? (value as RouteName) : undefined;
}

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

/** process.cpuUsage() of a process (all its threads: main, GC helpers, libuv pool), in µs. */
export interface CpuTime {
  userMicros: number;
  systemMicros: number;
}

export interface AppSnapshot {
  store: StoreCounts;
  routes: Record<RouteName, RouteCounts>;
  /** Sampled once no request was running, before the optional GC. */
  cpu: CpuTime;
  memory: { rss: number; heapUsed: number };
  /** False when requests were still running when the snapshot was taken (after a bounded wait). */
  idle: boolean;
}

export interface TenantSnapshot {
  counters: LocalTenantCounters;
  cpu: CpuTime;
}

export type AppRequest =
  | { type: "snapshot"; gc: boolean }
  | { type: "setCeilingToken"; token: string }
  | { type: "startCpuProfile" }
  | { type: "stopCpuProfile"; path: string }
  | { type: "close" };

export type TenantRequest =
  { type: "registerClient"; client: LocalTenantClient } | { type: "snapshot" } | { type: "close" };

/** A request as it travels: numbered by the parent, answered with the same id. */
export type Numbered<T> = T & { id: number };

export interface ReadyMessage {
  type: "ready";
}

export interface AppReady extends ReadyMessage {
  /** The main app's address (sign-ins, /profile, the ceiling, home). */
  baseUrl: string;
  /** Where each measured route is served: every app of the process listens on a port of its own. */
  routeUrls: Record<RouteName, string>;
  /** The environment the app's settings were loaded from (the parent loads the same settings). */
  env: Record<string, string>;
}

export interface TenantReady extends ReadyMessage, TenantEndpoints {}

export type ChildMessage<Ready extends ReadyMessage> =
  Ready | { type: "reply"; id: number; result?: unknown; error?: string } | { type: "failed"; error: string };
