/**
 * One measurement: memory before (after a GC), a warm-up, the measured run, memory after (after a
 * GC). The per-request figures are COUNTED in the app process between two snapshots taken with no
 * request running: calls the local tenant received, calls the session store received, requests the
 * app handled. Runs are fixed request counts sized from the previous run's rate (see load.ts).
 */
import type { AppProcess } from "./appProcess.js";
import { driveLoad } from "./load.js";
import type { LoadResult } from "./load.js";
import type { AppSnapshot, RouteName } from "./protocol.js";

export interface MeasureSpec {
  route: RouteName;
  path: string;
  cookies: readonly string[];
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Record a CPU profile of the measured run in the app process, written here. */
  cpuProfilePath?: string | undefined;
}

export interface PerRequest {
  /** Discovery + authorization-code + refresh-token calls to the identity provider. */
  identityProviderCalls: number;
  /** Authorization-code + refresh-token calls (the token endpoint). */
  tokenCalls: number;
  graphCalls: number;
  storeSets: number;
  storeTouches: number;
  storeGets: number;
}

export interface Measurement {
  route: RouteName;
  path: string;
  sessions: number;
  connections: number;
  load: LoadResult;
  /** Counted in the app process during the measured run. */
  counted: {
    handledRequests: number;
    non200: number;
    aborted: number;
    identityProviderCalls: number;
    tokenCalls: number;
    graphCalls: number;
    storeSets: number;
    storeTouches: number;
    storeGets: number;
    /** Both snapshots found no request running (else counts may include a straggler). */
    settled: boolean;
  };
  perRequest: PerRequest;
  memory: {
    rssBeforeBytes: number;
    rssAfterBytes: number;
    heapUsedBeforeBytes: number;
    heapUsedAfterBytes: number;
  };
}

const identityProviderCalls = (s: AppSnapshot) =>
  s.tenant.discovery + s.tenant.tokenAuthorizationCode + s.tenant.tokenRefresh;
const tokenCalls = (s: AppSnapshot) => s.tenant.tokenAuthorizationCode + s.tenant.tokenRefresh;

/** Requests per connection of the first, short run that gives the rate the next run is sized from. */
const PROBE_REQUESTS_PER_CONNECTION = 5;

type LoadSpecFor = Pick<MeasureSpec, "path" | "cookies" | "connections">;

function loader(app: AppProcess, spec: LoadSpecFor) {
  const load = (requests: number, seconds: number) =>
    driveLoad({
      baseUrl: app.baseUrl,
      path: spec.path,
      cookies: spec.cookies,
      connections: spec.connections,
      requests,
      deadlineSeconds: Math.max(30, seconds * 5),
    });
  const requestsFor = (rate: number, seconds: number) =>
    Math.max(spec.connections, Math.round(rate * seconds));
  return {
    /** A run of about `seconds`, sized from the rate of `previous`. */
    next: (previous: LoadResult, seconds: number) =>
      load(requestsFor(previous.requestsPerSecond, seconds), seconds),
    /** A short probe, then a run sized from the probe's rate to last about `seconds`. */
    warm: async (seconds: number) => {
      const probe = await load(spec.connections * PROBE_REQUESTS_PER_CONNECTION, seconds);
      return load(requestsFor(probe.requestsPerSecond, seconds), seconds);
    },
  };
}

/** Unmeasured load (JIT, connection pools, caches), so that the first measurement is not the coldest. */
export async function warmUp(app: AppProcess, spec: LoadSpecFor, seconds: number): Promise<void> {
  await loader(app, spec).warm(seconds);
}

export async function measure(app: AppProcess, spec: MeasureSpec): Promise<Measurement> {
  const load = loader(app, spec);
  const before = await app.snapshot({ gc: true });
  const warm = await load.warm(spec.warmupSeconds);
  const start = await app.snapshot({ gc: false });
  if (spec.cpuProfilePath) await app.startCpuProfile();
  const result = await load.next(warm, spec.durationSeconds);
  if (spec.cpuProfilePath) await app.stopCpuProfile(spec.cpuProfilePath);
  const end = await app.snapshot({ gc: true });

  const delta = (pick: (s: AppSnapshot) => number) => pick(end) - pick(start);
  const route = (s: AppSnapshot) => s.routes[spec.route];
  const counted = {
    handledRequests: delta((s) => route(s).handled),
    non200: delta((s) => route(s).non200),
    aborted: delta((s) => route(s).aborted),
    identityProviderCalls: delta(identityProviderCalls),
    tokenCalls: delta(tokenCalls),
    graphCalls: delta((s) => s.tenant.graphMe),
    storeSets: delta((s) => s.store.set),
    storeTouches: delta((s) => s.store.touch),
    storeGets: delta((s) => s.store.get),
    settled: start.idle && end.idle,
  };
  const per = (count: number) =>
    counted.handledRequests === 0 ? Number.NaN : round(count / counted.handledRequests);
  return {
    route: spec.route,
    path: spec.path,
    sessions: spec.cookies.length,
    connections: spec.connections,
    load: result,
    counted,
    perRequest: {
      identityProviderCalls: per(counted.identityProviderCalls),
      tokenCalls: per(counted.tokenCalls),
      graphCalls: per(counted.graphCalls),
      storeSets: per(counted.storeSets),
      storeTouches: per(counted.storeTouches),
      storeGets: per(counted.storeGets),
    },
    memory: {
      rssBeforeBytes: before.memory.rss,
      rssAfterBytes: end.memory.rss,
      heapUsedBeforeBytes: before.memory.heapUsed,
      heapUsedAfterBytes: end.memory.heapUsed,
    },
  };
}

export function round(value: number, digits = 4): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
