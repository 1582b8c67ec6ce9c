/**
 * `npm run bench [-- --smoke] [-- --out file]`: for each session store (SQLite, Redis), starts the
 * app and the local tenant in child processes, signs accounts in through the real flow, drives load
 * with autocannon from this process and counts, in the child processes, what each request costs —
 * first of all the app process's CPU time: /profile against the ceiling, home against the bare page,
 * each layer of home. Prints tables and writes the same figures as JSON. `--smoke` is the short run CI uses. See bench/README.md.
 */
import { cpus, loadavg } from "node:os";
import { measureBreakdown } from "./breakdown.js";
import { killAllChildren } from "./child.js";
import { formatReport } from "./format.js";
import { parseBenchOptions } from "./options.js";
import type { BenchOptions } from "./options.js";
import { layerCostsOf, PAGE_CPU_RATIO_TARGET, pageRatiosOf } from "./pageCosts.js";
import { ROUTES } from "./protocol.js";
import { ratiosOf, writeReport } from "./report.js";
import type { BenchReport, StoreResult } from "./report.js";
import { runRefreshScenario, runWarmScenarios } from "./scenarios.js";
import { memoryAtRestOf } from "./storageAtRest.js";
import { prepareStore, removeTempDirs } from "./stores.js";
import { TOKEN_PATH_CPU_TARGET, tokenPathCostOf } from "./tokenPathCost.js";
import type { StoreKind } from "./options.js";

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

async function benchStore(store: StoreKind, options: BenchOptions): Promise<StoreResult> {
  const prepared = await prepareStore(store, options.redisUrl);
  if (!prepared.ok) {
    progress(`${store}: skipped — ${prepared.reason}`);
    return { status: "skipped", reason: prepared.reason };
  }
  try {
    const ctx = { store, options, location: (name: string) => prepared.store.location(name) };
    progress(
      `${store}: ${ROUTES.length} page routes (${options.fewSessions} sessions, ${options.rounds} rounds), /profile (${options.manySessions} sessions)`,
    );
    const { pages, rounds, profileManySessions, storedSessions, copies } = await runWarmScenarios(ctx);
    progress(`${store}: refresh path (${options.refreshSessions} sessions)`);
    const refresh = await runRefreshScenario(ctx);
    return {
      status: "ok",
      tokenPath: tokenPathCostOf(pages.profile, pages.ceiling, rounds),
      pages,
      rounds,
      pageRatios: pageRatiosOf(pages, rounds),
      layers: layerCostsOf(pages, rounds),
      profileManySessions,
      refresh,
      ratios: ratiosOf(pages.profile, pages.ceiling, profileManySessions),
      memoryAtRest: memoryAtRestOf(storedSessions, copies, pages.profile, profileManySessions),
    };
  } finally {
    await prepared.store.cleanup();
  }
}

