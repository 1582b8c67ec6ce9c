/**
 * Parses the environment once into a frozen `AppConfig`. Every problem is reported together in one
 * `ConfigError`; secrets have no defaults and are never echoed back in messages.
 */
import { readFileSync } from "node:fs";
import { KeyObject } from "node:crypto";
import { z } from "zod";
import { ConfigError } from "../errors.js";
import { readClientCertificate } from "./clientCertificate.js";
import { cloudMismatch } from "./clouds.js";
import type { AppConfig, ClientCredential, TokenCacheKey } from "./settings.js";

/** Tenant names of multi-tenant authorities: the issuer is then a template filled with `tid`. */
const MULTI_TENANT_NAMES = ["common", "organizations"];

const GUID_OR_NAME = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9.-]{1,253})$/i;

const httpsUrlEndingInSlash = (name: string) =>
  z
    .string()
    .url(`${name} must be an absolute URL`)
    .refine((v) => v.startsWith("https://"), `${name} must use https`)
    .transform((v) => (v.endsWith("/") ? v : `${v}/`));

const httpUrl = (name: string) =>
  z
    .string()
    .url(`${name} must be an absolute URL`)
    .refine((v) => /^https?:\/\//.test(v), `${name} must be an http or https URL`);

const requiredSecret = (name: string, minLength: number) =>
  z
    .string({ error: `${name} is required` })
    .min(minLength, `${name} must be at least ${minLength} characters long`);

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  TRUST_PROXY: z.enum(["true", "false"]).default("false"),
  CLOUD_INSTANCE: httpsUrlEndingInSlash("CLOUD_INSTANCE").default("https://login.microsoftonline.com/"),
  TENANT_ID: z
    .string({ error: "TENANT_ID is required" })
    .regex(GUID_OR_NAME, "TENANT_ID must be a tenant id or domain"),
  CLIENT_ID: z
    .string({ error: "CLIENT_ID is required" })
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "CLIENT_ID must be a GUID"),
  /** Exactly one of CLIENT_SECRET and CLIENT_CERTIFICATE_PATH. */
  CLIENT_SECRET: z.string().optional(),
  /** One PEM file: the certificate, its private key, optionally its issuers. */
  CLIENT_CERTIFICATE_PATH: z.string().optional(),
  /** Only for an encrypted private key. */
  CLIENT_CERTIFICATE_PASSWORD: z.string().optional(),
  CLIENT_CERTIFICATE_SEND_X5C: z.enum(["true", "false"]).default("false"),
  REDIRECT_URI: httpUrl("REDIRECT_URI").optional(),
  POST_LOGOUT_REDIRECT_URI: httpUrl("POST_LOGOUT_REDIRECT_URI").optional(),
  GRAPH_API_ENDPOINT: httpsUrlEndingInSlash("GRAPH_API_ENDPOINT").default("https://graph.microsoft.com/"),
  GRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  IDP_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  EXPRESS_SESSION_SECRET: requiredSecret("EXPRESS_SESSION_SECRET", 32),
  /** Older secrets still accepted while cookies signed with them expire. Comma-separated. */
  EXPRESS_SESSION_PREVIOUS_SECRETS: z.string().default(""),
  SESSION_STORE: z
    .enum(["sqlite", "redis"], { error: 'SESSION_STORE must be "sqlite" or "redis"' })
    .default("sqlite"),
  SQLITE_PATH: z.string().min(1).default("data/sessions.sqlite"),
  REDIS_URL: z
    .string()
    .url("REDIS_URL must be a URL")
    .refine((v) => /^rediss?:\/\//.test(v), "REDIS_URL must start with redis:// or rediss://")
    .default("redis://127.0.0.1:6379"),
  REDIS_KEY_PREFIX: z.string().min(1).max(100).default("entra-webapp:sess:"),
  SESSION_STORE_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(2_000),
  /** Signed out after this long without a request (enforced by the store's TTL). */
  SESSION_IDLE_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(2)
    .max(60 * 60 * 24 * 30)
    .default(60 * 60),
  /** Signed out this long after signing in, however active (enforced on every request). */
  SESSION_ABSOLUTE_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(2)
    .max(60 * 60 * 24 * 90)
    .default(8 * 60 * 60),
  /** `keyId:base64key,…` — 32-byte AES keys; the first encrypts, all decrypt. */
  TOKEN_CACHE_KEYS: z.string().optional(),
  /** What MSAL itself logs (into the app's log; PII logging is always off). */
  MSAL_LOG_LEVEL: z.enum(["error", "warning", "info", "verbose"]).default("warning"),
  /** Serve Prometheus metrics at GET /metrics. */
  METRICS_ENABLED: z.enum(["true", "false"]).default("false"),
  /** Tenant ids accepted when TENANT_ID is "common" or "organizations". Comma-separated. */
  ALLOWED_TENANTS: z.string().default(""),
});

