/**
 * Builds the Express app from its dependencies. No port, no process access, no I/O at build time:
 * tests start it on any port with any store and any authority.
 */
import express from "express";
import type { Store } from "express-session";
import type { AppConfig } from "./config/settings.js";
import type { MsalClientFactory } from "./auth/createMsalClientFactory.js";
import type { AuthorityMetadata } from "./auth/discoverAuthority.js";
import { createAuthRouter } from "./auth/createAuthRouter.js";
import { createFrontChannelLogout, FRONT_CHANNEL_LOGOUT_PATH } from "./auth/frontChannelLogout.js";
import { createTokenCacheMiddleware } from "./auth/tokenCacheMiddleware.js";
import { createTokenCacheCipher } from "./auth/tokenCacheCipher.js";
import type { GraphClient } from "./graph/createGraphClient.js";
import { createErrorHandler, notFound } from "./http/errorHandler.js";
import { inSeries } from "./http/inSeries.js";
import { requestLogging } from "./http/requestLogging.js";
import { requireSecureTransport } from "./http/secureTransport.js";
import { allowFramingBy, noStore, securityHeaders } from "./http/securityHeaders.js";
import type { Logger } from "./logger.js";
import type { AppMetrics } from "./metrics/createMetrics.js";
import { httpMetrics } from "./metrics/httpMetrics.js";
import { adminLinkLocals, createAdminRouter } from "./pages/createAdminRouter.js";
import { createPageRouter } from "./pages/createPageRouter.js";
import { createServiceState } from "./pages/serviceState.js";
import { useTemplates } from "./pages/templateEngine.js";
import { projectPaths } from "./paths.js";
import { createAccountSessions } from "./session/accountSessions.js";
import { createSessionMiddleware } from "./session/createSessionMiddleware.js";
import { createAbsoluteTimeout } from "./session/absoluteTimeout.js";
import type { SessionCount, SessionIndex } from "./session/sessionStore.js";

export interface AppDependencies {
  config: AppConfig;
  sessionStore: Store;
  /** The store's index of sessions (by account, by Entra session), read through `sessionStore`'s owner. */
  sessionIndex: SessionIndex;
  /** Rejects when the session store does not answer (for /readyz). */
  checkReadiness: () => Promise<void>;
  /** The session store's count of live sessions (the operator page). */
  countSessions: () => Promise<SessionCount>;
  /** What the operator page says of this process: its version and when it started (app clock). */
  service: { version: string; startedAt: number };
  clients: MsalClientFactory;
  metadata: AuthorityMetadata;
  graph: GraphClient;
  logger: Logger;
  metrics: AppMetrics;
  /**
   * The app's clock, for every decision it takes on time: sign-in and token-cache dates, the absolute
   * timeout, the sign-in state's lifetime, the claims-loop guard. Tests move it instead of waiting.
   */
  now: () => number;
  /**
   * Routes mounted behind everything a page request passes through except the token cache and MSAL.
   * Only the benchmark uses it, for its "ceiling" route; production passes nothing.
   */
  routesBeforeTokenCache?: express.RequestHandler;
  /** Re-read and recompile templates on every render (`npm run dev`); compiled once otherwise. */
  reloadTemplates?: boolean;
  /**
   * Layers left out, to measure what each costs by switching it off alone. Only the benchmark uses it
   * (bench/server.ts); production passes nothing.
   */
  layersOff?: ReadonlySet<SwitchableLayer>;
}

/**
 * The layers every page passes through that the benchmark can switch off one at a time. The session
 * guard (the store deadline, GuardedStore) is composeApp's; rendering is switched off by the bench.
 */
export type SwitchableLayer =
  "requestLog" | "metrics" | "securityHeaders" | "sessionGuard" | "absoluteTimeout";

