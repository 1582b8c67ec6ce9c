/**
 * The bench's primary figure: what the token path (MSAL and the per-request token cache) adds to
 * the app process's CPU time per request, /profile minus the ceiling, measured in the same
 * alternating rounds. On shared cores a busy neighbour mostly makes requests wait (req/s and latency
 * move with it); the CPU time a request uses moves much less, though still some (a shared core's
 * speed and caches): the alternating rounds spread that over both routes, and the rounds' own
 * spread gives the figure's uncertainty.
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
  /**
   * About 95 % of runs on an equally busy machine should land within shareOfCeiling ± this: twice
   * the standard error of the rounds' shares (their standard deviation ÷ √rounds).
   */
  shareUncertainty: number;
  target: number;
  /** shareOfCeiling ≤ target. */
  met: boolean;
  /** "met" or "missed" when the whole ± range is on one side of the target, else "within noise". */
  verdict: "met" | "missed" | "within noise";
  /**
   * The control: the local tenant's CPU per request during /profile runs ÷ during ceiling runs − 1.
   * Its work per request is the same for both (one Graph call, one token verification), so anything
   * but 0 is the machine and the load level, not code: slower runs amortize less per request (fewer
   * requests per wake-up and per write), and the same happens in the app. A share whose control is
   * +10 % likely holds several points of that.
   */
  tenantControlShare: number;
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

/** Twice the standard error of the mean of `values` (NaN with fewer than two). */
function twiceStandardError(values: number[]): number {
  if (values.length < 2) return Number.NaN;
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
  return 2 * Math.sqrt(variance / values.length);
}

export function tokenPathCostOf(
  profile: Measurement,
  ceiling: Measurement,
  rounds: PairRound[],
): TokenPathCost {
  const ceilingCpu = ceiling.cpuMicrosPerRequest.app;
  const profileCpu = profile.cpuMicrosPerRequest.app;
  const share = (profileCpu - ceilingCpu) / ceilingCpu;
  const shares = rounds.map(
    (r) =>
      (r.profile.appCpuMicrosPerRequest - r.ceiling.appCpuMicrosPerRequest) /
      r.ceiling.appCpuMicrosPerRequest,
  );
  const uncertainty = twiceStandardError(shares);
  const verdict =
    share + uncertainty <= TOKEN_PATH_CPU_TARGET
      ? "met"
      : share - uncertainty > TOKEN_PATH_CPU_TARGET
        ? "missed"
        : "within noise";
  return {
    ceilingCpuMicros: round(ceilingCpu, 1),
    profileCpuMicros: round(profileCpu, 1),
    tokenPathCpuMicros: round(profileCpu - ceilingCpu, 1),
    shareOfCeiling: round(share, 4),
    shareUncertainty: round(uncertainty, 4),
    target: TOKEN_PATH_CPU_TARGET,
    met: share <= TOKEN_PATH_CPU_TARGET,
    verdict: Number.isFinite(uncertainty) ? verdict : share <= TOKEN_PATH_CPU_TARGET ? "met" : "missed",
    tenantControlShare: round(profile.cpuMicrosPerRequest.tenant / ceiling.cpuMicrosPerRequest.tenant - 1, 4),
    roundShares: spread(shares, 4),
    roundThroughputRatios: spread(
      rounds.map((r) => r.profile.requestsPerSecond / r.ceiling.requestsPerSecond),
      3,
    ),
  };
}
