/**
 * `npx tsx bench/profileSummary.ts [report.json] [--by package|function] [--top n]`: where the app
 * process's main thread spends its time in the CPU profiles of a `npm run bench -- --cpu-prof` run,
 * per request, /profile next to the ceiling and the difference (what the token path costs, by
 * place). Self time only, summed over every round's profile and divided by the requests those rounds
 * handled (from the report), leaving out the profiler's own start. GC helper threads are not in a
 * V8 profile (the bench's CPU figures include them); "(garbage collector)" is the main thread's GC.
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { projectPaths } from "../src/paths.js";
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
    options: { by: { type: "string", default: "package" }, top: { type: "string", default: "25" } },
  });
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
      const requests = result.rounds.reduce((sum, r) => sum + r[route].requests, 0);
      return { files: found, requests, time: selfTime(found, by, root) };
    };
    const profile = perRoute("profile");
    const ceiling = perRoute("ceiling");
    if (profile.files.length === 0 || ceiling.files.length === 0) {
      process.stdout.write(`${store}: no profiles in ${dir} (run the bench with --cpu-prof)\n`);
      continue;
    }
    const keys = new Set([...profile.time.keys(), ...ceiling.time.keys()]);
    const rows = [...keys].map((key) => {
      const p = (profile.time.get(key) ?? 0) / profile.requests;
      const c = (ceiling.time.get(key) ?? 0) / ceiling.requests;
      return { key, p, c, d: p - c };
    });
    rows.sort((a, b) => Math.abs(b.d) - Math.abs(a.d));
    const sum = (pick: (r: (typeof rows)[number]) => number) => rows.reduce((s, r) => s + pick(r), 0);
    const idle = rows.find((r) => r.key.startsWith("(idle)"));
    const busy = (pick: (r: (typeof rows)[number]) => number) => sum(pick) - (idle ? pick(idle) : 0);
    const line = (a: string, b: string, c: string, d: string) =>
      `${a.padStart(10)}  ${b.padStart(10)}  ${c.padStart(10)}  ${d}`;
    const f = (v: number) => v.toFixed(1);
    process.stdout.write(
      [
        `${store}: main-thread self time per request, µs (${profile.files.length} + ${ceiling.files.length} profiles, ${profile.requests} /profile and ${ceiling.requests} ceiling requests); busy: /profile ${f(busy((r) => r.p))}, ceiling ${f(busy((r) => r.c))}, +${f(busy((r) => r.d))}`,
        line("/profile", "ceiling", "difference", by),
        ...rows.slice(0, top).map((r) => line(f(r.p), f(r.c), `${r.d >= 0 ? "+" : ""}${f(r.d)}`, r.key)),
        "",
      ].join("\n"),
    );
  }
}

main();
