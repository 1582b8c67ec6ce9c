/**
 * Local mode: with no CLIENT_ID outside production, the app runs against the built-in local tenant.
 * This fills in the settings the app would get from a real registration (authority, client id and
 * secret, Graph endpoint) and registers the app's redirect URIs with the tenant. The app itself only
 * ever sees an authority URL and a CA to trust.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { Environment } from "./config/loadConfig.js";

export interface LocalMode {
  env: Environment;
  notice: string;
  caCertificatePem: string;
  close(): Promise<void>;
}

export function wantsLocalMode(env: Environment): boolean {
  return !env.CLIENT_ID && env.NODE_ENV !== "production";
}

export async function startLocalMode(env: Environment, log: (message: string) => void): Promise<LocalMode> {
  // Loaded only here, so a production process never even imports the stand-in.
  const { startLocalTenant } = await import("./localTenant/index.js");
  const port = Number(env.PORT ?? 3000);
  const redirectUri = env.REDIRECT_URI || `http://localhost:${port}/auth/redirect`;
  const postLogoutRedirectUri = env.POST_LOGOUT_REDIRECT_URI || new URL("/", redirectUri).href;
  const clientId = randomUUID();
  const clientSecret = randomBytes(32).toString("base64url");
  const tenant = await startLocalTenant({
    port: Number(env.LOCAL_TENANT_PORT ?? 0),
    clients: [
      {
        clientId,
        clientSecret,
        redirectUris: [redirectUri],
        postLogoutRedirectUris: [postLogoutRedirectUri],
      },
    ],
    log,
  });
  if (!env.EXPRESS_SESSION_SECRET) {
    // The tenant's keys and refresh tokens die with the process too, so a per-run secret loses nothing.
    log("EXPRESS_SESSION_SECRET is not set: using a random one for this run (local mode only).");
  }
  return {
    env: {
      ...env,
      CLOUD_INSTANCE: tenant.cloudInstance,
      TENANT_ID: tenant.tenantId,
      CLIENT_ID: clientId,
      CLIENT_SECRET: clientSecret,
      GRAPH_API_ENDPOINT: tenant.graphEndpoint,
      REDIRECT_URI: redirectUri,
      POST_LOGOUT_REDIRECT_URI: postLogoutRedirectUri,
      EXPRESS_SESSION_SECRET: env.EXPRESS_SESSION_SECRET || randomBytes(32).toString("base64url"),
      // Like the tenant's refresh tokens, a per-run key loses nothing when the process ends.
      TOKEN_CACHE_KEYS: env.TOKEN_CACHE_KEYS || `local:${randomBytes(32).toString("base64")}`,
    },
    notice: `Local test tenant (${tenant.authority}) — not Microsoft Entra ID. Test users only.`,
    caCertificatePem: tenant.caCertificatePem,
    close: () => tenant.close(),
  };
}
