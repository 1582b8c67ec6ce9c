/**
 * Drives load with autocannon (as a library, in the bench process): `connections` keep-alive
 * connections send GET `path`, each request carrying the next session cookie of the list
 * (setupRequest runs for every request), so the load cycles over all the sessions.
 *
 * A run is a fixed number of requests, not a fixed time: autocannon then closes each connection
 * after its last response, so no request is cut off mid-way. (A duration-bound run destroys the
 * connections with requests in flight; the app would go on handling those requests for clients that
 * are gone, and bench/README.md explains why that distorts the next runs.) bench/measure.ts sizes
 * each run from the rate of the run before it, so that it lasts about the wanted time.
 */
import autocannon from "autocannon";

export interface LoadSpec {
  baseUrl: string;
  path: string;
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
  /** Of 2xx responses, in milliseconds (autocannon's resolution). */
  latencyMs: { mean: number; p50: number; p99: number; max: number };
  /** Response bytes (headers and body) per response: the ceiling's page should match /profile's. */
  bytesPerResponse: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** The run hit its deadline and was stopped. */
  stoppedAtDeadline: boolean;
}

export async function driveLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.cookies.length === 0) throw new Error("no session to drive load with");
  let next = 0;
  let stoppedAtDeadline = false;
  let deadline: NodeJS.Timeout | undefined;
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
    instance.on("response", () => {
      lastResponseAt = performance.now();
    });
    deadline = setTimeout(() => {
      stoppedAtDeadline = true;
      instance.stop();
    }, spec.deadlineSeconds * 1000);
  }).finally(() => clearTimeout(deadline));
  const durationSeconds = (lastResponseAt - startedAt) / 1000;
  return {
    responses: result.requests.total,
    durationSeconds,
    requestsPerSecond: durationSeconds > 0 ? result.requests.total / durationSeconds : 0,
    latencyMs: {
      mean: result.latency.mean,
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    bytesPerResponse:
      result.requests.total > 0 ? Math.round(result.throughput.total / result.requests.total) : 0,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    stoppedAtDeadline,
  };
}
