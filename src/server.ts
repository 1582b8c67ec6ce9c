/**
 * The process: reads the environment (and .env), starts the local tenant in local mode, builds the
 * app, listens on PORT and closes everything on SIGTERM/SIGINT. The only file that touches `process`.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import dotenv from "dotenv";
import { loadConfig } from "./config/loadConfig.js";
import { composeApp } from "./compose.js";
import { ConfigError } from "./errors.js";
import { createLogger } from "./logger.js";
import { startLocalMode, wantsLocalMode } from "./localMode.js";

async function main(): Promise<void> {
  dotenv.config({ quiet: true });
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? "info" });
  const local = wantsLocalMode(process.env)
    ? await startLocalMode(process.env, (m) => logger.info(m))
    : undefined;
  const config = loadConfig(local?.env ?? process.env, { environmentNotice: local?.notice ?? "" });
  const composed = await composeApp(config, { logger, extraCaPem: local?.caCertificatePem });

  const server = composed.app.listen(config.port);
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
    },
    `listening on http://localhost:${port}`,
  );

  const shutdown = async (signal: string) => {
    logger.info({ signal }, "shutting down");
    server.close();
    server.closeIdleConnections();
    await once(server, "close");
    await composed.close();
    await local?.close();
    process.exit(0);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, (s) => void shutdown(s));
  }
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : `Could not start: ${String(error)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
