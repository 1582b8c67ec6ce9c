/**
 * Parses the environment once into a frozen `AppConfig`. Every problem is reported together in one
 * `ConfigError`: each setting is parsed on its own, then every rule between settings runs whose
 * settings parsed, so a start with several mistakes names all of them at once (a rule whose input is
 * already reported as wrong stays quiet rather than guess). Secrets have no defaults and are never
 * echoed back in messages.
 */
import { readFileSync } from "node:fs";
import { KeyObject } from "node:crypto";
import { z } from "zod";
import { ConfigError } from "../errors.js";
import { readClientCertificate } from "./clientCertificate.js";
import { cloudMismatch } from "./clouds.js";
import { APP_ROLE_VALUE_RULE, isAppRoleValue } from "../auth/appRoles.js";
import { domainHintProblem } from "./domainHint.js";
import { parseFederatedToken } from "./federatedToken.js";
import { parseSecretFile } from "./secretFile.js";
import { guessableTextReason, isGuessableKey } from "./secretStrength.js";
import { LOG_LEVELS, REDIRECT_PATH } from "./settings.js";
import type { AppConfig, ClientCredential, TokenCacheKey } from "./settings.js";
import { parseTrustProxy } from "./trustProxy.js";

/** Tenant names of multi-tenant authorities: the issuer is then a template filled with `tid`. */
const MULTI_TENANT_NAMES = ["common", "organizations"];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GUID_OR_NAME = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9.-]{1,253})$/i;

const SESSION_SECRET_MIN_LENGTH = 32;
const GENERATE_SECRET = `node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`;
const guessableSecret = (reason: string) =>
  `is too easy to guess for production (${reason}); generate one with ${GENERATE_SECRET}`;
const GUESSABLE_KEY =
  "is too easy to guess for production (a repeated pattern, a run of neighbouring bytes or very few different ones); generate it with require('crypto').randomBytes(32)";

// Messages name no setting: each problem is listed as `NAME: message`.

/** What a URL setting may hold beyond scheme://host[:port]. */
interface UrlShape {
  readonly httpsOnly: boolean;
  /** "origin": no path but "/"; "any"; or the one path it must have. */
  readonly path: "origin" | "any" | { readonly exact: string };
  readonly query: boolean;
  /** Said when the path is wrong. */
  readonly pathMessage?: string;
}

/**
 * A URL setting, stored as `new URL(value).href`. Refused: what the URL parser would silently
 * change into another URL (whitespace, control characters, "\\" read as "/", "http:host"), and a
 * user name or password, which would be written to the start-up log.
 */
const urlSetting = (shape: UrlShape) =>
  z.string().transform((value, ctx) => {
    const problems = urlProblems(value, shape);
    for (const message of problems) ctx.addIssue({ code: "custom", message });
    return problems.length > 0 ? z.NEVER : new URL(value).href;
  });