function notesFor(options: BenchOptions): string[] {
  const copies = options.manySessions - options.fewSessions;
  const percent = Math.round(TOKEN_PATH_CPU_TARGET * 100);
  return [
    `Primary figure: user + system CPU time of the app process (process.cpuUsage(), every thread: main, GC helpers, libuv pool) between snapshots taken with no request running, divided by the requests the app handled. All ${ROUTES.length} page routes run in ${options.rounds} rounds of ${options.roundSeconds} s per route on the same process, each route once per round, the order rotating and reversing from round to round (each route as often early as late); token path = /profile − ceiling; share = token path ÷ ceiling; target ≤ ${percent} %. ± = twice the standard error of the rounds' shares (about 95 % of equally noisy runs land within it); the verdict is "within noise" when that range straddles the target. Control: the local tenant's CPU per request during /profile runs against ceiling runs; its work per request is the same, so a difference is the machine and the load level (slower runs amortize less per request), which is in the app's share too. Per round: the share and the req/s ratio of each round's /profile and ceiling runs alone, to show how much each moves.`,
    `Pages: every page route is served by the same app process to the same ${options.fewSessions} signed-in sessions; each app listens on a port of its own, on a server made as production's (createAppServer). home and /profile are served by the app as production composes it; bare = a tiny Express app with only the app's session middleware on the same counted store, an account check and a constant body; home = GET / of the app; home-without-<layer> = GET / of another composeApp with that layer off (createApp's layersOff), or for rendering the app with res.render replaced by sending the home page's bytes. Ratios: app CPU per request ÷ the reference's, all rounds together, ± twice the standard error of the rounds' ratios; targets: home ÷ bare ≤ ${PAGE_CPU_RATIO_TARGET}, /profile ÷ ceiling ≤ ${PAGE_CPU_RATIO_TARGET}. Layer cost = home − home without the layer (± from the rounds' differences); rest = home − bare − every layer's cost (the layers need not add up exactly).`,
    `Memory at rest (the many-sessions row): the store's bytes per signed-in account = (used bytes after − before writing the ${copies.toLocaleString("en-US")} copies) ÷ copies. SQLite: (page_count − freelist_count) × page_size, rows and indexes; Redis: the sum of MEMORY USAGE over every key under the app's prefix (sessions and index sets). The app process: RSS and heapUsed after a forced GC, many-sessions run − page rounds, ÷ copies: the heap's is about 0 (the app keeps no session in memory between requests); RSS moves by tens of MiB either way from run to run (the allocator), so its figure per account is noise.`,
    "Instruction counts are not measured: this VM has no PMU (perf stat: instructions <not supported>; the kernel logs 'PMU not available due to virtualization').",
    "The local tenant (identity provider and Graph stand-in: an RS256 verification and the TLS server side of every Graph call) runs in a process of its own, so the app's CPU is the app's alone; its CPU per request is shown in 'tenant CPU µs/req'. autocannon runs in the bench process. All three share the machine's cores.",
    `The ${options.manySessions.toLocaleString("en-US")}-session /profile row: ${options.fewSessions} real sign-ins plus ${copies.toLocaleString("en-US")} copies of those sessions written through the store under fresh random ids; each copy carries a copy of a real, encrypted MSAL cache (account, ID token, access token, refresh token).`,
    "ceiling: another composeApp of the same process (same session store and Graph stand-in), with one route mounted by createApp behind the same request log and id, metrics, security headers, session middleware and absolute-timeout check; reads the session, checks the account, calls Graph with one fixed access token and renders the same page. It skips only MSAL and the token-cache middleware.",
    `Token-path breakdown: measured in the bench process before the load runs (app and local tenant in-process, one real sign-in), ${options.breakdownIterations} operations per step after a warm-up; mean wall and CPU microseconds per operation.`,
    `Warm rows: access tokens live ${options.accessTokenLifetimeSeconds} s. Refresh row: the tenant issues ${options.refreshAccessTokenLifetimeSeconds} s access tokens, which MSAL treats as expired (300 s early), so each request redeems the refresh token and writes the session.`,
    "Per-request columns are counted in the child processes during the measured runs: IdP = discovery + token-endpoint calls received by the local tenant, token = token-endpoint calls, sets/touch = session-store calls, Graph = /v1.0/me calls received by the Graph stand-in; divided by the requests of that route the app handled.",
    `The app process runs with NODE_ENV=test (production forbids http redirect URIs and the local tenant); the ceiling renders with the app's own view-cache setting. App log level: ${options.logLevel} (server.ts defaults to info: one line per request, written to a pipe the bench drains). A browser's page view also loads /profile/photo (cached by the browser for 300 s), which is not measured here.`,
    "Latencies: of 2xx responses as autocannon times them, nearest rank over every response of the measurement (all rounds together). failed = non-2xx, errors and timeouts seen by autocannon plus non-200 responses counted by the app. RSS and heap: the app process's process.memoryUsage() rss and heapUsed after a forced GC, before the warm-up and after the measured run(s) (page routes: of all rounds together).",
  ];
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  const cpu = cpus();
  const { out, stores, mode, ...settings } = options;
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    mode,
    machine: {
      node: process.version,
      platform: process.platform,
      cpus: cpu.length,
      cpuModel: cpu[0]?.model ?? "",
      loadAverageAtStart: loadavg(),
      loadAverageAtEnd: [],
    },
    settings,
    notes: notesFor(options),
    stores: {},
  };
  progress(`token-path breakdown (${options.breakdownIterations} operations per step)`);
  report.breakdown = await measureBreakdown(options.breakdownIterations);
  for (const store of stores) report.stores[store] = await benchStore(store, options);
  report.machine.loadAverageAtEnd = loadavg();
  writeReport(out, report);
  process.stdout.write(formatReport(report));
  process.stdout.write(`Written to ${out}\n`);
}

function cleanUpAtExit(): void {
  killAllChildren();
  removeTempDirs();
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    cleanUpAtExit();
    process.exit(130);
  });
}
process.on("exit", cleanUpAtExit);

main().catch((error: unknown) => {
  cleanUpAtExit();
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
