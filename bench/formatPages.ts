/**
 * The page rounds as text ("Fast on every page"), per store: the Pages table (each route's CPU per
 * request against its reference, with ± and, for home and /profile, the target) and the Layers
 * table (what each layer of home costs); then memory at rest for every store.
 */
import type { Measurement } from "./measure.js";
import type { LayerCost, RatioToReference } from "./pageCosts.js";
import { ROUTES } from "./protocol.js";
import type { RouteName } from "./protocol.js";
import type { BenchReport, StoreResult } from "./report.js";
import { fixed, micros, percent, signed, table } from "./textTable.js";

type Measured = Extract<StoreResult, { status: "ok" }>;

const failuresOf = (m: Measurement) => m.load.non2xx + m.load.errors + m.load.timeouts + m.counted.non200;

function comparedWith(ratio: RatioToReference | undefined): string[] {
  if (!ratio) return ["", "", "", ""];
  const target =
    ratio.target === undefined
      ? ""
      : `≤ ${fixed(ratio.target, 2)}: ${ratio.verdict === "missed" ? "MISSED" : ratio.verdict}`;
  return [ratio.reference, fixed(ratio.ratio, 2), `± ${fixed(ratio.uncertainty, 2)}`, target];
}

function pagesTable(result: Measured): string[] {
  const ratioOf = new Map(result.pageRatios.map((r) => [r.route, r]));
  const row = (route: RouteName) => {
    const m = result.pages[route];
    return [
      route,
      micros(m.cpuMicrosPerRequest.app),
      fixed(m.load.requestsPerSecond, 0),
      fixed(m.load.latencyMs.p50, 1),
      fixed(m.load.latencyMs.p99, 1),
      fixed(m.perRequest.graphCalls, 2),
      String(failuresOf(m)),
      ...comparedWith(ratioOf.get(route)),
    ];
  };
  const header = ["route", "app CPU µs/req", "req/s", "p50 ms", "p99 ms", "Graph/req", "failed"];
  return table(
    [[...header, "÷ reference", "ratio", "± (2 SE)", "target"], ...ROUTES.map(row)],
    (column) => column === 0 || column === header.length,
  );
}

function layersTable(layers: readonly LayerCost[]): string[] {
  const row = (l: LayerCost) => [
    l.layer === "rest" ? "rest (home − bare − layers)" : l.layer,
    signed(micros(l.cpuMicros), l.cpuMicros),
    `± ${micros(l.cpuMicrosUncertainty)}`,
    signed(percent(l.shareOfHome), l.shareOfHome),
    `± ${fixed(l.shareUncertainty * 100, 1)}`,
  ];
  return table(
    [["layer", "µs/req", "± µs (2 SE)", "share of home", "± points (2 SE)"], ...layers.map(row)],
    (column) => column === 0,
  );
}

export function pageLines(report: BenchReport): string[] {
  return Object.entries(report.stores).flatMap(([store, result]) => {
    if (result.status !== "ok") return [];
    return [
      `${store}: pages, ${report.settings.rounds} rounds (app CPU per request, all rounds together; ratio = CPU per request ÷ the reference's):`,
      ...pagesTable(result),
      "",
      `${store}: layers of home (home − home without the layer):`,
      ...layersTable(result.layers),
      "",
    ];
  });
}

export function memoryAtRestLines(report: BenchReport): string[] {
  const rows: string[][] = [
    [
      "store",
      "copies",
      "store bytes/account",
      "avg session length",
      "keys",
      "avg bytes/key",
      "RSS bytes/account",
      "heap bytes/account",
    ],
  ];
  for (const [store, result] of Object.entries(report.stores)) {
    if (result.status !== "ok") continue;
    const { copies, store: stored, process } = result.memoryAtRest;
    rows.push([
      store,
      copies.toLocaleString("en-US"),
      micros(stored.bytesPerAccount),
      micros(stored.after.averageSessionLength),
      stored.after.keys.toLocaleString("en-US"),
      micros(stored.averageBytesPerKey),
      micros(process.rssBytesPerAccount),
      micros(process.heapUsedBytesPerAccount),
    ]);
  }
  if (rows.length === 1) return [];
  return [
    "Memory at rest (many-sessions row): the store's used bytes after − before writing the copies, ÷ copies; the app process's RSS and heap after a forced GC, many-sessions run − page rounds, ÷ copies (heap about 0: no session stays in memory; RSS moves by tens of MiB either way from run to run, allocator noise):",
    ...table(rows, (column) => column === 0),
    "",
  ];
}
