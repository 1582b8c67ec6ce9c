/**
 * "Fast on every page": each page route's CPU per request against its reference, and what each layer
 * of the home page costs, from the page rounds (bench/rounds.ts). A figure is all rounds together
 * (sums of CPU time ÷ sums of requests); its ± is twice the standard error of the same figure computed
 * in each round alone (bench/statistics.ts), as for the token path.
 */
import type { Measurement } from "./measure.js";
import { round } from "./measure.js";
import { homeWithout, LAYERS_OFF, ROUTES } from "./protocol.js";
import type { BenchLayer, RouteName } from "./protocol.js";
import type { Round } from "./rounds.js";
import { spread, twiceStandardError, verdictOf } from "./statistics.js";
import type { Spread, Verdict } from "./statistics.js";

/** The target of the pages that have one: at most this many times their reference's CPU per request. */
export const PAGE_CPU_RATIO_TARGET = 1.3;

/**
 * What each route is compared with: home with the smallest page the same stack serves (bare), /profile
 * with its ceiling (the token path included), the ceiling with bare (what a Graph call and the profile
 * page add), home without a layer with home.
 */
const REFERENCES: Partial<Record<RouteName, { reference: RouteName; target?: number }>> = {
  home: { reference: "bare", target: PAGE_CPU_RATIO_TARGET },
  profile: { reference: "ceiling", target: PAGE_CPU_RATIO_TARGET },
  ceiling: { reference: "bare" },
  ...Object.fromEntries(LAYERS_OFF.map((layer) => [homeWithout(layer), { reference: "home" }])),
};

export interface RatioToReference {
  route: RouteName;
  reference: RouteName;
  /** route ÷ reference, app CPU per request, all rounds together. */
  ratio: number;
  /** Twice the standard error of the rounds' ratios. */
  uncertainty: number;
  /** The ratio each round gives alone. */
  roundRatios: Spread;
  /** For home and /profile: PAGE_CPU_RATIO_TARGET, and how the ratio compares with it. */
  target?: number;
  verdict?: Verdict;
}

export type LayerName = BenchLayer | "rest";

export interface LayerCost {
  /**
   * A layer: home − home without it. "rest": home − bare − every layer's cost, what none of the
   * switches reach (Express's routing, the app's other middleware; the layers need not add up).
   */
  layer: LayerName;
  /** App CPU per request, µs, all rounds together. */
  cpuMicros: number;
  cpuMicrosUncertainty: number;
  /** cpuMicros ÷ home's CPU per request. */
  shareOfHome: number;
  shareUncertainty: number;
}

type Pages = Record<RouteName, Measurement>;
type CpuOf = (route: RouteName) => number;

/** A figure from every round alone, and from all rounds together. */
function figure(pages: Pages, rounds: readonly Round<RouteName>[], compute: (cpu: CpuOf) => number) {
  const perRound = rounds.map((r) => compute((route) => r.figures[route].appCpuMicrosPerRequest));
  return {
    value: compute((route) => pages[route].cpuMicrosPerRequest.app),
    perRound,
    uncertainty: twiceStandardError(perRound),
  };
}

export function pageRatiosOf(pages: Pages, rounds: readonly Round<RouteName>[]): RatioToReference[] {
  return ROUTES.flatMap((route) => {
    const compared = REFERENCES[route];
    if (!compared) return [];
    const { reference, target } = compared;
    const ratio = figure(pages, rounds, (cpu) => cpu(route) / cpu(reference));
    return [
      {
        route,
        reference,
        ratio: round(ratio.value, 3),
        uncertainty: round(ratio.uncertainty, 3),
        roundRatios: spread(ratio.perRound, 3),
        ...(target === undefined
          ? {}
          : { target, verdict: verdictOf(ratio.value, ratio.uncertainty, target) }),
      },
    ];
  });
}

export function layerCostsOf(pages: Pages, rounds: readonly Round<RouteName>[]): LayerCost[] {
  const layerCost = (layer: BenchLayer) => (cpu: CpuOf) => cpu("home") - cpu(homeWithout(layer));
  const rest = (cpu: CpuOf) =>
    LAYERS_OFF.reduce((left, layer) => left - layerCost(layer)(cpu), cpu("home") - cpu("bare"));
  const costs: [LayerName, (cpu: CpuOf) => number][] = [
    ...LAYERS_OFF.map((layer): [LayerName, (cpu: CpuOf) => number] => [layer, layerCost(layer)]),
    ["rest", rest],
  ];
  return costs.map(([layer, cost]) => {
    const micros = figure(pages, rounds, cost);
    const share = figure(pages, rounds, (cpu) => cost(cpu) / cpu("home"));
    return {
      layer,
      cpuMicros: round(micros.value, 1),
      cpuMicrosUncertainty: round(micros.uncertainty, 1),
      shareOfHome: round(share.value, 4),
      shareUncertainty: round(share.uncertainty, 4),
    };
  });
}
