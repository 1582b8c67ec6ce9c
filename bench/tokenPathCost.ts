/**
 * The bench's primary figure: what the token path (MSAL and the per-request token cache) adds to
 * the app process's CPU time per request, /profile minus the ceiling, measured in the same rounds
 * (bench/rounds.ts). On shared cores a busy neighbour mostly makes requests wait (req/s and latency
 * move with it); the CPU time a request uses moves much less, though still some (a shared core's
 * speed and caches): the rounds spread that over both routes, and the rounds' own spread gives the
 * figure's uncertainty (bench/statistics.ts).
 */
import type { Measurement } from "./measure.js";
import { round } from "./measure.js";
import type { RouteName } from "./protocol.js";
import type { Round } from "./rounds.js";
import { spread, twiceStandardError, verdictOf } from "./statistics.js";
import type { Spread, Verdict } from "./statistics.js";

/** The target: the token path adds at most this share to a ceiling request's CPU time. */
export const TOKEN_PATH_CPU_TARGET = 0.15;

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
  verdict: Verdict;
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

export function tokenPathCostOf(
  profile: Measurement,
  ceiling: Measurement,
  rounds: readonly Round<RouteName>[],
): TokenPathCost {
  const ceilingCpu = ceiling.cpuMicrosPerRequest.app;
  const profileCpu = profile.cpuMicrosPerRequest.app;
  const share = (profileCpu - ceilingCpu) / ceilingCpu;
  const shares = rounds.map(({ figures: f }) => {
    const ceilingInRound = f.ceiling.appCpuMicrosPerRequest;
    return (f.profile.appCpuMicrosPerRequest - ceilingInRound) / ceilingInRound;
  });
  const uncertainty = twiceStandardError(shares);
  return {
    ceilingCpuMicros: round(ceilingCpu, 1),
    profileCpuMicros: round(profileCpu, 1),
    tokenPathCpuMicros: round(profileCpu - ceilingCpu, 1),
    shareOfCeiling: round(share, 4),
    shareUncertainty: round(uncertainty, 4),
    target: TOKEN_PATH_CPU_TARGET,
    met: share <= TOKEN_PATH_CPU_TARGET,
    verdict: verdictOf(share, uncertainty, TOKEN_PATH_CPU_TARGET),
    tenantControlShare: round(profile.cpuMicrosPerRequest.tenant / ceiling.cpuMicrosPerRequest.tenant - 1, 4),
    roundShares: spread(shares, 4),
    roundThroughputRatios: spread(
      rounds.map(({ figures: f }) => f.profile.requestsPerSecond / f.ceiling.requestsPerSecond),
      3,
    ),
  };
}
