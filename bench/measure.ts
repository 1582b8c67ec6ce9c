/**
 * Measurements. Every per-request figure is COUNTED in the child processes between two snapshots
 * taken with no request running: requests the app handled, calls the local tenant and the session
 * store received, and the CPU time (user + system, all threads) the app process and the tenant's
 * process used. Runs are fixed request counts sized from the previous run's rate (see load.ts).
 *
 * `measure`: memory before (after a GC), a warm-up, one measured run, memory after (after a GC).
 * The warm-up must outlast the forced GC's effect (V8's young generation regrows over seconds).
 * Several routes in rounds: bench/rounds.ts, with the building blocks exported here. Every request
 * carries its route's `x-bench-route` header (bench/server.ts serves and counts it by that).
 */
import { driveLoad, summarizeLoad } from "./load.js";
import type { LoadResult, LoadRun } from "./load.js";
import { ROUTE_HEADER } from "./protocol.js";
import type { RouteName } from "./protocol.js";
import type { Snapshot, System } from "./system.js";

export interface MeasureSpec {
  route: RouteName;
  path: string;
  cookies: readonly string[];
  connections: number;
  warmupSeconds: number;
  /** The measured time (in rounds: of each round). */
  durationSeconds: number;
  /**
   * Record a CPU profile of the measured run in the app process, written here (in rounds, one per
   * round: `-round01` etc. before the extension; bench/profileSummary.ts adds them up).
   */
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

/** CPU time per handled request, in µs. */
export interface CpuPerRequest {
  /** The app process: user + system. The primary figure. */
  app: number;
  appUser: number;
  appSystem: number;
  /** The local tenant's process (Graph stand-in and identity provider): not the app's, for reference. */
  tenant: number;
}

export interface Counted {
  handledRequests: number;
  non200: number;
  aborted: number;
  identityProviderCalls: number;
  tokenCalls: number;
  graphCalls: number;
  storeSets: number;
  storeTouches: number;
  storeGets: number;
  appCpuUserMicros: number;
  appCpuSystemMicros: number;
  tenantCpuMicros: number;
  /** Every snapshot found no request running (else counts may include a straggler). */
  settled: boolean;
}

export interface Measurement {
  route: RouteName;
  path: string;
  sessions: number;
  connections: number;
  /** Measured runs taken together (1, or one per round). */
  runs: number;
  load: LoadResult;
  /** Counted in the child processes during the measured run(s). */
  counted: Counted;
  perRequest: PerRequest;
  cpuMicrosPerRequest: CpuPerRequest;
  /** Before the warm-up and after the last measured run (in rounds: of all routes together). */
  memory: {
    rssBeforeBytes: number;
    rssAfterBytes: number;
    heapUsedBeforeBytes: number;
    heapUsedAfterBytes: number;
  };
}

/** Requests per connection of the first, short run that gives the rate the next run is sized from. */
const PROBE_REQUESTS_PER_CONNECTION = 5;

type LoadSpecFor = Pick<MeasureSpec, "route" | "path" | "cookies" | "connections">;

export const rateOf = (run: LoadRun) => (run.durationSeconds > 0 ? run.responses / run.durationSeconds : 0);

export function loader(system: System, spec: LoadSpecFor) {
  const load = (requests: number, seconds: number) =>
    driveLoad({
      baseUrl: system.routeUrls[spec.route],
      path: spec.path,
      headers: { [ROUTE_HEADER]: spec.route },
      cookies: spec.cookies,
      connections: spec.connections,
      requests,
      deadlineSeconds: Math.max(30, seconds * 5),
    });
  const requestsFor = (rate: number, seconds: number) =>
    Math.max(spec.connections, Math.round(rate * seconds));
  return {
    /** A run of about `seconds`, sized from the rate of `previous`. */
    next: (previous: LoadRun, seconds: number) => load(requestsFor(rateOf(previous), seconds), seconds),
    /** A short probe, then a run sized from the probe's rate to last about `seconds`. */
    warm: async (seconds: number) => {
      const probe = await load(spec.connections * PROBE_REQUESTS_PER_CONNECTION, seconds);
      return load(requestsFor(rateOf(probe), seconds), seconds);
    },
  };
}

/** Unmeasured load (JIT, connection pools, caches), so that the first measurement is not the coldest. */
export async function warmUp(system: System, spec: LoadSpecFor, seconds: number): Promise<void> {
  await loader(system, spec).warm(seconds);
}

const identityProviderCalls = (s: Snapshot) =>
  s.tenant.discovery + s.tenant.tokenAuthorizationCode + s.tenant.tokenRefresh;
const tokenCalls = (s: Snapshot) => s.tenant.tokenAuthorizationCode + s.tenant.tokenRefresh;

/** What happened between two snapshots, for one route. */
export function countedBetween(start: Snapshot, end: Snapshot, route: RouteName): Counted {
  const delta = (pick: (s: Snapshot) => number) => pick(end) - pick(start);
  const ofRoute = (s: Snapshot) => s.routes[route];
  return {
    handledRequests: delta((s) => ofRoute(s).handled),
    non200: delta((s) => ofRoute(s).non200),
    aborted: delta((s) => ofRoute(s).aborted),
    identityProviderCalls: delta(identityProviderCalls),
    tokenCalls: delta(tokenCalls),
    graphCalls: delta((s) => s.tenant.graphMe),
    storeSets: delta((s) => s.store.set),
    storeTouches: delta((s) => s.store.touch),
    storeGets: delta((s) => s.store.get),
    appCpuUserMicros: delta((s) => s.cpu.app.userMicros),
    appCpuSystemMicros: delta((s) => s.cpu.app.systemMicros),
    tenantCpuMicros: delta((s) => s.cpu.tenant.userMicros + s.cpu.tenant.systemMicros),
    settled: start.idle && end.idle,
  };
}

export function addCounted(a: Counted, b: Counted): Counted {
  const sum = { ...a };
  for (const key of Object.keys(a) as (keyof Counted)[]) {
    if (key === "settled") sum.settled = a.settled && b.settled;
    else sum[key] = a[key] + b[key];
  }
  return sum;
}

export function measurementOf(
  spec: MeasureSpec,
  runs: LoadRun[],
  counted: Counted,
  before: Snapshot,
  after: Snapshot,
): Measurement {
  const per = (count: number) =>
    counted.handledRequests === 0 ? Number.NaN : round(count / counted.handledRequests);
  return {
    route: spec.route,
    path: spec.path,
    sessions: spec.cookies.length,
    connections: spec.connections,
    runs: runs.length,
    load: summarizeLoad(runs),
    counted,
    perRequest: {
      identityProviderCalls: per(counted.identityProviderCalls),
      tokenCalls: per(counted.tokenCalls),
      graphCalls: per(counted.graphCalls),
      storeSets: per(counted.storeSets),
      storeTouches: per(counted.storeTouches),
      storeGets: per(counted.storeGets),
    },
    cpuMicrosPerRequest: {
      app: per(counted.appCpuUserMicros + counted.appCpuSystemMicros),
      appUser: per(counted.appCpuUserMicros),
      appSystem: per(counted.appCpuSystemMicros),
      tenant: per(counted.tenantCpuMicros),
    },
    memory: {
      rssBeforeBytes: before.memory.rss,
      rssAfterBytes: after.memory.rss,
      heapUsedBeforeBytes: before.memory.heapUsed,
      heapUsedAfterBytes: after.memory.heapUsed,
    },
  };
}

/**
 * One measured run from `start` to `end`. With a CPU profile, the window is opened and closed inside
 * the profile (starting and writing it stay out), and `next` is a snapshot taken after it is written.
 */
export async function measuredRun(
  system: System,
  run: () => Promise<LoadRun>,
  cpuProfilePath: string | undefined,
  current: Snapshot,
): Promise<{ run: LoadRun; start: Snapshot; end: Snapshot; next: Snapshot }> {
  if (!cpuProfilePath) {
    const result = await run();
    const end = await system.snapshot({ gc: false });
    return { run: result, start: current, end, next: end };
  }
  await system.startCpuProfile();
  const start = await system.snapshot({ gc: false });
  const result = await run();
  const end = await system.snapshot({ gc: false });
  await system.stopCpuProfile(cpuProfilePath);
  return { run: result, start, end, next: await system.snapshot({ gc: false }) };
}

export async function measure(system: System, spec: MeasureSpec): Promise<Measurement> {
  const load = loader(system, spec);
  const before = await system.snapshot({ gc: true });
  const warm = await load.warm(spec.warmupSeconds);
  const { run, start, end } = await measuredRun(
    system,
    () => load.next(warm, spec.durationSeconds),
    spec.cpuProfilePath,
    await system.snapshot({ gc: false }),
  );
  const after = await system.snapshot({ gc: true });
  return measurementOf(spec, [run], countedBetween(start, end, spec.route), before, after);
}

export function roundProfilePath(path: string, round: number): string {
  return path.replace(/(\.cpuprofile)?$/, `-round${String(round + 1).padStart(2, "0")}.cpuprofile`);
}

export function round(value: number, digits = 4): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export const round1 = (value: number) => round(value, 1);
