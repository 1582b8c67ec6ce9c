/**
 * A start with several wrong settings names all of them in one error: the rules between settings
 * (https in production, schemes, timeouts, keys, tenants, clouds, the credential, TRUST_PROXY) run
 * even when single settings are wrong too, and a rule stays quiet only when a setting it reads is
 * itself reported as wrong.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PRODUCTION, STRONG_PREVIOUS_SECRET, VALID, problemsOf } from "./settingsFixtures.js";
import type { Env } from "./settingsFixtures.js";

const HTTPS_SITE = "https://app.example/auth/redirect";
const GUID = "bbbbbbbb-1111-2222-3333-444444444444";

const PORT = "PORT: must be a whole number from 0 to 65535";
const LOCAL_TENANT_PORT = "LOCAL_TENANT_PORT: must be a whole number from 0 to 65535 (0: any free port)";
const LOG_LEVEL = "LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent";
const TRUST_PROXY_NEEDED =
  "TRUST_PROXY: must name the TLS-terminating proxy because REDIRECT_URI is https: this server speaks plain http, so TLS ends at a reverse proxy that must send X-Forwarded-Proto: https, and the app must trust it (TRUST_PROXY=1 for one proxy in front of the app, or the proxy's addresses); otherwise the Secure session cookie is never set and every sign-in fails";
const HTTPS_IN_PRODUCTION = "REDIRECT_URI: must use https in production (session cookies are Secure)";
const IDLE_OVER_ABSOLUTE = "SESSION_IDLE_TIMEOUT_SECONDS: must not exceed SESSION_ABSOLUTE_TIMEOUT_SECONDS";
const NO_CREDENTIAL =
  "CLIENT_SECRET: a client credential is required: set exactly one of CLIENT_SECRET, CLIENT_SECRET_FILE, CLIENT_CERTIFICATE_PATH and AZURE_FEDERATED_TOKEN_FILE";
const GUESSABLE_SECRET = `is too easy to guess for production (a repeated pattern, a run of neighbouring characters or very few different ones); generate one with node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`;
const GUESSABLE_KEY =
  "is too easy to guess for production (a repeated pattern, a run of neighbouring bytes or very few different ones); generate it with require('crypto').randomBytes(32)";

// [what, settings, every problem expected]
const cases: [string, Env, string[]][] = [
  [
    "a wrong PORT and LOG_LEVEL, an https site without TRUST_PROXY, idle over absolute",
    {
      ...VALID,
      PORT: "abc",
      LOG_LEVEL: "loud",
      REDIRECT_URI: HTTPS_SITE,
      SESSION_IDLE_TIMEOUT_SECONDS: "7200",
      SESSION_ABSOLUTE_TIMEOUT_SECONDS: "3600",
    },
    [PORT, LOG_LEVEL, TRUST_PROXY_NEEDED, IDLE_OVER_ABSOLUTE],
  ],
  [
    "production without CLIENT_ID, with an http redirect URI, no key ring and a guessable secret",
    {
      ...PRODUCTION,
      CLIENT_ID: undefined,
      REDIRECT_URI: "http://app.example/auth/redirect",
      TOKEN_CACHE_KEYS: undefined,
      EXPRESS_SESSION_SECRET: "a".repeat(40),
    },
    [
      "CLIENT_ID: is required",
      HTTPS_IN_PRODUCTION,
      "TOKEN_CACHE_KEYS: is required in production (token caches are encrypted at rest)",
      `EXPRESS_SESSION_SECRET: ${GUESSABLE_SECRET}`,
    ],
  ],
  [
    "an unknown store and Redis URL, a post-logout URI of another scheme, another cloud's Graph",
    {
      ...VALID,
      SESSION_STORE: "memory",
      REDIS_URL: "http://127.0.0.1:6379",
      POST_LOGOUT_REDIRECT_URI: "https://app.example/",
      CLOUD_INSTANCE: "https://login.chinacloudapi.cn/",
    },
    [
      'SESSION_STORE: must be "sqlite" or "redis"',
      "REDIS_URL: must start with redis:// or rediss://",
      "POST_LOGOUT_REDIRECT_URI: must use the same scheme as REDIRECT_URI",
      "GRAPH_API_ENDPOINT: graph.microsoft.com is Microsoft Graph in the global cloud, but CLOUD_INSTANCE login.chinacloudapi.cn signs in to Microsoft Azure operated by 21Vianet (China); use https://microsoftgraph.chinacloudapi.cn/",
    ],
  ],
  [
    "a wrong LOCAL_TENANT_PORT and Graph timeout, a single tenant's ALLOWED_TENANTS, two credentials",
    {
      ...VALID,
      LOCAL_TENANT_PORT: "-1",
      GRAPH_TIMEOUT_MS: "5",
      ALLOWED_TENANTS: GUID,
      CLIENT_CERTIFICATE_PATH: "/nonexistent/client.pem",
    },
    [
      LOCAL_TENANT_PORT,
      "GRAPH_TIMEOUT_MS: must be a whole number from 100 to 60000",
      'ALLOWED_TENANTS: only applies when TENANT_ID is "common" or "organizations"',
      "CLIENT_SECRET and CLIENT_CERTIFICATE_PATH: set exactly one client credential, not both",
    ],
  ],
  [
    "nothing set",
    {},
    [
      "TENANT_ID: is required",
      "CLIENT_ID: is required",
      "EXPRESS_SESSION_SECRET: is required",
      NO_CREDENTIAL,
    ],
  ],
  [
    "a wrong TRUST_PROXY and METRICS_ENABLED, a short previous secret, no credential",
    {
      ...VALID,
      CLIENT_SECRET: undefined,
      TRUST_PROXY: "yes",
      METRICS_ENABLED: "yes",
      EXPRESS_SESSION_PREVIOUS_SECRETS: "short",
    },
    [
      'TRUST_PROXY: "yes" is not one of true, false, a hop count (1 to 100), or a comma-separated list of IP addresses, subnets (address/prefix) and loopback, linklocal, uniquelocal',
      'METRICS_ENABLED: must be "true" or "false"',
      "EXPRESS_SESSION_PREVIOUS_SECRETS: entry 1 must be at least 32 characters long",
      NO_CREDENTIAL,
    ],
  ],
  [
    "production with a wrong IDP timeout, no TRUST_PROXY, a guessable previous secret and key",
    {
      ...PRODUCTION,
      IDP_TIMEOUT_MS: "fast",
      TRUST_PROXY: undefined,
      EXPRESS_SESSION_PREVIOUS_SECRETS: `${STRONG_PREVIOUS_SECRET},${"ab".repeat(20)}`,
      TOKEN_CACHE_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64")}`,
    },
    [
      "IDP_TIMEOUT_MS: must be a whole number from 100 to 60000",
      TRUST_PROXY_NEEDED,
      `EXPRESS_SESSION_PREVIOUS_SECRETS: entry 2 ${GUESSABLE_SECRET}`,
      `TOKEN_CACHE_KEYS: key "k1" ${GUESSABLE_KEY}`,
    ],
  ],
  [
    "an unreadable certificate file next to wrong store and idle timeouts",
    {
      ...VALID,
      CLIENT_SECRET: undefined,
      CLIENT_CERTIFICATE_PATH: "/nonexistent/client.pem",
      SESSION_STORE_TIMEOUT_MS: "0",
      SESSION_IDLE_TIMEOUT_SECONDS: "1",
    },
    [
      "SESSION_STORE_TIMEOUT_MS: must be a whole number from 50 to 30000",
      "SESSION_IDLE_TIMEOUT_SECONDS: must be a whole number from 2 to 2592000",
      "CLIENT_CERTIFICATE_PATH: cannot read /nonexistent/client.pem (ENOENT)",
    ],
  ],
  [
    "production, a PORT typo and the default (http) redirect URI",
    { ...PRODUCTION, REDIRECT_URI: undefined, PORT: "80a" },
    [PORT, HTTPS_IN_PRODUCTION],
  ],
  [
    "a wrong NODE_ENV (production rules cannot tell) next to idle over absolute",
    {
      ...VALID,
      NODE_ENV: "prod",
      REDIRECT_URI: "http://app.example/auth/redirect",
      EXPRESS_SESSION_SECRET: "a".repeat(40),
      SESSION_IDLE_TIMEOUT_SECONDS: "7200",
      SESSION_ABSOLUTE_TIMEOUT_SECONDS: "3600",
    },
    ['NODE_ENV: must be "development", "production" or "test"', IDLE_OVER_ABSOLUTE],
  ],
  [
    "a wrong REDIRECT_URI (no scheme rule on it) and PORT",
    { ...VALID, REDIRECT_URI: "not a url", POST_LOGOUT_REDIRECT_URI: "https://app.example/", PORT: "x" },
    [PORT, "REDIRECT_URI: must be an absolute URL"],
  ],
  [
    "a REDIRECT_URI with a password, query and fragment, a CLOUD_INSTANCE with the tenant, a padded key",
    {
      ...VALID,
      REDIRECT_URI: "http://user:hunter2@app.example/auth/callback?x=1#top",
      CLOUD_INSTANCE: "https://login.microsoftonline.com/common/",
      CLIENT_SECRET: " a-client-secret",
      TOKEN_CACHE_KEYS: `k1:${"A".repeat(43)}==`,
    },
    [
      "REDIRECT_URI: must not contain a user name or password (…@host): the URL is written to the log",
      "REDIRECT_URI: must not have a query (?…)",
      "REDIRECT_URI: must not have a fragment (#…)",
      "REDIRECT_URI: must have the path /auth/redirect, where the app completes sign-in (no other path is answered), e.g. https://app.example/auth/redirect",
      "CLOUD_INSTANCE: must be the sign-in host only, e.g. https://login.microsoftonline.com/ (no path: the tenant goes in TENANT_ID)",
      "CLIENT_SECRET: has whitespace at its start or end (a copy-paste error?); a client secret never does",
      'TOKEN_CACHE_KEYS: key "k1" is not valid base64 (standard or base64url, with or without padding, nothing else)',
    ],
  ],
  [
    "a wrong TENANT_ID and ALLOWED_TENANTS, each judged alone",
    { ...VALID, TENANT_ID: "not a tenant!", ALLOWED_TENANTS: "contoso.com" },
    ["TENANT_ID: must be a tenant id or domain", "ALLOWED_TENANTS: must list tenant ids (GUIDs)"],
  ],
  [
    "an http Graph endpoint (no cloud pairing on it) and a wrong absolute timeout",
    {
      ...VALID,
      CLOUD_INSTANCE: "https://login.chinacloudapi.cn/",
      GRAPH_API_ENDPOINT: "http://graph.microsoft.com/",
      SESSION_IDLE_TIMEOUT_SECONDS: "7200",
      SESSION_ABSOLUTE_TIMEOUT_SECONDS: "forever",
    },
    [
      "GRAPH_API_ENDPOINT: must use https",
      "SESSION_ABSOLUTE_TIMEOUT_SECONDS: must be a whole number from 2 to 7776000",
    ],
  ],
  [
    "an https site with a wrong TRUST_PROXY (its own problem only) and a wrong CLIENT_ID",
    { ...VALID, REDIRECT_URI: HTTPS_SITE, TRUST_PROXY: "10.0.0.0/33", CLIENT_ID: "nope" },
    [
      'TRUST_PROXY: "10.0.0.0/33" needs a prefix length from 1 to 32 after the "/"',
      "CLIENT_ID: must be a GUID",
    ],
  ],
  [
    "local development with every kind of mistake at once",
    {
      ...VALID,
      NODE_ENV: "development",
      PORT: "65536",
      LOCAL_TENANT_PORT: "abc",
      LOG_LEVEL: "INFO",
      REDIRECT_URI: HTTPS_SITE,
      POST_LOGOUT_REDIRECT_URI: "http://app.example/",
      SESSION_IDLE_TIMEOUT_SECONDS: "86400",
      EXPRESS_SESSION_SECRET: "short",
      CLIENT_CERTIFICATE_PATH: "/nonexistent/client.pem",
    },
    [
      PORT,
      LOCAL_TENANT_PORT,
      LOG_LEVEL,
      "EXPRESS_SESSION_SECRET: must be at least 32 characters long",
      "POST_LOGOUT_REDIRECT_URI: must use the same scheme as REDIRECT_URI",
      TRUST_PROXY_NEEDED,
      IDLE_OVER_ABSOLUTE,
      "CLIENT_SECRET and CLIENT_CERTIFICATE_PATH: set exactly one client credential, not both",
    ],
  ],
];

describe("loadConfig, with several wrong settings", () => {
  for (const [what, env, expected] of cases) {
    it(`loadConfig, with ${what}, names every problem once in one error`, () => {
      const problems = problemsOf(env);

      assert.deepEqual([...problems].sort(), [...expected].sort());
    });
  }
});
