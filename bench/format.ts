/**
 * The bench's report as text: first the primary figure (the app process's CPU time per request,
 * /profile against the ceiling), then per store the pages and the layers of home
 * (bench/formatPages.ts), every other measurement with its secondary figures (req/s, latency,
 * counted calls, memory), the old throughput ratios, memory at rest, the token-path breakdown and the
 * notes.
 */
import type { Breakdown } from "./breakdown.js";
import { memoryAtRestLines, pageLines } from "./formatPages.js";
import type { Measurement } from "./measure.js";
import type { BenchReport } from "./report.js";
import { fixed, micros, mib, percent, signed, spreadOf, table } from "./textTable.js";

const loads = (values: number[]) => values.map((v) => v.toFixed(2)).join(" ");

function primary(report: BenchReport): string[] {
  const rows: string[][] = [
    [
      "store",
      "ceiling µs/req",
      "/profile µs/req",
      "token path µs/req",
      "share of ceiling",
      "± (2 SE)",
      "target",
      "control: tenant Δ",
      "share per round (min … median … max)",
      "req/s ratio per round (min … median … max)",
    ],
  ];
  for (const [store, result] of Object.entries(report.stores)) {
    if (result.status !== "ok") continue;
    const t = result.tokenPath;
    rows.push([
      store,
      micros(t.ceilingCpuMicros),
      micros(t.profileCpuMicros),
      signed(micros(t.tokenPathCpuMicros), t.tokenPathCpuMicros),
      percent(t.shareOfCeiling),
      `± ${fixed(t.shareUncertainty * 100, 1)}`,
      `≤ ${percent(t.target)}: ${t.verdict === "missed" ? "MISSED" : t.verdict}`,
      signed(percent(t.tenantControlShare), t.tenantControlShare),
      spreadOf(t.roundShares, percent),
      spreadOf(t.roundThroughputRatios, (v) => fixed(v, 2)),
    ]);
  }
  if (rows.length === 1) return [];
  return [
    `Primary figure: CPU time of the app process per request (user + system, all threads, µs), /profile and ceiling in the same ${report.settings.rounds} rounds as every page:`,
    ...table(rows, (column) => column === 0),
  ];
}

function row(store: string, scenario: string, m: Measurement): string[] {
  const p = m.perRequest;
  const failed = m.load.non2xx + m.load.errors + m.load.timeouts + m.counted.non200;
  return [
    store,
    scenario,
    m.sessions.toLocaleString("en-US"),
    micros(m.cpuMicrosPerRequest.app),
    fixed(m.load.requestsPerSecond, 0),
    fixed(m.load.latencyMs.p50, 1),
    fixed(m.load.latencyMs.p99, 1),
    fixed(p.identityProviderCalls, 3),
    fixed(p.tokenCalls, 3),
    fixed(p.storeSets, 3),
    fixed(p.storeTouches, 3),
    fixed(p.graphCalls, 3),
    String(failed),
    micros(m.cpuMicrosPerRequest.tenant),
    `${mib(m.memory.rssBeforeBytes)} → ${mib(m.memory.rssAfterBytes)}`,
    `${mib(m.memory.heapUsedBeforeBytes)} → ${mib(m.memory.heapUsedAfterBytes)}`,
  ];
}

function measurements(report: BenchReport): string[] {
  const rows: string[][] = [
    [
      "store",
      "scenario",
      "sessions",
      "app CPU µs/req",
      "req/s",
      "p50 ms",
      "p99 ms",
      "IdP/req",
      "token/req",
      "sets/req",
      "touch/req",
      "Graph/req",
      "failed",
      "tenant CPU µs/req",
      "RSS MiB before → after",
      "heap MiB before → after",
    ],
  ];
  const lines: string[] = [];
  for (const [store, result] of Object.entries(report.stores)) {
    if (result.status === "skipped") {
      lines.push(`${store}: skipped — ${result.reason}`);
      continue;
    }
    const measured: [string, Measurement][] = [
      ["/profile", result.pages.profile],
      ["ceiling", result.pages.ceiling],
      ["/profile", result.profileManySessions],
      ["/profile refresh", result.refresh],
    ];
    for (const [scenario, m] of measured) {
      rows.push(row(store, scenario, m));
      if (m.load.stoppedAtDeadline)
        lines.push(`${store} ${scenario}: WARNING: a run hit its deadline and was cut off`);
      if (!m.counted.settled)
        lines.push(`${store} ${scenario}: WARNING: requests were still running at a snapshot`);
    }
    const r = result.ratios;
    lines.push(
      `${store}: /profile ÷ ceiling: throughput ${r.profileToCeilingThroughput}, p99 ${r.profileToCeilingP99}` +
        ` · ${result.profileManySessions.sessions.toLocaleString("en-US")} ÷ ${result.pages.profile.sessions} sessions:` +
        ` throughput ${r.manyToFewSessionsThroughput}, p99 ${r.manyToFewSessionsP99},` +
        ` calls per request ${r.manyToFewSessionsSameCallsPerRequest ? "the same" : "DIFFER"},` +
        ` RSS after ${signed(String(r.manyMinusFewSessionsRssAfterMiB), r.manyMinusFewSessionsRssAfterMiB)} MiB`,
    );
  }
  return [...(rows.length > 1 ? table(rows, (column) => column < 2) : []), "", ...lines];
}

/** The breakdown's steps, and the token path as measured under load in the app process. */
function breakdownLines(breakdown: Breakdown, stores: BenchReport["stores"]): string[] {
  const rows = [
    ["step", "µs wall", "µs CPU", "what"],
    ...breakdown.steps.map((step) => [
      step.name,
      fixed(step.wallMicros, 1),
      fixed(step.cpuMicros, 1),
      step.what,
    ]),
  ];
  const lines = table(rows, (column) => column === 0 || column === 3);
  const tokenPath = breakdown.steps.find((step) => step.name === "token path");
  for (const [store, result] of Object.entries(stores)) {
    if (result.status !== "ok" || !tokenPath) continue;
    lines.push(
      `${store}: alone, the token path takes ${fixed(tokenPath.cpuMicros, 0)} µs CPU; under load in the app process, /profile takes` +
        ` ${micros(result.tokenPath.tokenPathCpuMicros)} µs more than the ceiling (GC of its garbage included).`,
    );
  }
  return [
    `Token-path breakdown, in the bench process (${breakdown.iterations} operations per step; cache ${breakdown.cacheBytes} bytes, envelope ${breakdown.envelopeBytes}):`,
    ...lines,
  ];
}

export function formatReport(report: BenchReport): string {
  const s = report.settings;
  return [
    `Bench (${report.mode}): ${report.machine.cpus} CPUs, Node ${report.machine.node}; ${s.connections} connections,` +
      ` page routes: ${s.rounds} rounds of ${s.roundSeconds} s per route;` +
      ` other rows: ${s.warmupSeconds} s warm-up + ${s.durationSeconds} s.` +
      ` Load average at start ${loads(report.machine.loadAverageAtStart)}, at end ${loads(report.machine.loadAverageAtEnd)}.`,
    "",
    ...primary(report),
    "",
    ...pageLines(report),
    ...measurements(report),
    "",
    ...memoryAtRestLines(report),
    ...(report.breakdown ? ["", ...breakdownLines(report.breakdown, report.stores)] : []),
    "",
    ...report.notes.map((note) => `- ${note}`),
    "",
  ].join("\n");
}
