/**
 * The app process of the bench (started by bench/appProcess.ts with `node --import tsx`): the real
 * app as src/compose.ts wires it, on a counted session store, behind an outer Express app that adds
 * `GET /bench/ceiling` and counts finished requests, talking to the local tenant of another process
 * (bench/tenantServer.ts). Everything listens on 127.0.0.1. It answers the parent's requests over IPC
 * (counts, CPU time, memory, CPU profiles) and exits when the parent goes away.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import express from "express";
import { composeApp } from "../src/compose.js";
import { loadConfig } from "../src/config/loadConfig.js";
import { createHttpsAgent } from "../src/http/createHttpsAgent.js";
import { createLogger } from "../src/logger.js";
import { createSessionStore } from "../src/session/createSessionStore.js";
import { createCeilingRouter } from "./ceiling.js";
import type { CeilingToken } from "./ceiling.js";
import { serveParent } from "./child.js";
import { countStoreCalls } from "./countingStore.js";
import { createCpuProfiler } from "./cpuProfile.js";
import type { AppProcessOptions, AppReady, AppRequest, AppSnapshot, Numbered } from "./protocol.js";
import { createRouteCounter } from "./routeCounter.js";

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
