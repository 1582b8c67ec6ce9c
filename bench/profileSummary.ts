/**
 * `npx tsx bench/profileSummary.ts [report.json] [--by package|function] [--top n] [--routes a,b]`:
 * where the app process's main thread spends its time in the CPU profiles of a `npm run bench --
 * --cpu-prof` run, per request, one page route next to another and the difference (by default
 * /profile next to the ceiling: what the token path costs, by place; `--routes home,bare`: what home
 * adds to the bare page; `--routes home,home-without-rendering`: …). Self time only, summed over every round's profile and divided by the requests those rounds
 * handled (from the report), leaving out the profiler's own start. GC helper threads are not in a
 * V8 profile (the bench's CPU figures include them); "(garbage collector)" is the main thread's GC.
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { projectPaths } from "../src/paths.js";
import { routeNamed } from "./protocol.js";
import type { RouteName } from "./protocol.js";
import type { BenchReport } from "./report.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame belongs: an npm package, a project file, a Node module, or V8's own entries. */
function placeOf(frame: ProfileNode["callFrame"], root: string): string {
  const { url, functionName } = frame;
  if (url === "")
    return functionName.startsWith("(") ? functionName : `native ${functionName || "(anonymous)"}`;
  const packageName = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (packageName) return packageName;
  const path = url.replace(/^file:\/\//, "");
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
}

/** Nodes under node:inspector: the profiler starting itself (outside the bench's CPU windows). */
function profilerNodes(profile: CpuProfile): Set<number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const inside = new Set<number>();
  const mark = (id: number, under: boolean) => {
    const node = byId.get(id);
    if (!node) return;
    const here = under || node.callFrame.url === "node:inspector";
    if (here) inside.add(id);
    for (const child of node.children ?? []) mark(child, here);
  };
  mark(profile.nodes[0]?.id ?? -1, false);
  return inside;
}

/** Self time (µs) by place or by function, summed over `files`. */
function selfTime(files: string[], by: "package" | "function", root: string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
    const skipped = profilerNodes(profile);
    const keyOf = new Map(
      profile.nodes.map((node) => {
        const place = placeOf(node.callFrame, root);
        const name = node.callFrame.functionName || "(anonymous)";
        return [node.id, by === "package" ? place : `${name} ${place}:${node.callFrame.lineNumber + 1}`];
      }),
    );
    profile.samples.forEach((id, i) => {
      if (skipped.has(id)) return;
      const key = keyOf.get(id) ?? "?";
      totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
    });
  }
  return totals;
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      by: { type: "string", default: "package" },
      top: { type: "string", default: "25" },
      routes: { type: "string", default: "profile,ceiling" },
    },
  });
  const [first, second, ...extra] = values.routes.split(",").map((name) => routeNamed(name.trim()));
  if (!first || !second || extra.length > 0)
    throw new Error(`--routes takes two page routes, such as profile,ceiling or home,bare`);
  const root = projectPaths().root;
  const reportPath = positionals[0] ?? join(root, "bench", "results", "latest.json");
  const report = JSON.parse(readFileSync(reportPath, "utf8")) as BenchReport;
  const by = values.by === "function" ? "function" : "package";
  const top = Number(values.top);
  const dir = report.settings.cpuProfileDir ?? join(dirname(reportPath), "profiles");
  const files = readdirSync(dir);
  for (const [store, result] of Object.entries(report.stores)) {
    if (result.status !== "ok") continue;
    const perRoute = (route: RouteName) => {
      const prefix = `${store}-${route}-round`;
      const found = files.filter((f) => f.startsWith(prefix)).map((f) => join(dir, f));
      const requests = result.rounds.reduce((sum, r) => sum + r.figures[route].requests, 0);
      return { files: found, requests, time: selfTime(found, by, root) };
    };
    const left = perRoute(first);
    const right = perRoute(second);
    if (left.files.length === 0 || right.files.length === 0) {
      process.stdout.write(
        `${store}: no profiles of ${first} and ${second} in ${dir} (run the bench with --cpu-prof)\n`,
      );
      continue;
    }
    const keys = new Set([...left.time.keys(), ...right.time.keys()]);
    const rows = [...keys].map((key) => {
      const l = (left.time.get(key) ?? 0) / left.requests;
      const r = (right.time.get(key) ?? 0) / right.requests;
      return { key, l, r, d: l - r };
    });
    rows.sort((x, y) => Math.abs(y.d) - Math.abs(x.d));
    type Row = (typeof rows)[number];
    const sum = (pick: (row: Row) => number) => rows.reduce((total, row) => total + pick(row), 0);
    const idle = rows.find((row) => row.key.startsWith("(idle)"));
    const busy = (pick: (row: Row) => number) => sum(pick) - (idle ? pick(idle) : 0);
    const width = Math.max(10, first.length, second.length);
    const line = (...cells: string[]) =>
      [...cells.slice(0, 3).map((cell) => cell.padStart(width)), cells[3]].join("  ");
    const f = (v: number) => v.toFixed(1);
    process.stdout.write(
      [
        `${store}: main-thread self time per request, µs (${left.files.length} + ${right.files.length} profiles, ${left.requests} ${first} and ${right.requests} ${second} requests); busy: ${first} ${f(busy((row) => row.l))}, ${second} ${f(busy((row) => row.r))}, +${f(busy((row) => row.d))}`,
        line(first, second, "difference", by),
        ...rows
          .slice(0, top)
          .map((row) => line(f(row.l), f(row.r), `${row.d >= 0 ? "+" : ""}${f(row.d)}`, row.key)),
        "",
      ].join("\n"),
    );
  }
}

main();
