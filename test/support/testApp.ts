/**
 * Starts the real app (same wiring as server.ts) against a fresh local tenant over HTTPS, with a real
 * SQLite session store in a temporary folder whose calls are counted. Everything listens on 127.0.0.1.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { composeApp } from "../../src/compose.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import type { AppConfig } from "../../src/config/settings.js";
import { createSessionStore } from "../../src/session/createSessionStore.js";
import { startLocalTenant } from "../../src/localTenant/index.js";
import type { LocalTenant, LocalTenantOptions } from "../../src/localTenant/index.js";
import { countStoreCalls } from "./countingStore.js";
import type { StoreCallCounts } from "./countingStore.js";
import { TestClient } from "./testClient.js";

export interface TestApp {
  baseUrl: string;
  tenant: LocalTenant;
  config: AppConfig;
  sqlitePath: string;
  storeCalls: StoreCallCounts;
  resetCounts(): void;
  /** Every line the app logged, as JSON text. */
  logLines: string[];
  newClient(): TestClient;
  close(): Promise<void>;
}

export async function startTestApp(
  options: {
    tenant?: LocalTenantOptions;
    env?: Record<string, string>;
    appHost?: "127.0.0.1" | "localhost";
  } = {},
): Promise<TestApp> {
  const tenant = await startLocalTenant(options.tenant);
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  // A browser test uses "localhost" so that the app and the tenant (127.0.0.1) are different sites.
  const baseUrl = `http://${options.appHost ?? "127.0.0.1"}:${port}`;
  const clientId = randomUUID();
  const clientSecret = randomBytes(24).toString("base64url");
  tenant.registerClient({
    clientId,
    clientSecret,
    redirectUris: [`${baseUrl}/auth/redirect`],
    postLogoutRedirectUris: [`${baseUrl}/`],
  });

  const dir = mkdtempSync(join(tmpdir(), "entra-app-test-"));
  const sqlitePath = join(dir, "sessions.sqlite");
  const config = loadConfig(
    {
      NODE_ENV: "test",
      PORT: String(port),
      CLOUD_INSTANCE: tenant.cloudInstance,
      TENANT_ID: tenant.tenantId,
      CLIENT_ID: clientId,
      CLIENT_SECRET: clientSecret,
      REDIRECT_URI: `${baseUrl}/auth/redirect`,
      GRAPH_API_ENDPOINT: tenant.graphEndpoint,
      GRAPH_TIMEOUT_MS: "1500",
      IDP_TIMEOUT_MS: "1500",
      EXPRESS_SESSION_SECRET: randomBytes(32).toString("base64url"),
      SQLITE_PATH: sqlitePath,
      ...options.env,
    },
    { environmentNotice: "Local test tenant — not Microsoft Entra ID." },
  );

  const logLines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });
  const handle = await createSessionStore(config.session, { logger });
  const counting = countStoreCalls(handle.store);
  const composed = await composeApp(config, {
    logger,
    extraCaPem: tenant.caCertificatePem,
    sessionStore: { ...handle, store: counting.store },
  });
  server.on("request", composed.app);

  return {
    baseUrl,
    tenant,
    config,
    sqlitePath,
    storeCalls: counting.counts,
    resetCounts: () => {
      counting.reset();
      tenant.resetCounters();
    },
    logLines,
    newClient: () => new TestClient(tenant.caCertificatePem),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await composed.close();
      await handle.close();
      await tenant.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
