/**
 * The measurements of one session store. Warm: one app process (and its tenant's), 10 real sign-ins;
 * the page routes (/profile, the ceiling, bare, home and home with each layer off) in rounds, then
 * /profile again over the 10 real sessions plus copies up to `manySessions`, and what the store holds
 * before and after those copies were written. Refresh: another app process whose tenant issues
 * 120 s access tokens, so that MSAL (which treats a token as expired 300 s early) redeems the refresh
 * token on every request.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config/loadConfig.js";
import type { AppConfig } from "../src/config/settings.js";
import { CEILING_PATH } from "./ceiling.js";
import { measure, warmUp } from "./measure.js";
import type { Measurement, MeasureSpec } from "./measure.js";
import type { BenchOptions, StoreKind } from "./options.js";
import { ROUTES } from "./protocol.js";
import type { RouteName } from "./protocol.js";
import { measureRounds } from "./rounds.js";
import type { Round } from "./rounds.js";
import { openSeedStore } from "./seed.js";
import type { SeedStore } from "./seed.js";
import { signInSessions } from "./signIn.js";
import type { SignedInSession } from "./signIn.js";
import type { StoredSessions } from "./storageAtRest.js";
import type { StoreLocation } from "./stores.js";
import { startSystem } from "./system.js";
import type { System } from "./system.js";

/** One fixed 32-byte test key, like test/support/testApp.ts: caches are encrypted as in production. */
const TOKEN_CACHE_KEYS = `bench-key:${Buffer.alloc(32, 7).toString("base64")}`;

export interface StoreContext {
  store: StoreKind;
  options: BenchOptions;
  location(name: string): StoreLocation;
}

async function withApp<T>(
  ctx: StoreContext,
  name: string,
  accessTokenLifetimeSeconds: number,
  run: (app: System, config: AppConfig) => Promise<T>,
): Promise<T> {
  const location = ctx.location(name);
  const app = await startSystem({
    store: ctx.store,
    sqlitePath: location.sqlitePath,
    redisUrl: ctx.options.redisUrl,
    redisKeyPrefix: location.redisKeyPrefix,
    sessionSecret: randomBytes(32).toString("base64url"),
    tokenCacheKeys: TOKEN_CACHE_KEYS,
    accessTokenLifetimeSeconds,
    logLevel: ctx.options.logLevel,
  });
  try {
    return await run(app, loadConfig(app.env));
  } finally {
    await app.close();
  }
}

/** The bench's own handle on the app's store, open only while it is used. */
async function withSeedStore<T>(config: AppConfig, use: (seed: SeedStore) => Promise<T>): Promise<T> {
  const seed = await openSeedStore(config);
  try {
    return await use(seed);
  } finally {
    await seed.close();
  }
}

function specFor(
  ctx: StoreContext,
  scenario: string,
  route: RouteName,
  path: string,
  sessions: SignedInSession[],
  durationSeconds = ctx.options.durationSeconds,
): MeasureSpec {
  const { options } = ctx;
  const profileDir = options.cpuProfileDir;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  return {
    route,
    path,
    cookies: sessions.map((s) => s.cookie),
    connections: options.connections,
    warmupSeconds: options.warmupSeconds,
    durationSeconds,
    cpuProfilePath: profileDir ? join(profileDir, `${ctx.store}-${scenario}.cpuprofile`) : undefined,
  };
}

/** Where each page route's requests go (bench/server.ts picks the app by the route's header). */
function pathOf(route: RouteName): string {
  if (route === "profile") return "/profile";
  return route === "ceiling" ? CEILING_PATH : "/";
}

export interface WarmResults {
  /** Every page route, all rounds together. */
  pages: Record<RouteName, Measurement>;
  /** The rounds the page routes were measured in, each round on its own. */
  rounds: Round<RouteName>[];
  profileManySessions: Measurement;
  /** The store before and after the copies of the many-sessions row were written. */
  storedSessions: { before: StoredSessions; after: StoredSessions };
  copies: number;
}

export function runWarmScenarios(ctx: StoreContext): Promise<WarmResults> {
  const { options } = ctx;
  return withApp(ctx, "warm", options.accessTokenLifetimeSeconds, async (app, config) => {
    const real = await signInSessions(app, config.session.cookieName, options.fewSessions);
    await app.setCeilingToken(await withSeedStore(config, (seed) => seed.accessTokenOf(real[0]!)));
    // The process's first load: the rounds' warm-up is long enough for JIT tiers and the heap.
    const pageSpecs = Object.fromEntries(
      ROUTES.map((route) => [
        route,
        {
          ...specFor(ctx, route, route, pathOf(route), real, options.roundSeconds),
          warmupSeconds: options.pageWarmupSeconds,
        },
      ]),
    ) as Record<RouteName, MeasureSpec>;
    const { measurements: pages, rounds } = await measureRounds(app, pageSpecs, options.rounds);
    const { copies, storedSessions } = await withSeedStore(config, async (seed) => {
      const before = await seed.storedSessions();
      const cloned = await seed.cloneSessions(real, options.manySessions - real.length);
      return { copies: cloned, storedSessions: { before, after: await seed.storedSessions() } };
    });
    const profileManySessions = await measure(
      app,
      specFor(ctx, "profileManySessions", "profile", "/profile", [...real, ...copies]),
    );
    return { pages, rounds, profileManySessions, storedSessions, copies: copies.length };
  });
}

export function runRefreshScenario(ctx: StoreContext): Promise<Measurement> {
  const { options } = ctx;
  return withApp(ctx, "refresh", options.refreshAccessTokenLifetimeSeconds, async (app, config) => {
    const real = await signInSessions(app, config.session.cookieName, options.fewSessions);
    // More sessions than connections, so that requests of one session rarely overlap (overlapping
    // requests of a session share one refresh by design).
    const copies = await withSeedStore(config, (seed) =>
      seed.cloneSessions(real, Math.max(0, options.refreshSessions - real.length)),
    );
    const sessions = [...real, ...copies];
    const cookies = sessions.map((s) => s.cookie);
    await warmUp(
      app,
      { route: "profile", path: "/profile", cookies, connections: options.connections },
      options.processWarmupSeconds,
    );
    return measure(app, specFor(ctx, "refresh", "profile", "/profile", sessions));
  });
}
