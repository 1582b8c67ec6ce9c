/**
 * The process: reads the environment (and .env) and validates all of it, then starts the local tenant
 * in local mode, builds the app, listens on PORT and closes everything on SIGTERM/SIGINT. The only
 * file that touches `process`. A settings error ends the start with one message and no stack trace.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import dotenv from "dotenv";
import { describeCredential } from "./config/describeCredential.js";
import { loadConfig } from "./config/loadConfig.js";
import { composeApp } from "./compose.js";
import { ConfigError } from "./errors.js";
import { createLogger, flushLogger } from "./logger.js";
import {
  localSettings,
  PLACEHOLDER_TENANT,
  planLocalMode,
  startLocalMode,
  wantsLocalMode,
} from "./localMode.js";
import { closeGracefully } from "./http/closeGracefully.js";
import { createAppServer } from "./http/createAppServer.js";

const RELOAD_TEMPLATES_FLAG = "--reload-templates";

/** Orchestrators usually wait 30 s after SIGTERM before SIGKILL. */
const SHUTDOWN_GRACE_MS = 20_000;

async function main(): Promise<void> {
  dotenv.config({ quiet: true });
  const env = process.env;
  // Every setting is checked before anything starts, so that one message names every problem. Local
  // mode is checked with stand-ins for what its tenant fills in once it runs.
  const registration = wantsLocalMode(env) ? planLocalMode(env) : undefined;
  const checked = loadConfig(registration ? localSettings(env, registration, PLACEHOLDER_TENANT) : env);
  const logger = createLogger({
    level: checked.logLevel,
    pretty: checked.environment === "development" && process.stdout.isTTY === true,
  });
  const local = registration
    ? await startLocalMode(env, registration, checked, (m) => logger.info(m))
    : undefined;
  const config = local ? loadConfig(local.env, { environmentNotice: local.notice }) : checked;
  if (config.session.tokenCacheKeys.length === 0) {
    logger.warn(
      "TOKEN_CACHE_KEYS is not set: token caches are stored unencrypted (allowed outside production only)",
    );
  }
  // The app's clock: the start-up checks and the app read the same one.
  const now = Date.now;
  const credential = describeCredential(config.auth.credential, now());
  if (credential.warning) logger.warn(credential.warning);
  const composed = await composeApp(config, {
    logger,
    extraCaPem: local?.caCertificatePem,
    now,
    // Given by `npm run dev` only: templates are then re-read on every render.
    reloadTemplates: process.argv.includes(RELOAD_TEMPLATES_FLAG),
  });

  const server = createAppServer(composed.app).listen(config.port);
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  logger.info(
    {
      port,
      authorityHost: new URL(config.auth.authority).host,
      graphEndpoint: config.graph.endpoint,
      sessionStore: config.session.store,
      localTenant: local !== undefined,
      redirectUri: config.auth.redirectUri,
      ...credential.fields,
    },
    `listening on http://localhost:${port}`,
  );

  const shutdown = async (signal: string) => {
    logger.info({ signal }, "shutting down: finishing requests in flight");
    await closeGracefully(server, SHUTDOWN_GRACE_MS);
    await composed.close();
    await local?.close();
    logger.info("stopped");
    await flushLogger(logger);
    process.exit(0);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, (s) => void shutdown(s));
  }
}

main().catch((error: unknown) => {
  const reason = error instanceof Error ? error.message : String(error);
  const message = error instanceof ConfigError ? error.message : `Could not start: ${reason}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
