/**
 * Wires the production dependencies from settings: one HTTPS agent, MSAL's network client, the
 * authority's metadata (read once), the session store and the Graph client. Used by server.ts and
 * by the tests, so both run the same wiring.
 */
import type { Express } from "express";
import { createApp } from "./app.js";
import { readAppVersion } from "./appVersion.js";
import type { AppDependencies } from "./app.js";
import { createMsalClientFactory } from "./auth/createMsalClientFactory.js";
import { createNetworkClient } from "./auth/createNetworkClient.js";
import { discoverAuthority } from "./auth/discoverAuthority.js";
import type { AppConfig } from "./config/settings.js";
import { createMetrics } from "./metrics/createMetrics.js";
import { createGraphClient } from "./graph/createGraphClient.js";
import { createHttpsAgent } from "./http/createHttpsAgent.js";
import type { Logger } from "./logger.js";
import { createSessionStore } from "./session/createSessionStore.js";
import { GuardedStore } from "./session/guardStore.js";
import type { SessionStoreHandle } from "./session/sessionStore.js";

export interface ComposeOptions {
  logger: Logger;
  /** A CA to trust in-process besides Node's roots and NODE_EXTRA_CA_CERTS (the local tenant's). */
  extraCaPem?: string;
  /** See AppDependencies.routesBeforeTokenCache (the benchmark's ceiling). */
  routesBeforeTokenCache?: AppDependencies["routesBeforeTokenCache"];
  /** Use this store instead of the one the settings name (tests wrap a store to count writes). */
  sessionStore?: SessionStoreHandle;
  /** See AppDependencies.reloadTemplates (`npm run dev`). */
  reloadTemplates?: boolean;
  /** See AppDependencies.layersOff (the benchmark's layer costs); "sessionGuard" is applied here. */
  layersOff?: AppDependencies["layersOff"];
  /** The app's clock (see AppDependencies.now); the system's unless given. */
  now?: () => number;
}

export interface ComposedApp {
  app: Express;
  close(): Promise<void>;
}

export async function composeApp(config: AppConfig, options: ComposeOptions): Promise<ComposedApp> {
  const { logger } = options;
  const now = options.now ?? Date.now;
  const httpsAgent = createHttpsAgent(options.extraCaPem);
  const metrics = createMetrics();
  const network = createNetworkClient({ httpsAgent, timeoutMs: config.auth.httpTimeoutMs, metrics });
  const metadata = await discoverAuthority(config.auth.authority, network);
  const ownsStore = options.sessionStore === undefined;
  const sessionStore = options.sessionStore ?? (await createSessionStore(config.session, { logger, now }));
  const app = createApp({
    config,
    sessionStore: options.layersOff?.has("sessionGuard")
      ? sessionStore.store
      : new GuardedStore(sessionStore.store, config.session.storeTimeoutMs, metrics),
    sessionIndex: sessionStore.index,
    checkReadiness: () => sessionStore.ping(),
    countSessions: () => sessionStore.count(),
    service: { version: readAppVersion(), startedAt: now() },
    clients: createMsalClientFactory({ auth: config.auth, metadata, network, logger, now }),
    metadata,
    graph: createGraphClient(config.graph, httpsAgent, metrics),
    metrics,
    logger,
    now,
    ...(options.routesBeforeTokenCache ? { routesBeforeTokenCache: options.routesBeforeTokenCache } : {}),
    ...(options.layersOff ? { layersOff: options.layersOff } : {}),
    ...(options.reloadTemplates ? { reloadTemplates: true } : {}),
  });
  return {
    app,
    close: async () => {
      httpsAgent.destroy();
      if (ownsStore) await sessionStore.close();
    },
  };
}
