/**
 * Public types of the local tenant (re-exported by index.ts).
 *
 * Guarantees: these are the only shapes callers depend on; everything else in this folder is internal.
 */
import type { LocalTenantUser } from "./users.js";

export interface LocalTenantClient {
  clientId: string;
  clientSecret: string;
  /** Compared by exact string match, like Entra. */
  redirectUris: string[];
  /** Compared by exact string match; anything else is never redirected to. */
  postLogoutRedirectUris: string[];
}

export interface LocalTenantOptions {
  /** Default "127.0.0.1". Only "127.0.0.1", "::1" and "localhost" are accepted. */
  host?: string;
  /** Identity provider port, default 0 (random). */
  port?: number;
  /** Graph stand-in port, default 0 (random). */
  graphPort?: number;
  /** Default: a fixed GUID (DEFAULT_TENANT_ID). */
  tenantId?: string;
  clients?: LocalTenantClient[];
  /** Default 3600. MSAL treats tokens as expired 300 s early, so tests use e.g. 305. */
  accessTokenLifetimeSeconds?: number;
  /** Default 86400. */
  refreshTokenLifetimeSeconds?: number;
  log?: (message: string) => void;
}

/** Live counts of requests received (incremented when a request arrives, errors included). */
export interface LocalTenantCounters {
  discovery: number;
  authorize: number;
  tokenAuthorizationCode: number;
  tokenRefresh: number;
  tokenErrors: number;
  jwks: number;
  logout: number;
  graphMe: number;
  graphErrors: number;
}

export interface HangFault {
  hang: true;
}

export interface GraphStatusFault {
  status: number;
  /** A string is sent as-is (lets tests send malformed JSON); anything else is sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface TokenStatusFault {
  status: number;
  body?: unknown;
}

/** Test switches; null means normal behaviour. A fault stays in force until set back to null. */
export interface LocalTenantFaults {
  graph: null | GraphStatusFault | HangFault;
  token: null | TokenStatusFault | HangFault;
}

export interface LocalTenant {
  /** "https://127.0.0.1:PORT/" */
  cloudInstance: string;
  tenantId: string;
  /** cloudInstance + tenantId */
  authority: string;
  /** "127.0.0.1:PORT" (for MSAL knownAuthorities) */
  authorityHost: string;
  /** "https://127.0.0.1:GRAPHPORT/" (the app calls `${graphEndpoint}v1.0/me`) */
  graphEndpoint: string;
  /** The PEM the app and tests must trust (self-signed, its own trust anchor). */
  caCertificatePem: string;
  /** base64 sha256 of the certificate's SPKI, for Chromium --ignore-certificate-errors-spki-list. */
  spkiSha256Base64: string;
  users: readonly LocalTenantUser[];
  registerClient(client: LocalTenantClient): void;
  counters: LocalTenantCounters;
  resetCounters(): void;
  faults: LocalTenantFaults;
  /** Makes outstanding refresh tokens (of one user, or all) dead, and ends their SSO sessions. */
  revokeRefreshTokens(userOid?: string): void;
  /** Closes both servers, destroying open (including hung) sockets. Safe to call twice. */
  close(): Promise<void>;
}
