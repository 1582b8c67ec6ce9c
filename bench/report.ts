/**
 * The bench's results: one JSON document (bench/results/latest.json or --out) and the same figures as
 * a table on stdout.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Breakdown } from "./breakdown.js";
import type { Measurement } from "./measure.js";
import { round } from "./measure.js";
import type { BenchOptions, StoreKind } from "./options.js";

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
      profile: Measurement;
      ceiling: Measurement;
      profileManySessions: Measurement;
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

const loads = (values: number[]) => values.map((v) => v.toFixed(2)).join(" ");
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

function row(store: string, scenario: string, m: Measurement): string[] {
  const p = m.perRequest;
  const failed = m.load.non2xx + m.load.errors + m.load.timeouts + m.counted.non200;
  return [
    store,
    scenario,
    m.sessions.toLocaleString("en-US"),
    fixed(m.load.requestsPerSecond, 0),
    fixed(m.load.latencyMs.p50, 0),
    fixed(m.load.latencyMs.p99, 0),
    fixed(p.identityProviderCalls, 3),
    fixed(p.tokenCalls, 3),
    fixed(p.storeSets, 3),
    fixed(p.storeTouches, 3),
    fixed(p.graphCalls, 3),
    String(failed),
    `${mib(m.memory.rssBeforeBytes)} → ${mib(m.memory.rssAfterBytes)}`,
    `${mib(m.memory.heapUsedBeforeBytes)} → ${mib(m.memory.heapUsedAfterBytes)}`,
  ];
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((r) => r[column]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join("  ");
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

export function formatReport(report: BenchReport): string {
  const header = [
    "store",
    "scenario",
    "sessions",
    "req/s",
    "p50 ms",
    "p99 ms",
    "IdP/req",
    "token/req",
    "sets/req",
    "touch/req",
    "Graph/req",
    "failed",
    "RSS MiB before → after",
    "heap MiB before → after",
  ];
  const rows: string[][] = [header];
  const lines: string[] = [];
  for (const [store, result] of Object.entries(report.stores)) {
    if (result.status === "skipped") {
      lines.push(`${store}: skipped — ${result.reason}`);
      continue;
    }
    const measured: [string, Measurement][] = [
      ["/profile", result.profile],
      ["ceiling", result.ceiling],
      ["/profile", result.profileManySessions],
      ["/profile refresh", result.refresh],
    ];
    for (const [scenario, m] of measured) {
      rows.push(row(store, scenario, m));
      if (m.load.stoppedAtDeadline)
        lines.push(`${store} ${scenario}: WARNING: the run hit its deadline and was cut off`);
      if (!m.counted.settled)
        lines.push(`${store} ${scenario}: WARNING: requests were still running at a snapshot`);
    }
    const r = result.ratios;
    lines.push(
      `${store}: /profile ÷ ceiling: throughput ${r.profileToCeilingThroughput}, p99 ${r.profileToCeilingP99}` +
        ` · ${result.profileManySessions.sessions.toLocaleString("en-US")} ÷ ${result.profile.sessions} sessions:` +
        ` throughput ${r.manyToFewSessionsThroughput}, p99 ${r.manyToFewSessionsP99},` +
        ` calls per request ${r.manyToFewSessionsSameCallsPerRequest ? "the same" : "DIFFER"},` +
        ` RSS after ${r.manyMinusFewSessionsRssAfterMiB >= 0 ? "+" : ""}${r.manyMinusFewSessionsRssAfterMiB} MiB`,
    );
  }
  const s = report.settings;
  if (report.breakdown) lines.push("", ...formatBreakdown(report.breakdown, report.stores));
  return [
    `Bench (${report.mode}): ${report.machine.cpus} CPUs, Node ${report.machine.node}; ${s.connections} connections,` +
      ` ${s.warmupSeconds} s warm-up + ${s.durationSeconds} s per measurement.` +
      ` Load average at start ${loads(report.machine.loadAverageAtStart)}, at end ${loads(report.machine.loadAverageAtEnd)}.`,
    "",
    table(rows),
    "",
    ...lines,
    "",
    ...report.notes.map((note) => `- ${note}`),
    "",
  ].join("\n");
}

/** The breakdown's steps, and the token path's share of a ceiling request measured in this run. */
function formatBreakdown(breakdown: Breakdown, stores: BenchReport["stores"]): string[] {
  const rows = [
    ["step", "µs wall", "µs CPU", "what"],
    ...breakdown.steps.map((step) => [
      step.name,
      fixed(step.wallMicros, 1),
      fixed(step.cpuMicros, 1),
      step.what,
    ]),
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((r) => r[column]!.length)));
  const lines = rows.map((r) =>
    [r[0]!.padEnd(widths[0]!), r[1]!.padStart(widths[1]!), r[2]!.padStart(widths[2]!), r[3]!].join("  "),
  );
  const tokenPath = breakdown.steps.find((step) => step.name === "token path");
  for (const [store, result] of Object.entries(stores)) {
    if (result.status !== "ok" || !tokenPath) continue;
    const ceilingMicros = 1e6 / result.ceiling.load.requestsPerSecond;
    const profileMicros = 1e6 / result.profile.load.requestsPerSecond;
    lines.push(
      `${store}: a ceiling request takes ${fixed(ceilingMicros, 0)} µs of the app process at its throughput, /profile ${fixed(profileMicros, 0)} µs (+${fixed(profileMicros - ceilingMicros, 0)});` +
        ` the token path alone is ${fixed(tokenPath.cpuMicros, 0)} µs CPU; 0.85 × ceiling allows +${fixed(ceilingMicros / 0.85 - ceilingMicros, 0)} µs.`,
    );
  }
  return [
    `Token-path breakdown (${breakdown.iterations} operations per step; cache ${breakdown.cacheBytes} bytes, envelope ${breakdown.envelopeBytes}):`,
    ...lines,
  ];
}
