/**
 * The bench's results as one JSON document (bench/results/latest.json or --out); bench/format.ts
 * prints the same figures as tables.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Breakdown } from "./breakdown.js";
import type { Measurement } from "./measure.js";
import { round } from "./measure.js";
import type { BenchOptions, StoreKind } from "./options.js";
import type { LayerCost, RatioToReference } from "./pageCosts.js";
import type { RouteName } from "./protocol.js";
import type { Round } from "./rounds.js";
import type { MemoryAtRest } from "./storageAtRest.js";
import type { TokenPathCost } from "./tokenPathCost.js";

export interface Ratios {
  /** /profile req/s ÷ ceiling req/s (1 = MSAL and the token cache cost nothing). */
  profileToCeilingThroughput: number;
  /** /profile p99 ÷ ceiling p99. */
  profileToCeilingP99: number;
  /** /profile req/s with many sessions ÷ with few (1 = the cost per request does not grow with users). */
  manyToFewSessionsThroughput: number;
  manyToFewSessionsP99: number;
  /** The counted calls per request are the same with many sessions as with few. */
  manyToFewSessionsSameCallsPerRequest: boolean;
  /** RSS after the many-sessions run − RSS after the few-sessions run, in MiB. */
  manyMinusFewSessionsRssAfterMiB: number;
}

export type StoreResult =
  | {
      status: "ok";
      /** The primary figure: the app process's CPU per request, /profile against the ceiling. */
      tokenPath: TokenPathCost;
      /** Every page route (/profile and the ceiling among them), measured in the same rounds. */
      pages: Record<RouteName, Measurement>;
      rounds: Round<RouteName>[];
      /** Each page route's CPU per request against its reference (home ÷ bare, /profile ÷ ceiling, …). */
      pageRatios: RatioToReference[];
      /** What each layer of the home page costs (home − home without it). */
      layers: LayerCost[];
      profileManySessions: Measurement;
      /** Bytes per signed-in account in the store and in the app process (the many-sessions row). */
      memoryAtRest: MemoryAtRest;
      refresh: Measurement;
      ratios: Ratios;
    }
  | { status: "skipped"; reason: string };

export interface BenchReport {
  generatedAt: string;
  mode: BenchOptions["mode"];
  machine: {
    node: string;
    platform: string;
    cpus: number;
    cpuModel: string;
    /** os.loadavg() (1, 5, 15 min) when the bench started and ended: other work on the machine skews figures. */
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  settings: Omit<BenchOptions, "out" | "stores" | "mode">;
  notes: string[];
  /** Each step of the per-request token path timed on its own (bench/breakdown.ts). */
  breakdown?: Breakdown;
  stores: Partial<Record<StoreKind, StoreResult>>;
}

export function ratiosOf(few: Measurement, ceiling: Measurement, many: Measurement): Ratios {
  const calls = (m: Measurement) => {
    const p = m.perRequest;
    return [p.identityProviderCalls, p.tokenCalls, p.graphCalls, p.storeSets, p.storeTouches, p.storeGets];
  };
  const a = calls(few);
  const b = calls(many);
  return {
    profileToCeilingThroughput: round(few.load.requestsPerSecond / ceiling.load.requestsPerSecond, 3),
    profileToCeilingP99: round(few.load.latencyMs.p99 / ceiling.load.latencyMs.p99, 3),
    manyToFewSessionsThroughput: round(many.load.requestsPerSecond / few.load.requestsPerSecond, 3),
    manyToFewSessionsP99: round(many.load.latencyMs.p99 / few.load.latencyMs.p99, 3),
    manyToFewSessionsSameCallsPerRequest: a.every((value, i) => Math.abs(value - b[i]!) < 0.01),
    manyMinusFewSessionsRssAfterMiB: round(
      (many.memory.rssAfterBytes - few.memory.rssAfterBytes) / 2 ** 20,
      1,
    ),
  };
}

export function writeReport(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