export function createApp(deps: AppDependencies): express.Express {
  const { config, logger, now } = deps;
  const on = (layer: SwitchableLayer) => !deps.layersOff?.has(layer);
  const paths = projectPaths();
  const cipher = createTokenCacheCipher(config.session.tokenCacheKeys, {
    compress: config.session.compressTokenCache,
  });
  const app = express();

  app.disable("x-powered-by");
  app.set("trust proxy", config.trustProxy);
  // Templates are compiled once per process, whatever NODE_ENV says (`npm start` runs as
  // development by default); only `npm run dev` re-reads them, so that edits show at once.
  useTemplates(app, { viewsDir: paths.views, reload: deps.reloadTemplates === true });
  // Every page is no-store: no cache keeps it to revalidate, so an ETag would only cost a hash of
  // each body. Static assets have their own (express.static's).
  app.set("etag", false);
  app.locals.environmentNotice = config.environmentNotice;

  const endSessionOrigin = new URL(deps.metadata.endSessionEndpoint).origin;
  const headerPolicy = {
    // Sign-in goes to the authorization endpoint, the sign-out form is redirected to the end-session
    // endpoint: both may be form targets (they share an origin on Entra, not necessarily elsewhere).
    formTargets: [deps.metadata.authorizationOrigin, endSessionOrigin],
    https: config.session.secureCookie,
  };
  // What every response gets, as one layer (inSeries: no router step per middleware).
  app.use(
    inSeries([
      ...(on("requestLog") ? [requestLogging(logger)] : []),
      ...(on("metrics") ? [httpMetrics(deps.metrics)] : []),
      ...(on("securityHeaders") ? [securityHeaders(headerPolicy)] : []),
    ]),
  );
  // Under a prefix, so that page requests do not each cost a file-system lookup.
  // No directory redirect: express.static's own 301 for "/assets" would carry its own CSP and no
  // Cache-Control (a browser keeps a 301 for good); the folder is simply not found.
  app.use("/assets", express.static(paths.publicDir, { index: false, maxAge: "1h", redirect: false }));
  app.use(noStore);
  app.get("/healthz", (_req, res) => {
    res.type("text/plain").send("ok");
  });
  app.get("/readyz", async (_req, res) => {
    const ready = await deps.checkReadiness().then(
      () => true,
      (error: unknown) => {
        logger.warn({ err: error }, "not ready: the session store does not answer");
        return false;
      },
    );
    res
      .status(ready ? 200 : 503)
      .type("text/plain")
      .send(ready ? "ready" : "the session store does not answer");
  });

  if (config.metricsEnabled) {
    app.get("/metrics", async (_req, res) => {
      res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    });
  }

  // Only a site whose cookie is Secure can lose its session to plain http (an http site needs no check).
  if (config.session.secureCookie) app.use(requireSecureTransport());
  const accountSessions = createAccountSessions({
    store: deps.sessionStore,
    index: deps.sessionIndex,
    timeoutMs: config.session.storeTimeoutMs,
    absoluteTimeoutMs: config.session.absoluteTimeoutMs,
    now,
  });
  // Before the session: it needs no cookie (a third-party iframe often has none) and must not make one.
  app.get(
    FRONT_CHANNEL_LOGOUT_PATH,
    allowFramingBy(endSessionOrigin, headerPolicy),
    createFrontChannelLogout({ accountSessions, logger }),
  );
  // The session and what every page reads from it, as one layer.
  app.use(
    inSeries([
      createSessionMiddleware(config.session, deps.sessionStore, logger),
      ...(on("absoluteTimeout")
        ? [createAbsoluteTimeout({ absoluteTimeoutMs: config.session.absoluteTimeoutMs, now, logger })]
        : []),
      ...(deps.routesBeforeTokenCache ? [deps.routesBeforeTokenCache] : []),
      createTokenCacheMiddleware({ clients: deps.clients, cipher, now, logger, metrics: deps.metrics }),
      adminLinkLocals(config.auth.adminRole),
    ]),
  );
  app.use(
    "/auth",
    createAuthRouter({
      auth: config.auth,
      sessionSettings: config.session,
      clients: deps.clients,
      metadata: deps.metadata,
      cipher,
      now,
      logger,
      metrics: deps.metrics,
      accountSessions,
    }),
  );
  app.use(
    createPageRouter({
      auth: config.auth,
      sessionSettings: config.session,
      graph: deps.graph,
      accountSessions,
      now,
      logger,
    }),
  );

  app.use(
    createAdminRouter({
      adminRole: config.auth.adminRole,
      serviceState: createServiceState({
        store: {
          kind: config.session.store,
          ping: deps.checkReadiness,
          count: deps.countSessions,
          timeoutMs: config.session.storeTimeoutMs,
        },
        credential: config.auth.credential,
        metrics: deps.metrics,
        service: deps.service,
        now,
        logger,
      }),
    }),
  );

  app.use(notFound);
  app.use(createErrorHandler(logger, config.auth.scopes));
  return app;
}