/** Problems name what is wrong, never the value (it may hold a password). */
function urlProblems(value: string, shape: UrlShape): string[] {
  // Blanks at the ends get their own message below; the URL parser would drop them.
  const text = value.trim();
  const start = /^[a-z][a-z0-9+.-]*:\/\/([^/?#\\]+)/i.exec(text);
  const authority = start?.[1];
  if (!start || authority === undefined || !URL.canParse(text)) return ["must be an absolute URL"];
  const url = new URL(text);
  const problems: string[] = [];
  // eslint-disable-next-line no-control-regex -- control characters are what is looked for
  if (/[\s\u0000-\u001f\u007f]/u.test(value)) {
    problems.push("must not contain whitespace or control characters");
  }
  if (value.includes("\\")) problems.push('must not contain a backslash (URL parsers read "\\" as "/")');
  if (shape.httpsOnly && url.protocol !== "https:") problems.push("must use https");
  if (!shape.httpsOnly && url.protocol !== "http:" && url.protocol !== "https:") {
    problems.push("must be an http or https URL");
  }
  if (authority.includes("@")) {
    problems.push("must not contain a user name or password (…@host): the URL is written to the log");
  }
  const [beforeFragment = ""] = text.split("#");
  if (!shape.query && beforeFragment.includes("?")) problems.push("must not have a query (?…)");
  if (text.includes("#")) problems.push("must not have a fragment (#…)");
  // The path as written, not as parsed: "/a/../auth/redirect" or "%2F" would be another URL.
  const path = beforeFragment.slice(start[0].length).split("?")[0];
  const pathOk =
    shape.path === "any" ||
    (shape.path === "origin" ? path === "" || path === "/" : path === shape.path.exact);
  if (!pathOk) problems.push(shape.pathMessage ?? "has a path it cannot have");
  return problems;
}

const ORIGIN = { httpsOnly: true, path: "origin", query: false } as const;

/** Digits only: `Number()` alone would also take "0x50", "1e3" and " ". */
const integer = (min: number, max: number, note = "") => {
  const message = `must be a whole number from ${min} to ${max}${note}`;
  return z
    .string()
    .regex(/^\d{1,9}$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message);
};

const flag = () => z.enum(["true", "false"], { error: 'must be "true" or "false"' });

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of ${values.join(", ")}` });

const requiredSecret = (minLength: number) =>
  z.string({ error: "is required" }).min(minLength, `must be at least ${minLength} characters long`);

/** A comma-separated list; blanks around entries and empty entries are ignored. */
const list = () => z.string().default("").transform(splitList);

const SETTINGS = {
  NODE_ENV: z
    .enum(["development", "production", "test"], {
      error: 'must be "development", "production" or "test"',
    })
    .default("development"),
  PORT: integer(0, 65535).default(3000),
  /** A boolean, a hop count or a list of addresses (see trustProxy.ts). */
  TRUST_PROXY: z
    .string()
    .transform((value, ctx) => {
      const parsed = parseTrustProxy(value);
      if (parsed.ok) return parsed.value;
      for (const message of parsed.problems) ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    })
    .default(false),
  LOG_LEVEL: oneOf(LOG_LEVELS).default("info"),
  /** Only read in local mode, but checked always: a wrong value is wrong wherever it sits. */
  LOCAL_TENANT_PORT: integer(0, 65535, " (0: any free port)").default(0),
  /** The authority host: the authority is CLOUD_INSTANCE + TENANT_ID. */
  CLOUD_INSTANCE: urlSetting({
    ...ORIGIN,
    pathMessage:
      "must be the sign-in host only, e.g. https://login.microsoftonline.com/ (no path: the tenant goes in TENANT_ID)",
  }).default("https://login.microsoftonline.com/"),
  TENANT_ID: z.string({ error: "is required" }).regex(GUID_OR_NAME, "must be a tenant id or domain"),
  CLIENT_ID: z.string({ error: "is required" }).regex(GUID, "must be a GUID"),
  /** Exactly one of CLIENT_SECRET and CLIENT_CERTIFICATE_PATH (a rule below). */
  CLIENT_SECRET: z
    .string()
    .superRefine((secret, ctx) => {
      // A client secret never has blanks at its ends: they are a copy-paste error, and the token
      // endpoint would refuse every sign-in.
      if (secret.trim() === "") ctx.addIssue({ code: "custom", message: "is only whitespace" });
      else if (secret.trim() !== secret) {
        ctx.addIssue({
          code: "custom",
          message: "has whitespace at its start or end (a copy-paste error?); a client secret never does",
        });
      }
    })
    .optional(),
  /** One PEM file: the certificate, its private key, optionally its issuers. */
  CLIENT_CERTIFICATE_PATH: z.string().optional(),
  /** Only for an encrypted private key. */
  CLIENT_CERTIFICATE_PASSWORD: z.string().optional(),
  CLIENT_CERTIFICATE_SEND_X5C: flag().default("false"),
  /** A file holding the client secret (e.g. a mounted Kubernetes secret), re-read when it changes. */
  CLIENT_SECRET_FILE: z.string().optional(),
  /** Workload identity federation: the platform-mounted JWT sent as the client assertion. */
  AZURE_FEDERATED_TOKEN_FILE: z.string().optional(),
  /** The app's public URL of its sign-in callback. */
  REDIRECT_URI: urlSetting({
    httpsOnly: false,
    path: { exact: REDIRECT_PATH },
    query: false,
    pathMessage: `must have the path ${REDIRECT_PATH}, where the app completes sign-in (no other path is answered), e.g. https://app.example${REDIRECT_PATH}`,
  }).optional(),
  POST_LOGOUT_REDIRECT_URI: urlSetting({ httpsOnly: false, path: "any", query: true }).optional(),
  /** Graph's host; the app adds the version (v1.0/me). */
  GRAPH_API_ENDPOINT: urlSetting({
    ...ORIGIN,
    pathMessage:
      "must be the Graph host only, e.g. https://graph.microsoft.com/ (no path: the app adds v1.0/… itself)",
  }).default("https://graph.microsoft.com/"),
  GRAPH_TIMEOUT_MS: integer(100, 60_000).default(10_000),
  IDP_TIMEOUT_MS: integer(100, 60_000).default(10_000),
  EXPRESS_SESSION_SECRET: requiredSecret(SESSION_SECRET_MIN_LENGTH),
  /** Older secrets still accepted while cookies signed with them expire; each as long as a current one. */
  EXPRESS_SESSION_PREVIOUS_SECRETS: list().superRefine((secrets, ctx) => {
    for (const [index, secret] of secrets.entries()) {
      if (secret.length < SESSION_SECRET_MIN_LENGTH) {
        ctx.addIssue({
          code: "custom",
          message: `entry ${index + 1} must be at least ${SESSION_SECRET_MIN_LENGTH} characters long`,
        });
      }
    }
  }),
  SESSION_STORE: z.enum(["sqlite", "redis"], { error: 'must be "sqlite" or "redis"' }).default("sqlite"),
  SQLITE_PATH: z.string().min(1).default("data/sessions.sqlite"),
  REDIS_URL: z
    .string()
    .url("must be a URL")
    .refine((v) => /^rediss?:\/\//.test(v), "must start with redis:// or rediss://")
    .default("redis://127.0.0.1:6379"),
  REDIS_KEY_PREFIX: z.string().max(100, "must be at most 100 characters long").default("entra-webapp:sess:"),
  SESSION_STORE_TIMEOUT_MS: integer(50, 30_000).default(2_000),
  /** Signed out after this long without a request (enforced by the store's TTL). */
  SESSION_IDLE_TIMEOUT_SECONDS: integer(2, 60 * 60 * 24 * 30).default(60 * 60),
  /** Signed out this long after signing in, however active (enforced on every request). */
  SESSION_ABSOLUTE_TIMEOUT_SECONDS: integer(2, 60 * 60 * 24 * 90).default(8 * 60 * 60),
  /** `keyId:base64key,…` — 32-byte AES keys; the first encrypts, all decrypt. Empty when unset. */
  TOKEN_CACHE_KEYS: z
    .string()
    .default("")
    .transform((value, ctx) => {
      const problems: string[] = [];
      const keys = parseKeyRing(value, problems);
      for (const message of problems) ctx.addIssue({ code: "custom", message });
      return problems.length > 0 ? z.NEVER : keys;
    }),
  /**
   * Compress token caches before encrypting them (envelope "tc2"). "false" writes the older "tc1",
   * for the first step of a rolling upgrade from a version that cannot open "tc2".
   */
  TOKEN_CACHE_COMPRESSION: flag().default("true"),
  /** What MSAL itself logs (into the app's log; PII logging is always off). */
  MSAL_LOG_LEVEL: oneOf(["error", "warning", "info", "verbose"]).default("warning"),
  /** Serve Prometheus metrics at GET /metrics. */
  METRICS_ENABLED: flag().default("false"),
  /** `domain_hint` on every authorize request: a domain name or a tenant id (domainHint.ts). */
  DOMAIN_HINT: z
    .string()
    .transform((value, ctx) => {
      const problem = domainHintProblem(value);
      if (problem === undefined) return value.toLowerCase();
      ctx.addIssue({ code: "custom", message: problem });
      return z.NEVER;
    })
    .optional(),
  /** The app role (a value of the ID token's `roles`) that opens /admin. */
  ADMIN_ROLE: z
    .string()
    .refine((value) => isAppRoleValue(value), APP_ROLE_VALUE_RULE)
    .default("Admin"),
  /** Tenant ids accepted when TENANT_ID is "common" or "organizations". Comma-separated. */
  ALLOWED_TENANTS: list()
    .transform((tenants) => tenants.map((t) => t.toLowerCase()))
    .refine((tenants) => tenants.every((t) => GUID.test(t)), "must list tenant ids (GUIDs)"),
};

