/**
 * Starts the real app (same wiring as server.ts) against a fresh local tenant over HTTPS, with a real
 * SQLite session store in a temporary folder whose calls are counted. Everything listens on 127.0.0.1.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/logger.js";
import { composeApp } from "../../src/compose.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import type { AppConfig } from "../../src/config/settings.js";
import { createSessionStore } from "../../src/session/createSessionStore.js";
import type { SessionIndex } from "../../src/session/createSessionStore.js";
import { createTenantSigningKey, startLocalTenant } from "local-entra";
import type { LocalTenant, LocalTenantClient, LocalTenantOptions } from "local-entra";
import { countStoreCalls, withHandleFaults, withIndexFaults } from "./countingStore.js";
import type { StoreCallCounts, StoreFaults } from "./countingStore.js";
import { TestClient } from "./testClient.js";
import { createTokenCacheCipher } from "../../src/auth/tokenCacheCipher.js";
import type { TokenCacheCipher } from "../../src/auth/tokenCacheCipher.js";

export interface TestApp {
  baseUrl: string;
  /** The secret registered for this deployment (the app uses it unless the test gives a certificate). */
  clientSecret: string;
  /** Opens and seals token caches as the app does (tests use it to read or tamper with the store). */
  cipher: TokenCacheCipher;
  server: Server;
  /** Redirect URIs registered with the tenant for this deployment (all its instances). */
  redirectUris: string[];
  tenant: LocalTenant;
  config: AppConfig;
  sqlitePath: string;
  storeCalls: StoreCallCounts;
  /** Switches that make the session store fail (see countingStore.ts). */
  storeFaults: StoreFaults;
  /** The store's index of sessions (by account, by the ID token's sid). */
  sessionIndex: SessionIndex;
  resetCounts(): void;
  /** Every line the app logged, as JSON text. */
  logLines: string[];
  /** A new browser; `headers` go with each of its requests (e.g. its User-Agent). */
  newClient(headers?: Record<string, string>): TestClient;
  close(): Promise<void>;
}

/**
 * One token-signing key for every tenant this test process starts (LocalTenantOptions.signingKey):
 * an RSA key costs about 160 ms of CPU, and the suite starts hundreds of tenants.
 */
const SIGNING_KEY_OF_THIS_PROCESS = createTenantSigningKey();

export async function startTestApp(
  options: {
    tenant?: LocalTenantOptions;
    env?: Record<string, string>;
    appHost?: "127.0.0.1" | "localhost";
    /** Start another instance of the same deployment: same tenant, client and session secret. */
    sibling?: TestApp;
    /** Start another app (its own registration and sessions) in this app's tenant: single sign-on between them. */
    sameTenantAs?: TestApp;
    /** Changes to the app registration at the tenant (e.g. certificates instead of the secret). */
    registration?: Partial<LocalTenantClient>;
    /** As `npm run dev`: templates re-read on every render. */
    reloadTemplates?: boolean;
  } = {},
): Promise<TestApp> {
  const { sibling } = options;
  const sharedTenant = sibling?.tenant ?? options.sameTenantAs?.tenant;
  const tenant =
    sharedTenant ??
    (await startLocalTenant({ signingKey: await SIGNING_KEY_OF_THIS_PROCESS, ...options.tenant }));
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  // A browser test uses "localhost" so that the app and the tenant (127.0.0.1) are different sites.
  const baseUrl = `http://${options.appHost ?? "127.0.0.1"}:${port}`;
  const clientId = sibling?.config.auth.clientId ?? randomUUID();
  const clientSecret = sibling?.clientSecret ?? randomBytes(24).toString("base64url");
  const sessionSecret = sibling?.config.session.secrets[0] ?? randomBytes(32).toString("base64url");
  const redirectUris = [...(sibling?.redirectUris ?? []), `${baseUrl}/auth/redirect`];
  tenant.registerClient({
    clientId,
    clientSecret,
    // The sign-out's post_logout_redirect_uri (the app's home) is a redirect URI too, as at Entra.
    redirectUris: [...redirectUris, ...redirectUris.map((uri) => new URL("/", uri).href)],
    // One per registration, as at Entra: the first instance's.
    frontChannelLogoutUrl: new URL("/auth/frontchannel-logout", redirectUris[0]).href,
    ...options.registration,
  });

  const dir = mkdtempSync(join(tmpdir(), "entra-app-test-"));
  const sqlitePath = sibling?.sqlitePath ?? join(dir, "sessions.sqlite");
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
      EXPRESS_SESSION_SECRET: sessionSecret,
      SQLITE_PATH: sqlitePath,
      // One fixed test key, shared by sibling instances like a real deployment's key ring.
      TOKEN_CACHE_KEYS: `test-key:${Buffer.alloc(32, 7).toString("base64")}`,
      ...options.env,
    },
    { environmentNotice: "Local test tenant — not Microsoft Entra ID." },
  );

  const logLines: string[] = [];
  // The app's own logger configuration (redaction, masking), writing into memory.
  const logger = createLogger({
    level: "debug",
    destination: { write: (line: string) => void logLines.push(line) },
  });
  const handle = await createSessionStore(config.session, { logger });
  const counting = countStoreCalls(handle.store);
  const composed = await composeApp(config, {
    logger,
    extraCaPem: tenant.caCertificatePem,
    ...(options.reloadTemplates ? { reloadTemplates: true } : {}),
    sessionStore: {
      ...handle,
      ...withHandleFaults(handle, counting.faults),
      store: counting.store,
      index: withIndexFaults(handle.index, counting.faults),
    },
  });
  server.on("request", composed.app);

  return {
    baseUrl,
    clientSecret,
    cipher: createTokenCacheCipher(config.session.tokenCacheKeys, {
      compress: config.session.compressTokenCache,
    }),
    server,
    redirectUris,
    tenant,
    config,
    sqlitePath,
    storeCalls: counting.counts,
    storeFaults: counting.faults,
    sessionIndex: handle.index,
    resetCounts: () => {
      counting.reset();
      tenant.resetCounters();
    },
    logLines,
    newClient: (headers) => new TestClient(tenant.caCertificatePem, { ...(headers ? { headers } : {}) }),
    close: async () => {
      if (server.listening) {
        server.closeAllConnections();
        server.close();
      }
      await composed.close();
      await handle.close();
      if (!sharedTenant) await tenant.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
