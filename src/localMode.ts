/**
 * Local mode: with no CLIENT_ID outside production, the app runs against the built-in local tenant.
 * This fills in the settings the app would get from a real registration (authority, client id and
 * secret, Graph endpoint) and registers the app's redirect URIs with the tenant. The app itself only
 * ever sees an authority URL and a CA to trust.
 *
 * It comes in steps so that every setting is checked before anything starts: `planLocalMode` draws
 * the registration (no I/O); `localSettings` gives the settings the app runs with, first with
 * PLACEHOLDER_TENANT for the tenant's addresses, which is what server.ts validates; `startLocalMode`
 * then starts the tenant from the validated config and hands back the settings with its real
 * addresses.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { Environment } from "./config/loadConfig.js";
import type { AppConfig } from "./config/settings.js";

/** What local mode draws for this run: the app's registration, and the secrets that are not set. */
export interface LocalRegistration {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Only when EXPRESS_SESSION_SECRET is not set. */
  readonly sessionSecret: string | undefined;
  /** Only when TOKEN_CACHE_KEYS is not set. */
  readonly tokenCacheKeys: string | undefined;
}

/** Where the local tenant answers; known only once it listens. */
export interface TenantAddresses {
  readonly cloudInstance: string;
  readonly tenantId: string;
  readonly graphEndpoint: string;
}

/** Stand-ins of the same shape as the tenant's addresses (which are never wrong), to validate with. */
export const PLACEHOLDER_TENANT: TenantAddresses = Object.freeze({
  cloudInstance: "https://127.0.0.1/",
  tenantId: "00000000-0000-0000-0000-000000000000",
  graphEndpoint: "https://127.0.0.1/",
});

export interface LocalMode {
  env: Environment;
  notice: string;
  caCertificatePem: string;
  close(): Promise<void>;
}

export function wantsLocalMode(env: Environment): boolean {
  // AZURE_CLIENT_ID is CLIENT_ID's alias (workload identity sets it): a real registration either way.
  return !env.CLIENT_ID && !env.AZURE_CLIENT_ID && env.NODE_ENV !== "production";
}

export function planLocalMode(env: Environment): LocalRegistration {
  return {
    clientId: randomUUID(),
    clientSecret: randomBytes(32).toString("base64url"),
    // The tenant's keys and refresh tokens die with the process too, so per-run secrets lose nothing.
    sessionSecret: env.EXPRESS_SESSION_SECRET ? undefined : randomBytes(32).toString("base64url"),
    tokenCacheKeys: env.TOKEN_CACHE_KEYS ? undefined : `local:${randomBytes(32).toString("base64")}`,
  };
}

/** The settings the app runs with in local mode: the operator's, with the registration filled in. */
export function localSettings(
  env: Environment,
  registration: LocalRegistration,
  tenant: TenantAddresses,
): Environment {
  return {
    ...env,
    CLOUD_INSTANCE: tenant.cloudInstance,
    TENANT_ID: tenant.tenantId,
    CLIENT_ID: registration.clientId,
    CLIENT_SECRET: registration.clientSecret,
    // The local registration has a secret and one tenant: the Entra credential and tenant list do
    // not apply (.env.example: local mode ignores the Entra settings).
    CLIENT_SECRET_FILE: undefined,
    CLIENT_CERTIFICATE_PATH: undefined,
    AZURE_FEDERATED_TOKEN_FILE: undefined,
    AZURE_TENANT_ID: undefined,
    CLIENT_CERTIFICATE_PASSWORD: undefined,
    CLIENT_CERTIFICATE_SEND_X5C: undefined,
    ALLOWED_TENANTS: undefined,
    GRAPH_API_ENDPOINT: tenant.graphEndpoint,
    EXPRESS_SESSION_SECRET: env.EXPRESS_SESSION_SECRET || registration.sessionSecret,
    TOKEN_CACHE_KEYS: env.TOKEN_CACHE_KEYS || registration.tokenCacheKeys,
  };
}

/** `checked`: the config validated from `localSettings(env, registration, PLACEHOLDER_TENANT)`. */
export async function startLocalMode(
  env: Environment,
  registration: LocalRegistration,
  checked: AppConfig,
  log: (message: string) => void,
): Promise<LocalMode> {
  // Loaded only here, so a production process never even imports the stand-in.
  const { startLocalTenant } = await import("local-entra");
  const tenant = await startLocalTenant({
    port: checked.localTenantPort,
    clients: [
      {
        clientId: registration.clientId,
        clientSecret: registration.clientSecret,
        // A v2 registration has no separate sign-out list: the post-logout URI is a redirect URI.
        redirectUris: [...new Set([checked.auth.redirectUri, checked.auth.postLogoutRedirectUri])],
        frontChannelLogoutUrl: new URL("/auth/frontchannel-logout", checked.auth.redirectUri).href,
      },
    ],
    log,
  });
  if (registration.sessionSecret !== undefined) {
    log("EXPRESS_SESSION_SECRET is not set: using a random one for this run (local mode only).");
  }
  return {
    env: localSettings(env, registration, tenant),
    notice: `Local test tenant (${tenant.authority}) — not Microsoft Entra ID. Test users only.`,
    caCertificatePem: tenant.caCertificatePem,
    close: () => tenant.close(),
  };
}