type SettingName = keyof typeof SETTINGS;
type Settings = { [K in SettingName]: z.output<(typeof SETTINGS)[K]> };

export type Environment = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  environmentNotice?: string;
  /** How the credential files are read at start-up (tests pass files in memory). */
  readFile?: (path: string) => string;
  now?: Date;
}

export function loadConfig(env: Environment, options: LoadConfigOptions = {}): AppConfig {
  // Empty strings in .env files mean "not set".
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const problems: string[] = [];
  // A problem with a value is told under the name the operator set (an alias, see ALIASES).
  const { present, setAs } = resolveAliases(given, problems);
  const values: Partial<Settings> = {};
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const result = (SETTINGS[name] as z.ZodType).safeParse(present[name]);
    if (result.success) (values as Record<string, unknown>)[name] = result.data;
    else problems.push(...result.error.issues.map((issue) => `${setAs(name)}: ${issue.message}`));
  }
  const credential = checkRules(values, options, problems);
  if (problems.length > 0 || !credential) throw new ConfigError(problems);
  // Every setting parsed: a setting that does not always adds a problem.
  const e = values as Settings;
  const redirectUri = e.REDIRECT_URI ?? `http://localhost:${e.PORT}${REDIRECT_PATH}`;
  const postLogoutRedirectUri = e.POST_LOGOUT_REDIRECT_URI ?? new URL("/", redirectUri).href;
  const secureCookie = redirectUri.startsWith("https://");

  const config: AppConfig = {
    environment: e.NODE_ENV,
    port: e.PORT,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    localTenantPort: e.LOCAL_TENANT_PORT,
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
      allowedTenants: e.ALLOWED_TENANTS,
      msalLogLevel: e.MSAL_LOG_LEVEL,
      domainHint: e.DOMAIN_HINT,
      adminRole: e.ADMIN_ROLE,
    },
    graph: { endpoint: e.GRAPH_API_ENDPOINT, timeoutMs: e.GRAPH_TIMEOUT_MS },
    session: {
      secrets: Object.freeze([e.EXPRESS_SESSION_SECRET, ...e.EXPRESS_SESSION_PREVIOUS_SECRETS]),
      store: e.SESSION_STORE,
      sqlitePath: e.SQLITE_PATH,
      redisUrl: e.REDIS_URL,
      redisKeyPrefix: e.REDIS_KEY_PREFIX,
      storeTimeoutMs: e.SESSION_STORE_TIMEOUT_MS,
      idleTimeoutMs: e.SESSION_IDLE_TIMEOUT_SECONDS * 1000,
      absoluteTimeoutMs: e.SESSION_ABSOLUTE_TIMEOUT_SECONDS * 1000,
      tokenCacheKeys: e.TOKEN_CACHE_KEYS,
      compressTokenCache: e.TOKEN_CACHE_COMPRESSION === "true",
      cookieName: secureCookie ? "__Host-sid" : "sid",
      secureCookie,
    },
    metricsEnabled: e.METRICS_ENABLED === "true",
    environmentNotice: options.environmentNotice ?? "",
  };
  return deepFreeze(config);
}

