/**
 * The typed, immutable settings of the app. Everything else receives an `AppConfig`; nothing but
 * `loadConfig` looks at environment variables.
 */
import type { KeyObject } from "node:crypto";

export type SessionStoreKind = "sqlite" | "redis";

/**
 * Where the app completes sign-in: the auth router (auth/createAuthRouter.ts) answers GET /redirect
 * under /auth. REDIRECT_URI must end in exactly this path.
 */
export const REDIRECT_PATH = "/auth/redirect";

/** pino's levels, and "silent" (LOG_LEVEL). */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Express's `trust proxy` setting: trust every peer (true), none (false), the nearest N hops, or the
 * listed addresses, subnets and Express's names (`loopback`, `linklocal`, `uniquelocal`).
 */
export type TrustProxy = boolean | number | readonly string[];

/** The app's certificate credential, read once at start-up (see clientCertificate.ts). */
export interface ClientCertificate {
  readonly path: string;
  /** SHA-256 of the certificate (DER), lowercase hex: the thumbprint the registration shows. */
  readonly thumbprintSha256: string;
  readonly subject: string;
  readonly notAfterMs: number;
  /** Never leaves the process; a KeyObject so that no log line can print it. */
  readonly privateKey: KeyObject;
  /** Base64 DER, the certificate first, then its issuers from the same file (the `x5c` header). */
  readonly chainDer: readonly string[];
  /** Send `x5c` with each assertion: subject name + issuer authentication (no thumbprint to rotate). */
  readonly sendX5c: boolean;
}

/** What the workload identity token read at start-up states (never the token itself). */
export interface FederatedTokenInfo {
  readonly issuer: string | undefined;
  readonly subject: string | undefined;
  readonly audience: string | undefined;
  readonly expiresAtMs: number;
}

/**
 * Exactly one credential proves the app's identity at the token endpoint. The file-based ones are
 * read at start-up (to refuse a bad file before `listen`) and again whenever the file changes
 * (auth/clientCredentialSource.ts), so they rotate without a restart.
 */
export type ClientCredential =
  /** CLIENT_SECRET, or CLIENT_SECRET_FILE (`file`): the secret as read at start-up. */
  | { readonly kind: "secret"; readonly secret: string; readonly file?: string }
  /** CLIENT_CERTIFICATE_PATH; `password` opens the key again when the file is replaced. */
  | {
      readonly kind: "certificate";
      readonly certificate: ClientCertificate;
      readonly password?: string;
    }
  /** AZURE_FEDERATED_TOKEN_FILE: the platform's token is the client assertion (workload identity). */
  | { readonly kind: "federated"; readonly tokenFile: string; readonly token: FederatedTokenInfo };

export interface AuthSettings {
  /** `CLOUD_INSTANCE` + `TENANT_ID`, without a trailing slash. */
  readonly authority: string;
  /** An https origin ending in a slash, e.g. `https://login.microsoftonline.com/`. */
  readonly cloudInstance: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly credential: ClientCredential;
  /** An absolute http(s) URL (`URL.href`) with the path REDIRECT_PATH, no query, fragment or user info. */
  readonly redirectUri: string;
  /** An absolute http(s) URL (`URL.href`) with no fragment or user info. */
  readonly postLogoutRedirectUri: string;
  /** Scopes asked for at sign-in; the home and profile pages need exactly these. */
  readonly scopes: readonly string[];
  /**
   * What the calendar page needs beyond sign-in: asked for on its first visit (incremental consent),
   * never at sign-in.
   */
  readonly calendarScopes: readonly string[];
  /** Deadline for every call to the identity provider. */
  readonly httpTimeoutMs: number;
  /** Tenant ids accepted for multi-tenant authorities (`common`, `organizations`); empty: any. */
  readonly allowedTenants: readonly string[];
  readonly msalLogLevel: "error" | "warning" | "info" | "verbose";
  /**
   * Sent as `domain_hint` with every authorize request (Entra then skips home-realm discovery): a
   * domain name (contoso.com) or a tenant id. Undefined: none.
   */
  readonly domainHint: string | undefined;
  /** The app role (a value of the ID token's `roles` claim) that opens the operator page, /admin. */
  readonly adminRole: string;
}

export interface TokenCacheKey {
  readonly id: string;
  readonly secret: Buffer;
}

export interface GraphSettings {
  /** An https origin ending in a slash, e.g. `https://graph.microsoft.com/`. */
  readonly endpoint: string;
  readonly timeoutMs: number;
}

export interface SessionSettings {
  /** First secret signs new cookies; the others are still accepted (rotation). */
  readonly secrets: readonly string[];
  readonly store: SessionStoreKind;
  readonly sqlitePath: string;
  /** May hold a password: never log it as is (see redactUrl). */
  readonly redisUrl: string;
  readonly redisKeyPrefix: string;
  /** Deadline for every session-store call; past it the request gets a 503. */
  readonly storeTimeoutMs: number;
  /** Signed out after this long without a request; also the cookie's and the store entry's lifetime. */
  readonly idleTimeoutMs: number;
  /** Signed out this long after signing in, however active. */
  readonly absoluteTimeoutMs: number;
  /** Encrypt the token cache at rest; the first key encrypts. Empty only outside production. */
  readonly tokenCacheKeys: readonly TokenCacheKey[];
  /** Seal token caches compressed ("tc2"); off only for a rolling upgrade from an older version. */
  readonly compressTokenCache: boolean;
  readonly cookieName: string;
  /** True when the app's public URL (the scheme of `REDIRECT_URI`) is https. */
  readonly secureCookie: boolean;
}

export interface AppConfig {
  readonly environment: "development" | "production" | "test";
  readonly port: number;
  /** Which peers' X-Forwarded-* headers count (a request is https only when a trusted proxy says so). */
  readonly trustProxy: TrustProxy;
  readonly logLevel: LogLevel;
  /** Port of the local test tenant in local mode; 0: any free port. */
  readonly localTenantPort: number;
  readonly auth: AuthSettings;
  readonly graph: GraphSettings;
  readonly session: SessionSettings;
  /** GET /metrics (Prometheus) is served only when true. */
  readonly metricsEnabled: boolean;
  /** A line every page shows, e.g. that the local test tenant is in use; empty for none. */
  readonly environmentNotice: string;
}