export type Environment = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  environmentNotice?: string;
  /** How CLIENT_CERTIFICATE_PATH is read (tests pass files in memory). */
  readFile?: (path: string) => string;
  now?: Date;
}

export function loadConfig(env: Environment, options: LoadConfigOptions = {}): AppConfig {
  // Empty strings in .env files mean "not set".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    if (present.CLIENT_SECRET === undefined && present.CLIENT_CERTIFICATE_PATH === undefined) {
      problems.push(NO_CREDENTIAL);
    }
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const redirectUri = e.REDIRECT_URI ?? `http://localhost:${e.PORT}/auth/redirect`;
  const postLogoutRedirectUri = e.POST_LOGOUT_REDIRECT_URI ?? new URL("/", redirectUri).href;
  const secureCookie = redirectUri.startsWith("https://");
  const problems: string[] = [];
  if (e.NODE_ENV === "production" && !secureCookie) {
    problems.push("REDIRECT_URI: must use https in production (session cookies are Secure)");
  }
  if (new URL(postLogoutRedirectUri).protocol !== new URL(redirectUri).protocol) {
    problems.push("POST_LOGOUT_REDIRECT_URI: must use the same scheme as REDIRECT_URI");
  }
  if (e.SESSION_IDLE_TIMEOUT_SECONDS > e.SESSION_ABSOLUTE_TIMEOUT_SECONDS) {
    problems.push("SESSION_IDLE_TIMEOUT_SECONDS: must not exceed SESSION_ABSOLUTE_TIMEOUT_SECONDS");
  }
  const tokenCacheKeys = parseKeyRing(e.TOKEN_CACHE_KEYS, problems);
  if (e.NODE_ENV === "production" && tokenCacheKeys.length === 0) {
    problems.push("TOKEN_CACHE_KEYS: is required in production (token caches are encrypted at rest)");
  }
  const allowedTenants = splitList(e.ALLOWED_TENANTS).map((t) => t.toLowerCase());
  if (allowedTenants.some((t) => !GUID.test(t)))
    problems.push("ALLOWED_TENANTS: must list tenant ids (GUIDs)");
  if (allowedTenants.length > 0 && !MULTI_TENANT_NAMES.includes(e.TENANT_ID.toLowerCase())) {
    problems.push('ALLOWED_TENANTS: only applies when TENANT_ID is "common" or "organizations"');
  }
  const mismatch = cloudMismatch(e.CLOUD_INSTANCE, e.GRAPH_API_ENDPOINT);
  if (mismatch) problems.push(mismatch);
  const credential = readCredential(e, options, problems);
  if (problems.length > 0 || !credential) throw new ConfigError(problems);

  const previousSecrets = splitList(e.EXPRESS_SESSION_PREVIOUS_SECRETS);

  const config: AppConfig = {
    environment: e.NODE_ENV,
    port: e.PORT,
    trustProxy: e.TRUST_PROXY === "true",
    auth: {
      authority: `${e.CLOUD_INSTANCE}${e.TENANT_ID}`,
      cloudInstance: e.CLOUD_INSTANCE,
      tenantId: e.TENANT_ID,
      clientId: e.CLIENT_ID,
      credential,
      redirectUri,
      postLogoutRedirectUri,
      scopes: Object.freeze(["User.Read"]),
      calendarScopes: Object.freeze(["Calendars.Read"]),
      httpTimeoutMs: e.IDP_TIMEOUT_MS,
      allowedTenants,
      msalLogLevel: e.MSAL_LOG_LEVEL,
    },
    graph: { endpoint: e.GRAPH_API_ENDPOINT, timeoutMs: e.GRAPH_TIMEOUT_MS },
    session: {
      secrets: Object.freeze([e.EXPRESS_SESSION_SECRET, ...previousSecrets]),
      store: e.SESSION_STORE,
      sqlitePath: e.SQLITE_PATH,
      redisUrl: e.REDIS_URL,
      redisKeyPrefix: e.REDIS_KEY_PREFIX,
      storeTimeoutMs: e.SESSION_STORE_TIMEOUT_MS,
      idleTimeoutMs: e.SESSION_IDLE_TIMEOUT_SECONDS * 1000,
      absoluteTimeoutMs: e.SESSION_ABSOLUTE_TIMEOUT_SECONDS * 1000,
      tokenCacheKeys,
      cookieName: secureCookie ? "__Host-sid" : "sid",
      secureCookie,
    },
    metricsEnabled: e.METRICS_ENABLED === "true",
    environmentNotice: options.environmentNotice ?? "",
  };
  return deepFreeze(config);
}