/** The values of `names` when all of them parsed; otherwise undefined (their problem is listed). */
function parsed<K extends SettingName>(
  values: Partial<Settings>,
  ...names: K[]
): Pick<Settings, K> | undefined {
  return names.every((name) => Object.hasOwn(values, name)) ? (values as Pick<Settings, K>) : undefined;
}

/**
 * The rules between settings. Each runs when the settings it reads parsed, whatever else failed, and
 * adds its problems. Returns the client credential, when it could be read.
 */
function checkRules(
  values: Partial<Settings>,
  options: LoadConfigOptions,
  problems: string[],
): ClientCredential | undefined {
  const production = parsed(values, "NODE_ENV")?.NODE_ENV === "production";

  const redirect = parsed(values, "REDIRECT_URI");
  // The default redirect URI is http://localhost:PORT/…: its scheme is known even when PORT is wrong.
  const redirectScheme = redirect && new URL(redirect.REDIRECT_URI ?? "http://localhost/").protocol;
  const https = redirectScheme === "https:";
  if (production && redirectScheme !== undefined && !https) {
    problems.push("REDIRECT_URI: must use https in production (session cookies are Secure)");
  }
  // When unset, it is REDIRECT_URI's site root: the same scheme.
  const postLogout = parsed(values, "POST_LOGOUT_REDIRECT_URI")?.POST_LOGOUT_REDIRECT_URI;
  if (
    redirectScheme !== undefined &&
    postLogout !== undefined &&
    new URL(postLogout).protocol !== redirectScheme
  ) {
    problems.push("POST_LOGOUT_REDIRECT_URI: must use the same scheme as REDIRECT_URI");
  }
  const trustProxy = parsed(values, "TRUST_PROXY")?.TRUST_PROXY;
  if (https && trustProxy === false) {
    problems.push(
      "TRUST_PROXY: must name the TLS-terminating proxy because REDIRECT_URI is https: this server speaks plain http, so TLS ends at a reverse proxy that must send X-Forwarded-Proto: https, and the app must trust it (TRUST_PROXY=1 for one proxy in front of the app, or the proxy's addresses); otherwise the Secure session cookie is never set and every sign-in fails",
    );
  }

  const timeouts = parsed(values, "SESSION_IDLE_TIMEOUT_SECONDS", "SESSION_ABSOLUTE_TIMEOUT_SECONDS");
  if (timeouts && timeouts.SESSION_IDLE_TIMEOUT_SECONDS > timeouts.SESSION_ABSOLUTE_TIMEOUT_SECONDS) {
    problems.push("SESSION_IDLE_TIMEOUT_SECONDS: must not exceed SESSION_ABSOLUTE_TIMEOUT_SECONDS");
  }

  if (production) checkProductionSecrets(values, problems);

  const tenants = parsed(values, "TENANT_ID", "ALLOWED_TENANTS");
  if (
    tenants &&
    tenants.ALLOWED_TENANTS.length > 0 &&
    !MULTI_TENANT_NAMES.includes(tenants.TENANT_ID.toLowerCase())
  ) {
    problems.push('ALLOWED_TENANTS: only applies when TENANT_ID is "common" or "organizations"');
  }
  const clouds = parsed(values, "CLOUD_INSTANCE", "GRAPH_API_ENDPOINT");
  const mismatch = clouds && cloudMismatch(clouds.CLOUD_INSTANCE, clouds.GRAPH_API_ENDPOINT);
  if (mismatch) problems.push(mismatch);

  const choice = parsed(values, ...CREDENTIAL_SETTINGS);
  const certificateOptions = parsed(values, "CLIENT_CERTIFICATE_PASSWORD", "CLIENT_CERTIFICATE_SEND_X5C");
  const credential = choice && readCredential(choice, certificateOptions, options, problems);

  return credential;
}

