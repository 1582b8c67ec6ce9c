/**
 * The bench's primary figure: what the token path (MSAL and the per-request token cache) adds to
 * the app process's CPU time per request, /profile minus the ceiling, measured in the same
 * alternating rounds. On shared cores a busy neighbour mostly makes requests wait (req/s and
 * latency move with it); the CPU time a request uses moves much less (caches and a shared core's
 * speed still move it a little, and the alternating rounds spread that over both routes).
 */
import type { Measurement, PairRound } from "./measure.js";
import { round } from "./measure.js";

/** The target: the token path adds at most this share to a ceiling request's CPU time. */
export const TOKEN_PATH_CPU_TARGET = 0.15;

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export interface TokenPathCost {
  /** App process CPU (user + system) per request, µs, all rounds together. */
  ceilingCpuMicros: number;
  profileCpuMicros: number;
  /** /profile − ceiling. */
  tokenPathCpuMicros: number;
  /** tokenPathCpuMicros ÷ ceilingCpuMicros. */
  shareOfCeiling: number;
  target: number;
  met: boolean;
  /** The share computed in each round alone (a /profile run and the ceiling run next to it). */
  roundShares: Spread;
  /** /profile req/s ÷ ceiling req/s in each round alone (the old headline ratio), for comparison. */
  roundThroughputRatios: Spread;
}

function spread(values: number[], digits: number): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median =
    sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return {
    min: round(sorted[0] ?? Number.NaN, digits),
    median: round(median, digits),
    max: round(sorted.at(-1) ?? Number.NaN, digits),
  };
}

export function tokenPathCostOf(
  profile: Measurement,
  ceiling: Measurement,
  rounds: PairRound[],
): TokenPathCost {
  const ceilingCpu = ceiling.cpuMicrosPerRequest.app;
  const profileCpu = profile.cpuMicrosPerRequest.app;
  const share = (profileCpu - ceilingCpu) / ceilingCpu;
  return {
    ceilingCpuMicros: round(ceilingCpu, 1),
    profileCpuMicros: round(profileCpu, 1),
    tokenPathCpuMicros: round(profileCpu - ceilingCpu, 1),
    shareOfCeiling: round(share, 4),
    target: TOKEN_PATH_CPU_TARGET,
    met: share <= TOKEN_PATH_CPU_TARGET,
    roundShares: spread(
      rounds.map(
        (r) =>
          (r.profile.appCpuMicrosPerRequest - r.ceiling.appCpuMicrosPerRequest) /
          r.ceiling.appCpuMicrosPerRequest,
      ),
      4,
    ),
    roundThroughputRatios: spread(
      rounds.map((r) => r.profile.requestsPerSecond / r.ceiling.requestsPerSecond),
      3,
    ),
  };
}