const NO_CREDENTIAL =
  "CLIENT_SECRET: a client credential is required: set CLIENT_SECRET or CLIENT_CERTIFICATE_PATH (exactly one)";

function readCredential(
  e: z.infer<typeof envSchema>,
  options: LoadConfigOptions,
  problems: string[],
): ClientCredential | undefined {
  const secret = e.CLIENT_SECRET;
  const path = e.CLIENT_CERTIFICATE_PATH;
  if (secret !== undefined && path !== undefined) {
    problems.push("CLIENT_SECRET and CLIENT_CERTIFICATE_PATH: set exactly one client credential, not both");
    return undefined;
  }
  if (secret !== undefined) return { kind: "secret", secret };
  if (path === undefined) {
    problems.push(NO_CREDENTIAL);
    return undefined;
  }
  const read = readClientCertificate({
    path,
    password: e.CLIENT_CERTIFICATE_PASSWORD,
    sendX5c: e.CLIENT_CERTIFICATE_SEND_X5C === "true",
    readFile: options.readFile ?? ((file) => readFileSync(file, "utf8")),
    now: options.now ?? new Date(),
  });
  if (!read.ok) {
    problems.push(read.problem);
    return undefined;
  }
  return { kind: "certificate", certificate: read.certificate };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function splitList(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** Problems name the key id at most, never key material. */
function parseKeyRing(value: string | undefined, problems: string[]): TokenCacheKey[] {
  const keys: TokenCacheKey[] = [];
  for (const [index, entry] of splitList(value ?? "").entries()) {
    const separator = entry.indexOf(":");
    const id = separator > 0 ? entry.slice(0, separator) : "";
    const secret = Buffer.from(entry.slice(separator + 1), "base64");
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
      problems.push(
        `TOKEN_CACHE_KEYS: entry ${index + 1} must look like keyId:base64key (keyId: letters, digits, - or _)`,
      );
    } else if (secret.length !== 32) {
      problems.push(`TOKEN_CACHE_KEYS: key "${id}" must be 32 bytes, base64-encoded`);
    } else if (keys.some((k) => k.id === id)) {
      problems.push(`TOKEN_CACHE_KEYS: key id "${id}" appears twice`);
    } else {
      keys.push({ id, secret });
    }
  }
  return keys;
}

function deepFreeze<T>(value: T): T {
  // Buffers and KeyObjects (key material) are left as they are; they are never handed out for writing.
  if (value && typeof value === "object" && !ArrayBuffer.isView(value) && !(value instanceof KeyObject)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
