/**
 * The app process of the bench (started by bench/appProcess.ts with `node --import tsx`): the local
 * tenant (identity provider + Graph stand-in), the real app as src/compose.ts wires it, on a counted
 * session store, behind an outer Express app that adds `GET /bench/ceiling` and counts finished
 * requests. Everything listens on 127.0.0.1. It answers the parent's requests over IPC and exits
 * when the parent goes away.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import express from "express";
import type { RequestHandler } from "express";
import { composeApp } from "../src/compose.js";
import { loadConfig } from "../src/config/loadConfig.js";
import { createHttpsAgent } from "../src/http/createHttpsAgent.js";
import { startLocalTenant } from "local-entra";
import { createLogger } from "../src/logger.js";
import { createSessionStore } from "../src/session/createSessionStore.js";
import { CEILING_PATH, createCeilingRouter } from "./ceiling.js";
import type { CeilingToken } from "./ceiling.js";
import { countStoreCalls } from "./countingStore.js";
import { createCpuProfiler } from "./cpuProfile.js";
import type {
  AppProcessOptions,
  AppSnapshot,
  ChildMessage,
  ParentRequest,
  RouteCounts,
  RouteName,
} from "./protocol.js";

/** A snapshot waits at most this long for requests still running (autocannon stops mid-request). */
const IDLE_WAIT_MS = 5_000;

function send(message: ChildMessage, sent?: () => void): void {
  process.send?.(message, undefined, undefined, () => sent?.());
}

/**
 * Counts the requests of the measured routes the app has handled, and knows when none is running.
 * A request counts as handled when the app calls `res.end` for real: express-session calls it only
 * after its store write or touch has completed, so by then all of the request's work is done — also
 * for requests whose connection autocannon closed when its run ended ("aborted").
 */
function createRouteCounter() {
  const routes: Record<RouteName, RouteCounts> = {
    profile: { handled: 0, non200: 0, aborted: 0 },
    ceiling: { handled: 0, non200: 0, aborted: 0 },
  };
  let running = 0;
  let idleWaiters: (() => void)[] = [];
  const middleware: RequestHandler = (req, res, next) => {
    const route: RouteName | undefined =
      req.path === "/profile" ? "profile" : req.path === CEILING_PATH ? "ceiling" : undefined;
    running += 1;
    let handled = false;
    const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
    res.end = ((...args: unknown[]) => {
      if (!handled) {
        handled = true;
        if (route) {
          routes[route].handled += 1;
          if (res.statusCode !== 200) routes[route].non200 += 1;
          if (res.destroyed) routes[route].aborted += 1;
        }
        running -= 1;
        if (running === 0) {
          for (const wake of idleWaiters) wake();
          idleWaiters = [];
        }
      }
      return end(...args);
    }) as typeof res.end;
    next();
  };
  const whenIdle = async (): Promise<boolean> => {
    if (running === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = await Promise.race([
      new Promise<boolean>((resolve) => idleWaiters.push(() => resolve(true))),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), IDLE_WAIT_MS))),
    ]);
    clearTimeout(timer);
    return idle;
  };
  return { routes, middleware, whenIdle };
}

async function main(): Promise<void> {
  const options = JSON.parse(process.env.BENCH_APP ?? "") as AppProcessOptions;
  const logger = createLogger({ level: options.logLevel });
  const tenant = await startLocalTenant({ accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds });
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = randomUUID();
  const clientSecret = randomUUID();
  tenant.registerClient({
    clientId,
    clientSecret,
    redirectUris: [`${baseUrl}/auth/redirect`],
    postLogoutRedirectUris: [`${baseUrl}/`],
  });

  const env: Record<string, string> = {
    NODE_ENV: "test",
    PORT: new URL(baseUrl).port,
    CLOUD_INSTANCE: tenant.cloudInstance,
    TENANT_ID: tenant.tenantId,
    CLIENT_ID: clientId,
    CLIENT_SECRET: clientSecret,
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
  // The ceiling goes through createApp's own stack (request log, metrics, headers, session, absolute
  // timeout) and stops just before the token-cache middleware: the difference to /profile is MSAL and
  // the cache.
  const composed = await composeApp(config, {
    logger,
    extraCaPem: tenant.caCertificatePem,
    sessionStore: { ...handle, store: counting.store },
    routesBeforeTokenCache: createCeilingRouter({ config, httpsAgent: ceilingAgent, token: ceilingToken }),
  });
  const outer = express();
  outer.disable("x-powered-by");
  outer.use(counter.middleware);
  outer.use(composed.app);
  server.on("request", outer);

  const close = async () => {
    server.closeAllConnections();
    server.close();
    ceilingAgent.destroy();
    await composed.close();
    await handle.close();
    await tenant.close();
  };

  const snapshot = async (gc: boolean): Promise<AppSnapshot> => {
    const idle = await counter.whenIdle();
    if (gc) (globalThis as { gc?: () => void }).gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    return {
      tenant: { ...tenant.counters },
      store: { ...counting.counts },
      routes: structuredClone(counter.routes),
      memory: { rss, heapUsed },
      idle,
    };
  };

  const profiler = createCpuProfiler();
  process.on("message", (request: ParentRequest) => {
    const answer = async (): Promise<unknown> => {
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
    };
    answer().then(
      (result) =>
        send({ type: "reply", id: request.id, result }, () => {
          if (request.type === "close") process.disconnect();
        }),
      (error: unknown) => send({ type: "reply", id: request.id, error: String(error) }),
    );
  });
  // Never outlive the bench that started this process.
  process.once("disconnect", () => process.exit(0));
  send({ type: "ready", baseUrl, caCertificatePem: tenant.caCertificatePem, env });
}

main().catch((error: unknown) => {
  const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
  send({ type: "failed", error: reason });
  process.stderr.write(`bench app process failed: ${reason}\n`);
  process.exit(1);
});
