/**
 * The bench's command line: `npm run bench -- [--smoke] [--out file] [--stores sqlite,redis]
 * [--rounds n] [--round-seconds s] [--duration s] [--warmup s] [--connections n] [--sessions n]
 * [--log-level l] [--cpu-prof]`.
 */
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { projectPaths } from "../src/paths.js";

export type StoreKind = "sqlite" | "redis";

export interface BenchOptions {
  mode: "full" | "smoke";
  out: string;
  stores: StoreKind[];
  connections: number;
  /** Unmeasured load once the refresh row's app process has started. */
  processWarmupSeconds: number;
  /** Unmeasured load on each page route before its rounds, the routes taking turns (bench/rounds.ts). */
  pageWarmupSeconds: number;
  /** Unmeasured load before each of the other measurements. */
  warmupSeconds: number;
  /** Rounds the page routes are measured in (bench/rounds.ts), each route once per round. */
  rounds: number;
  /** Measured time of each route in each round. */
  roundSeconds: number;
  /** Measured time of each of the other measurements (many sessions, refresh). */
  durationSeconds: number;
  /** Signed-in accounts of the page rounds. */
  fewSessions: number;
  /** Sessions of the second /profile measurement (the few real ones plus copies). */
  manySessions: number;
  /** Sessions of the refresh-path measurement (the few real ones plus copies). */
  refreshSessions: number;
  /** Access-token lifetime of the warm runs; the refresh run uses 120 s (always expired for MSAL). */
  accessTokenLifetimeSeconds: number;
  refreshAccessTokenLifetimeSeconds: number;
  redisUrl: string;
  /** The app process's log level: "info" by default, as server.ts runs in production (one line per request). */
  logLevel: string;
  /** Operations per step of the token-path breakdown (bench/breakdown.ts). */
  breakdownIterations: number;
  /** With --cpu-prof: where the app process writes a CPU profile of each measured run. */
  cpuProfileDir: string | undefined;
}

const USAGE =
  "usage: npm run bench -- [--smoke] [--out file] [--stores sqlite,redis] [--rounds n] [--round-seconds s] [--duration s] [--warmup s] [--connections n] [--sessions n] [--log-level l] [--cpu-prof]";

function positive(name: string, text: string | undefined, fallback: number, integer: boolean): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name} must be a positive ${integer ? "integer" : "number"}\n${USAGE}`);
  }
  return value;
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      smoke: { type: "boolean", default: false },
      out: { type: "string" },
      stores: { type: "string" },
      duration: { type: "string" },
      rounds: { type: "string" },
      "round-seconds": { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      sessions: { type: "string" },
      "cpu-prof": { type: "boolean", default: false },
      "log-level": { type: "string" },
    },
    strict: true,
  });
  const smoke = values.smoke === true;
  const stores = (values.stores ?? (smoke ? "sqlite" : "sqlite,redis")).split(",").map((s) => s.trim());
  for (const store of stores) {
    if (store !== "sqlite" && store !== "redis") throw new Error(`unknown store "${store}"\n${USAGE}`);
  }
  const fewSessions = 10;
  const manySessions = positive("sessions", values.sessions, smoke ? 200 : 10_000, true);
  if (manySessions < fewSessions) throw new Error(`--sessions must be at least ${fewSessions}`);
  const out = values.out ?? join(projectPaths().root, "bench", "results", "latest.json");
  return {
    mode: smoke ? "smoke" : "full",
    out,
    stores: [...new Set(stores)] as StoreKind[],
    connections: positive("connections", values.connections, 10, true),
    processWarmupSeconds: smoke ? 0.2 : 8,
    pageWarmupSeconds: smoke ? 0.1 : 3,
    warmupSeconds: positive("warmup", values.warmup, smoke ? 0.2 : 3, false),
    rounds: positive("rounds", values.rounds, smoke ? 2 : 12, true),
    roundSeconds: positive("round-seconds", values["round-seconds"], smoke ? 0.25 : 1, false),
    durationSeconds: positive("duration", values.duration, smoke ? 0.5 : 10, false),
    fewSessions,
    manySessions,
    refreshSessions: smoke ? 50 : 100,
    accessTokenLifetimeSeconds: 3600,
    refreshAccessTokenLifetimeSeconds: 120,
    redisUrl: "redis://127.0.0.1:6379",
    logLevel: values["log-level"] ?? "info",
    breakdownIterations: smoke ? 100 : 5000,
    cpuProfileDir: values["cpu-prof"] === true ? join(dirname(out), "profiles") : undefined,
  };
}
