/**
 * Where a warm /profile request's token time goes: each step of the per-request token path timed on
 * its own, in this (otherwise idle) bench process, with MSAL's public API only. The app and the local
 * tenant run in-process here (test/support's startTestApp), one account signs in through the real
 * flow, and its encrypted cache is then loaded, decrypted and used again and again as each request
 * does. Figures are mean wall and CPU microseconds per operation after a warm-up.
 */
import type { ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { AccountInfo } from "@azure/msal-node";
import type { Session, SessionData } from "express-session";
import { createMsalClientFactory } from "../src/auth/createMsalClientFactory.js";
import { createNetworkClient } from "../src/auth/createNetworkClient.js";
import { createTokenSource } from "../src/auth/createTokenSource.js";
import { discoverAuthority } from "../src/auth/discoverAuthority.js";
import { createInFlightCalls } from "../src/auth/inFlightCalls.js";
import { createSessionCachePlugin } from "../src/auth/sessionCachePlugin.js";
import { createHttpsAgent } from "../src/http/createHttpsAgent.js";
import { createLogger } from "../src/logger.js";
import { createMetrics } from "../src/metrics/createMetrics.js";
import type { SignedInAccount } from "../src/session/sessionData.js";
import { readSessionRow } from "../test/support/sessionRows.js";
import { signIn } from "../test/support/signIn.js";
import { startTestApp } from "../test/support/testApp.js";
import { sessionIdOf } from "../test/support/tokenCacheTools.js";

export interface BreakdownStep {
  name: string;
  what: string;
  wallMicros: number;
  cpuMicros: number;
}

export interface Breakdown {
  iterations: number;
  cacheBytes: number;
  envelopeBytes: number;
  steps: BreakdownStep[];
}

async function timeStep(
  name: string,
  what: string,
  iterations: number,
  operation: () => unknown,
): Promise<BreakdownStep> {
  const warmup = Math.max(50, Math.floor(iterations / 10));
  for (let i = 0; i < warmup; i++) await operation();
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  for (let i = 0; i < iterations; i++) await operation();
  const wall = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  const round1 = (value: number) => Math.round(value * 10) / 10;
  return {
    name,
    what,
    wallMicros: round1((wall * 1000) / iterations),
    cpuMicros: round1((cpu.user + cpu.system) / iterations),
  };
}

export async function measureBreakdown(iterations: number): Promise<Breakdown> {
  const app = await startTestApp();
  const httpsAgent = createHttpsAgent(app.tenant.caCertificatePem);
  try {
    const browser = app.newClient();
    await signIn(app, browser);
    const row = readSessionRow(app.sqlitePath, sessionIdOf(app, browser));
    if (!row) throw new Error("the signed-in session is not in the store");
    const account = row.account as SignedInAccount;
    const envelope = row.tokenCache as string;
    const plaintext = app.cipher.open(envelope, account.homeAccountId);

    const logger = createLogger({ level: "warn", destination: { write: () => undefined } });
    const metrics = createMetrics();
    const network = createNetworkClient({ httpsAgent, timeoutMs: 2000, metrics });
    const metadata = await discoverAuthority(app.config.auth.authority, network);
    const clients = createMsalClientFactory({ auth: app.config.auth, metadata, network, logger });
    const inFlight = createInFlightCalls();
    const scopes = [...app.config.auth.scopes];
    const msalAccount: AccountInfo = {
      homeAccountId: account.homeAccountId,
      environment: account.environment ?? "",
      tenantId: account.tenantId,
      username: account.username,
      localAccountId: account.objectId,
    };
    const plainSlot = { read: () => plaintext, write: () => undefined };

    const steps = [
      await timeStep("decrypt", "open the AES-256-GCM envelope (base64url, decrypt, UTF-8)", iterations, () =>
        app.cipher.open(envelope, account.homeAccountId),
      ),
      await timeStep("check", "JSON.parse of the cache for the plugin's structure check", iterations, () =>
        JSON.parse(plaintext),
      ),
      await timeStep("client", "new ConfidentialClientApplication from the frozen settings", iterations, () =>
        clients.create(createSessionCachePlugin(plainSlot, account.homeAccountId)),
      ),
      await timeStep("deserialize", "a fresh client's TokenCache.deserialize of the cache", iterations, () =>
        clients.create().getTokenCache().deserialize(plaintext),
      ),
      await timeStep(
        "silent",
        "client + acquireTokenSilent through the cache plugin (check and deserialize included, no decrypt)",
        iterations,
        () =>
          clients
            .create(createSessionCachePlugin(plainSlot, account.homeAccountId))
            .acquireTokenSilent({ account: msalAccount, scopes, correlationId: "breakdown" }),
      ),
      await timeStep(
        "token path",
        "what /profile adds: createTokenSource(…).acquireToken — decrypt, client, silent call, coalescing",
        iterations,
        () => {
          const session = { id: "breakdown", account, tokenCache: envelope } as unknown as Session &
            Partial<SessionData>;
          return createTokenSource({
            session,
            account,
            clients,
            cipher: app.cipher,
            now: Date.now,
            inFlight,
            // A response already over: nothing holds the call.
            response: { writableEnded: true } as ServerResponse,
            correlationId: "breakdown",
            logger,
            metrics,
          }).acquireToken(scopes);
        },
      ),
    ];
    return {
      iterations,
      cacheBytes: Buffer.byteLength(plaintext),
      envelopeBytes: envelope.length,
      steps,
    };
  } finally {
    httpsAgent.destroy();
    await app.close();
  }
}
