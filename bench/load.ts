/**
 * Drives load with autocannon (as a library, in the bench process): `connections` keep-alive
 * connections send GET `path` with `headers`, each request carrying the next session cookie of the
 * list (setupRequest runs for every request), so the load cycles over all the sessions.
 *
 * A run is a fixed number of requests, not a fixed time: autocannon then closes each connection
 * after its last response, so no request is cut off mid-way. (A duration-bound run destroys the
 * connections with requests in flight; the app would go on handling those requests for clients that
 * are gone, and bench/README.md explains why that distorts the next runs.) bench/measure.ts sizes
 * each run from the rate of the run before it, so that it lasts about the wanted time.
 *
 * Latencies are taken from each response as autocannon reports it (fractional milliseconds), so that
 * several runs (the interleaved rounds of bench/measure.ts) can be summarized as one.
 */
import autocannon from "autocannon";

export interface LoadSpec {
  baseUrl: string;
  path: string;
  /** Sent with every request (bench/measure.ts: the route's `x-bench-route`). */
  headers: Readonly<Record<string, string>>;
  /** `Cookie` header values; request n carries cookies[n % cookies.length]. */
  cookies: readonly string[];
  connections: number;
  /** Requests to send in all (at least `connections`). */
  requests: number;
  /** The run is stopped (cutting requests off) if it lasts longer than this. */
  deadlineSeconds: number;
}

export interface LoadResult {
  /** Responses received by autocannon (any status). */
  responses: number;
  durationSeconds: number;
  requestsPerSecond: number;
  /** Of 2xx responses, in milliseconds (nearest rank over every response). */
  latencyMs: { mean: number; p50: number; p99: number; max: number };
  /** Response bytes (headers and body) per response: the ceiling's page should match /profile's. */
  bytesPerResponse: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** The run hit its deadline and was stopped. */
  stoppedAtDeadline: boolean;
}

/** One run as measured; summarizeLoad turns one or more into a LoadResult. */
export interface LoadRun {
  responses: number;
  durationSeconds: number;
  bytes: number;
  /** Of 2xx responses, in milliseconds. */
  latenciesMs: number[];
  non2xx: number;
  errors: number;
  timeouts: number;
  stoppedAtDeadline: boolean;
}

export async function driveLoad(spec: LoadSpec): Promise<LoadRun> {
  if (spec.cookies.length === 0) throw new Error("no session to drive load with");
  let next = 0;
  let stoppedAtDeadline = false;
  let deadline: NodeJS.Timeout | undefined;
  const latenciesMs: number[] = [];
  // autocannon notices the end only at its next sample tick; the run's time ends with its last response.
  const startedAt = performance.now();
  let lastResponseAt = startedAt;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.baseUrl,
        connections: spec.connections,
        amount: Math.max(spec.requests, spec.connections),
        timeout: 10,
        sampleInt: 100,
        requests: [
          {
            method: "GET",
            path: spec.path,
            headers: { ...spec.headers },
            setupRequest: (request) => {
              const cookie = spec.cookies[next % spec.cookies.length]!;
              next += 1;
              return { ...request, headers: { ...request.headers, cookie } };
            },
          },
        ],
      },
      (error: unknown, value) =>
        error
          ? reject(error instanceof Error ? error : new Error("autocannon failed", { cause: error }))
          : resolve(value),
    );
    instance.on("response", (_client, statusCode, _bytes, responseTimeMs) => {
      lastResponseAt = performance.now();
      if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTimeMs);
    });
    deadline = setTimeout(() => {
      stoppedAtDeadline = true;
      instance.stop();
    }, spec.deadlineSeconds * 1000);
  }).finally(() => clearTimeout(deadline));
  return {
    responses: result.requests.total,
    durationSeconds: (lastResponseAt - startedAt) / 1000,
    bytes: result.throughput.total,
    latenciesMs,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    stoppedAtDeadline,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/** One run's figures, or several runs' (of the same route) taken together. */
export function summarizeLoad(runs: readonly LoadRun[]): LoadResult {
  const sum = (pick: (run: LoadRun) => number) => runs.reduce((total, run) => total + pick(run), 0);
  const responses = sum((run) => run.responses);
  const durationSeconds = sum((run) => run.durationSeconds);
  const latencies = runs.flatMap((run) => run.latenciesMs).sort((a, b) => a - b);
  return {
    responses,
    durationSeconds,
    requestsPerSecond: durationSeconds > 0 ? responses / durationSeconds : 0,
    latencyMs: {
      mean: round2(latencies.reduce((total, value) => total + value, 0) / latencies.length),
      p50: round2(percentile(latencies, 50)),
      p99: round2(percentile(latencies, 99)),
      max: round2(latencies.at(-1) ?? Number.NaN),
    },
    bytesPerResponse: responses > 0 ? Math.round(sum((run) => run.bytes) / responses) : 0,
    non2xx: sum((run) => run.non2xx),
    errors: sum((run) => run.errors),
    timeouts: sum((run) => run.timeouts),
    stoppedAtDeadline: runs.some((run) => run.stoppedAtDeadline),
  };
}