/** Production only: development and tests use fixed, readable secrets on purpose. */
function checkProductionSecrets(values: Partial<Settings>, problems: string[]): void {
  const current = parsed(values, "EXPRESS_SESSION_SECRET");
  const currentReason = current && guessableTextReason(current.EXPRESS_SESSION_SECRET);
  if (currentReason) problems.push(`EXPRESS_SESSION_SECRET: ${guessableSecret(currentReason)}`);
  // A cookie signed with any accepted secret is as good as one signed with the current one.
  for (const [index, secret] of (
    parsed(values, "EXPRESS_SESSION_PREVIOUS_SECRETS")?.EXPRESS_SESSION_PREVIOUS_SECRETS ?? []
  ).entries()) {
    const reason = guessableTextReason(secret);
    if (reason) {
      problems.push(`EXPRESS_SESSION_PREVIOUS_SECRETS: entry ${index + 1} ${guessableSecret(reason)}`);
    }
  }
  const ring = parsed(values, "TOKEN_CACHE_KEYS");
  if (ring?.TOKEN_CACHE_KEYS.length === 0) {
    problems.push("TOKEN_CACHE_KEYS: is required in production (token caches are encrypted at rest)");
  }
  for (const key of ring?.TOKEN_CACHE_KEYS ?? []) {
    if (isGuessableKey(key.secret)) problems.push(`TOKEN_CACHE_KEYS: key "${key.id}" ${GUESSABLE_KEY}`);
  }
}

