/**
 * The app process of the bench (started by bench/appProcess.ts with `node --import tsx`): the real
 * app as src/compose.ts wires it (with `GET /bench/ceiling`), on a counted session store, talking to
 * the local tenant of another process (bench/tenantServer.ts); beside it, in the same process and on
 * the same store handle, the variants the page rounds compare it with: the app with one layer off
 * (composeApp's `layersOff`, or rendering, bench/renderingOff.ts) and the bare page. An outer Express
 * app counts finished requests and hands each to the app its `x-bench-route` header names (the main
 * app without one), so every route pays the same dispatch. Everything listens on 127.0.0.1. It
 * answers the parent's requests over IPC (counts, CPU time, memory, CPU profiles) and exits when the
 * parent goes away.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import express from "express";
import type { RequestHandler } from "express";
import type { Store } from "express-session";
import type { SwitchableLayer } from "../src/app.js";
import { composeApp } from "../src/compose.js";
import type { ComposeOptions } from "../src/compose.js";
import { loadConfig } from "../src/config/loadConfig.js";
import type { AppConfig } from "../src/config/settings.js";
import { createHttpsAgent } from "../src/http/createHttpsAgent.js";
import { createLogger } from "../src/logger.js";
import type { Logger } from "../src/logger.js";
import { createSessionMiddleware } from "../src/session/createSessionMiddleware.js";
import { createSessionStore } from "../src/session/createSessionStore.js";
import { readAccount } from "../src/session/sessionState.js";
import { createCeilingRouter } from "./ceiling.js";
import type { CeilingToken } from "./ceiling.js";
import { serveParent } from "./child.js";
import { countStoreCalls } from "./countingStore.js";
import { createCpuProfiler } from "./cpuProfile.js";
import { homeWithout, LAYERS_OFF, ROUTE_HEADER, routeNamed, ROUTES } from "./protocol.js";
import type {
  AppProcessOptions,
  AppReady,
  AppRequest,
  AppSnapshot,
  BenchLayer,
  Numbered,
  RouteName,
} from "./protocol.js";
import { renderingOff } from "./renderingOff.js";
import { createRouteCounter } from "./routeCounter.js";

/** The bare page's body: small and constant. */
const BARE_PAGE = "<!doctype html><title>bare</title><p>Signed in.</p>";

/**
 * The smallest page the same stack can serve to a signed-in session: Express 5 with the app's
 * session middleware on the same store, a check that the session holds an account, a constant body.
 * No ETag, as the app (its pages are no-store).
 */
function createBareApp(config: AppConfig, store: Store, logger: Logger): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(createSessionMiddleware(config.session, store, logger));
  app.get("/", (req, res) => {
    if (!readAccount(req.session)) {
      res.redirect(303, "/auth/signin");
      return;
    }
    res.type("html").send(BARE_PAGE);
  });
  return app;
}

const isSwitchable = (layer: BenchLayer): layer is SwitchableLayer => layer !== "rendering";

async function start(): Promise<{
  ready: AppReady;
  answer: (request: Numbered<AppRequest>) => Promise<unknown>;
}> {
  const options = JSON.parse(process.env.BENCH_APP ?? "") as AppProcessOptions;
  const logger = createLogger({ level: options.logLevel });
  const { tenant } = options;
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The parent registers this client at the tenant (bench/system.ts), from the environment reported.
  const env: Record<string, string> = {
    NODE_ENV: "test",
    PORT: new URL(baseUrl).port,
    CLOUD_INSTANCE: tenant.cloudInstance,
    TENANT_ID: tenant.tenantId,
    CLIENT_ID: randomUUID(),
    CLIENT_SECRET: randomUUID(),
    REDIRECT_URI: `${baseUrl}/auth/redirect`,
    GRAPH_API_ENDPOINT: tenant.graphEndpoint,
    EXPRESS_SESSION_SECRET: options.sessionSecret,
    SESSION_STORE: options.store,
    SQLITE_PATH: options.sqlitePath,
    REDIS_URL: options.redisUrl,
    REDIS_KEY_PREFIX: options.redisKeyPrefix,
    TOKEN_CACHE_KEYS: options.tokenCacheKeys,
  };
  const config = loadConfig(env, { environmentNotice: "Local test tenant — not Microsoft Entra ID." });
  const handle = await createSessionStore(config.session, { logger });
  const counting = countStoreCalls(handle.store);
  const ceilingToken: CeilingToken = { value: undefined };
  const ceilingAgent = createHttpsAgent(tenant.caCertificatePem);
  const counter = createRouteCounter();
  // Every app of the process on the same counted store handle, logger and tenant CA.
  const shared: ComposeOptions = {
    logger,
    extraCaPem: tenant.caCertificatePem,
    sessionStore: { ...handle, store: counting.store },
  };
  // The ceiling goes through createApp's own stack (request log, metrics, headers, session, absolute
  // timeout) and stops just before the token-cache middleware: the difference to /profile is MSAL and
  // the cache.
  const composed = await composeApp(config, {
    ...shared,
    routesBeforeTokenCache: createCeilingRouter({ config, httpsAgent: ceilingAgent, token: ceilingToken }),
  });
  const variants = await Promise.all(
    LAYERS_OFF.filter(isSwitchable).map(async (layer) => ({
      layer,
      composed: await composeApp(config, { ...shared, layersOff: new Set([layer]) }),
    })),
  );
  const withoutRendering = express.Router();
  withoutRendering.use(renderingOff(), composed.app);
  const appFor = new Map<RouteName, RequestHandler>([
    ["profile", composed.app],
    ["ceiling", composed.app],
    ["home", composed.app],
    ["bare", createBareApp(config, counting.store, logger)],
    [homeWithout("rendering"), withoutRendering],
    ...variants.map((v): [RouteName, RequestHandler] => [homeWithout(v.layer), v.composed.app]),
  ]);
  const missing = ROUTES.filter((route) => !appFor.has(route));
  if (missing.length > 0) throw new Error(`no app serves ${missing.join(", ")}`);
  const outer = express();
  outer.disable("x-powered-by");
  outer.use(counter.middleware);
  // Each app is called as production's server.ts calls it (not mounted: no settings from `outer`).
  outer.use((req, res, next) => {
    const route = routeNamed(req.headers[ROUTE_HEADER]);
    const app = route === undefined ? composed.app : appFor.get(route)!;
    app(req, res, next);
  });
  server.on("request", outer);

  const close = async () => {
    server.closeAllConnections();
    server.close();
    ceilingAgent.destroy();
    for (const app of [composed, ...variants.map((v) => v.composed)]) await app.close();
    await handle.close();
  };

  const snapshot = async (gc: boolean): Promise<AppSnapshot> => {
    const idle = await counter.whenIdle();
    // Before the forced GC: a run's CPU time must not include a collection the bench asked for.
    const { user, system } = process.cpuUsage();
    if (gc) (globalThis as { gc?: () => void }).gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    return {
      store: { ...counting.counts },
      routes: structuredClone(counter.routes),
      cpu: { userMicros: user, systemMicros: system },
      memory: { rss, heapUsed },
      idle,
    };
  };

  const profiler = createCpuProfiler();
  return {
    ready: { type: "ready", baseUrl, env },
    answer: async (request): Promise<unknown> => {
      switch (request.type) {
        case "snapshot":
          return snapshot(request.gc);
        case "setCeilingToken":
          ceilingToken.value = request.token;
          return null;
        case "startCpuProfile":
          return profiler.start();
        case "stopCpuProfile":
          return profiler.stop(request.path);
        case "close":
          await close();
          return null;
      }
    },
  };
}

serveParent(start);
