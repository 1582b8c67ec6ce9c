/**
 * The app process of the bench (started by bench/appProcess.ts with `node --import tsx`): the real
 * app as src/compose.ts wires it, on a counted session store, talking to the local tenant of another
 * process (bench/tenantServer.ts); beside it, in the same process and on the same store handle, the
 * variants the page rounds compare it with: the app with `GET /bench/ceiling`, the app with one
 * layer off (composeApp's `layersOff`, or rendering, bench/renderingOff.ts) and the bare page. Each
 * app listens on a port of its own, on a server made as production's (createAppServer), and every
 * request is counted under the route its `x-bench-route` header names. Everything listens on
 * 127.0.0.1. It answers the parent's requests over IPC (counts, CPU time, memory, CPU profiles) and
 * exits when the parent goes away.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import express from "express";
import type { Request, Response } from "express";
import type { Store } from "express-session";
import type { SwitchableLayer } from "../src/app.js";
import { composeApp } from "../src/compose.js";
import type { ComposeOptions } from "../src/compose.js";
import { loadConfig } from "../src/config/loadConfig.js";
import type { AppConfig } from "../src/config/settings.js";
import { createAppServer } from "../src/http/createAppServer.js";
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
import { homeWithout, LAYERS_OFF, ROUTES } from "./protocol.js";
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
  const withCeiling = await composeApp(config, {
    ...shared,
    routesBeforeTokenCache: createCeilingRouter({ config, httpsAgent: ceilingAgent, token: ceilingToken }),
  });
  // The app as production composes it (no ceiling router, which every other request would pass
  // through, a router step and an event-loop turn that production does not pay): home and /profile.
  const production = await composeApp(config, shared);
  const variants = await Promise.all(
    LAYERS_OFF.filter(isSwitchable).map(async (layer) => ({
      layer,
      composed: await composeApp(config, { ...shared, layersOff: new Set([layer]) }),
    })),
  );
  const rendering = renderingOff();
  const withoutRendering: RequestListener = (req, res) => {
    void rendering(req as Request, res as Response, () => {
      production.app(req, res);
    });
  };
  const bare = createBareApp(config, counting.store, logger);
  // Each app on a server of its own, made as production's server.ts makes it (createAppServer: the
  // app's own request and response prototypes), so that no route pays for a prototype swap that
  // production does not. The counter comes first, as a plain function.
  const listenerFor = new Map<RouteName, { app: express.Express; handle?: RequestListener }>([
    ["profile", { app: production.app }],
    ["ceiling", { app: withCeiling.app }],
    ["home", { app: production.app }],
    ["bare", { app: bare }],
    [homeWithout("rendering"), { app: production.app, handle: withoutRendering }],
    ...variants.map((v): [RouteName, { app: express.Express }] => [
      homeWithout(v.layer),
      { app: v.composed.app },
    ]),
  ]);
  const missing = ROUTES.filter((route) => !listenerFor.has(route));
  if (missing.length > 0) throw new Error(`no app serves ${missing.join(", ")}`);
  const counted =
    (handle: RequestListener): RequestListener =>
    (req, res) => {
      counter.count(req, res);
      handle(req, res);
    };
  // The first server (its port is in the app's settings) only signs the sessions in.
  server.on("request", production.app);
  const servers = [server];
  const urlOf = new Map<RequestListener, string>();
  const routeUrls = {} as Record<RouteName, string>;
  for (const [route, { app, handle }] of listenerFor) {
    const listener = handle ?? app;
    let url = urlOf.get(listener);
    if (url === undefined) {
      const own = createAppServer(app, counted(listener));
      own.listen(0, "127.0.0.1");
      await once(own, "listening");
      servers.push(own);
      url = `http://127.0.0.1:${(own.address() as AddressInfo).port}`;
      urlOf.set(listener, url);
    }
    routeUrls[route] = url;
  }

  const close = async () => {
    for (const each of servers) {
      each.closeAllConnections();
      each.close();
    }
    ceilingAgent.destroy();
    for (const app of [withCeiling, production, ...variants.map((v) => v.composed)]) await app.close();
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
    ready: { type: "ready", baseUrl, routeUrls, env },
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