/**
 * Names workload identity (AKS and others) injects for the same settings: either name alone works;
 * both with different values is refused rather than one silently winning.
 */
const ALIASES = { CLIENT_ID: "AZURE_CLIENT_ID", TENANT_ID: "AZURE_TENANT_ID" } as const;

function resolveAliases(
  given: Record<string, string | undefined>,
  problems: string[],
): { present: Record<string, string | undefined>; setAs: (name: string) => string } {
  const present = { ...given };
  const viaAlias = new Set<string>();
  for (const [name, alias] of Object.entries(ALIASES)) {
    const own = given[name];
    const aliased = given[alias];
    if (aliased === undefined) continue;
    if (own === undefined) {
      present[name] = aliased;
      viaAlias.add(name);
    } else if (own.toLowerCase() !== aliased.toLowerCase()) {
      // Ids and domain names are case-insensitive: the same GUID in capitals is the same setting.
      problems.push(
        `${name} and ${alias}: set to different values; they name the same setting (${alias} is what workload identity sets): set one, or both to the same value`,
      );
    }
  }
  return {
    present,
    setAs: (name) => (viaAlias.has(name) ? ALIASES[name as keyof typeof ALIASES] : name),
  };
}

/** The settings that each name a client credential, of which exactly one must be set. */
const CREDENTIAL_SETTINGS = [
  "CLIENT_SECRET",
  "CLIENT_SECRET_FILE",
  "CLIENT_CERTIFICATE_PATH",
  "AZURE_FEDERATED_TOKEN_FILE",
] as const;

const NO_CREDENTIAL =
  "CLIENT_SECRET: a client credential is required: set exactly one of CLIENT_SECRET, CLIENT_SECRET_FILE, CLIENT_CERTIFICATE_PATH and AZURE_FEDERATED_TOKEN_FILE";

function readCredential(
  choice: Pick<Settings, (typeof CREDENTIAL_SETTINGS)[number]>,
  certificateOptions:
    Pick<Settings, "CLIENT_CERTIFICATE_PASSWORD" | "CLIENT_CERTIFICATE_SEND_X5C"> | undefined,
  options: LoadConfigOptions,
  problems: string[],
): ClientCredential | undefined {
  const set = CREDENTIAL_SETTINGS.filter((name) => choice[name] !== undefined);
  if (set.length > 1) {
    const names = `${set.slice(0, -1).join(", ")} and ${set.at(-1)}`;
    problems.push(
      `${names}: set exactly one client credential, not ${set.length === 2 ? "both" : "several"}`,
    );
    return undefined;
  }
  const readFile = options.readFile ?? ((file: string) => readFileSync(file, "utf8"));
  /** The file's text, or undefined with the problem listed under the setting's name. */
  const readSetting = (name: string, path: string): string | undefined => {
    try {
      return readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
      problems.push(`${name}: cannot read ${path} (${code})`);
      return undefined;
    }
  };
  const { CLIENT_SECRET: secret, CLIENT_SECRET_FILE: secretFile } = choice;
  const { CLIENT_CERTIFICATE_PATH: path, AZURE_FEDERATED_TOKEN_FILE: tokenFile } = choice;
  if (secret !== undefined) return { kind: "secret", secret };
  if (secretFile !== undefined) {
    const content = readSetting("CLIENT_SECRET_FILE", secretFile);
    if (content === undefined) return undefined;
    const read = parseSecretFile(content);
    if (read.ok) return { kind: "secret", secret: read.secret, file: secretFile };
    problems.push(`CLIENT_SECRET_FILE: ${secretFile} ${read.problem}`);
    return undefined;
  }
  if (tokenFile !== undefined) {
    const content = readSetting("AZURE_FEDERATED_TOKEN_FILE", tokenFile);
    if (content === undefined) return undefined;
    const read = parseFederatedToken(content);
    if (read.ok) return { kind: "federated", tokenFile, token: read.claims };
    problems.push(`AZURE_FEDERATED_TOKEN_FILE: ${tokenFile} ${read.problem}`);
    return undefined;
  }
  if (path === undefined) {
    problems.push(NO_CREDENTIAL);
    return undefined;
  }
  // A wrong CLIENT_CERTIFICATE_SEND_X5C is already listed; the file is read once it can be used.
  if (!certificateOptions) return undefined;
  const password = certificateOptions.CLIENT_CERTIFICATE_PASSWORD;
  const read = readClientCertificate({
    path,
    password,
    sendX5c: certificateOptions.CLIENT_CERTIFICATE_SEND_X5C === "true",
    readFile,
    now: options.now ?? new Date(),
  });
  if (!read.ok) {
    problems.push(read.problem);
    return undefined;
  }
  return {
    kind: "certificate",
    certificate: read.certificate,
    ...(password === undefined ? {} : { password }),
  };
}

function splitList(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** Problems name the key id at most, never key material. */
function parseKeyRing(value: string, problems: string[]): TokenCacheKey[] {
  const keys: TokenCacheKey[] = [];
  for (const [index, entry] of splitList(value).entries()) {
    const separator = entry.indexOf(":");
    const id = separator > 0 ? entry.slice(0, separator) : "";
    const secret = decodeBase64Strictly(entry.slice(separator + 1).trim());
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
      problems.push(`entry ${index + 1} must look like keyId:base64key (keyId: letters, digits, - or _)`);
    } else if (secret === undefined) {
      problems.push(
        `key "${id}" is not valid base64 (standard or base64url, with or without padding, nothing else)`,
      );
    } else if (secret.length !== 32) {
      problems.push(`key "${id}" must be 32 bytes, base64-encoded`);
    } else if (keys.some((k) => k.id === id)) {
      problems.push(`key id "${id}" appears twice`);
    } else {
      keys.push({ id, secret });
    }
  }
  return keys;
}

/**
 * RFC 4648 base64 (+/) or base64url (-_), padded or not, in its one canonical spelling; undefined for
 * anything else. `Buffer.from(text, "base64")` alone skips any character it does not know, so a key
 * with typos in it would still decode to 32 bytes of something.
 */
function decodeBase64Strictly(text: string): Buffer | undefined {
  const match = /^([A-Za-z0-9+/]*|[A-Za-z0-9_-]*)(={0,2})$/.exec(text);
  if (!match) return undefined;
  const [, body = "", padding = ""] = match;
  if (padding !== "" && (body.length + padding.length) % 4 !== 0) return undefined;
  const bytes = Buffer.from(body, "base64");
  // Re-encoding catches a cut-off last group and unused bits that are not zero.
  const again = bytes.toString(/[-_]/.test(body) ? "base64url" : "base64").replace(/=+$/, "");
  return again === body ? bytes : undefined;
}

function deepFreeze<T>(value: T): T {
  // Buffers and KeyObjects (key material) are left as they are; they are never handed out for writing.
  if (value && typeof value === "object" && !ArrayBuffer.isView(value) && !(value instanceof KeyObject)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
