import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pino } from "pino";
import { loadConfig } from "../../src/config/loadConfig.js";
import { createLogger } from "../../src/logger.js";
import { PRODUCTION, VALID as valid, problemsOf } from "./settingsFixtures.js";

const KEY_RING = `k2: ${Buffer.alloc(32, 2).toString("base64")} , k1:${Buffer.alloc(32, 1).toString("base64")}`;

describe("loadConfig", () => {
  it("loadConfig, with the minimal settings, applies the documented defaults", () => {
    const config = loadConfig(valid);

    assert.equal(
      config.auth.authority,
      "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555",
    );
    assert.equal(config.graph.endpoint, "https://graph.microsoft.com/");
    assert.equal(config.port, 3000);
    assert.equal(config.auth.redirectUri, "http://localhost:3000/auth/redirect");
    assert.equal(config.auth.postLogoutRedirectUri, "http://localhost:3000/");
    assert.equal(config.session.store, "sqlite");
    assert.equal(config.session.secureCookie, false);
    assert.equal(config.session.cookieName, "sid");
  });

  it("loadConfig, with nothing set, names every missing setting in one error", () => {
    const problems = problemsOf({});

    for (const name of ["TENANT_ID", "CLIENT_ID", "CLIENT_SECRET", "EXPRESS_SESSION_SECRET"]) {
      assert.ok(
        problems.some((p) => p.startsWith(`${name}:`)),
        `${name} is not reported in: ${problems.join("; ")}`,
      );
    }
  });

  it("loadConfig, with empty strings as in a .env template, treats them as missing", () => {
    const problems = problemsOf({ ...valid, CLIENT_SECRET: "" });

    assert.deepEqual(problems, [
      "CLIENT_SECRET: a client credential is required: set exactly one of CLIENT_SECRET, CLIENT_SECRET_FILE, CLIENT_CERTIFICATE_PATH and AZURE_FEDERATED_TOKEN_FILE",
    ]);
  });

  it("loadConfig, with an http authority or Graph endpoint, refuses them", () => {
    const problems = problemsOf({
      ...valid,
      CLOUD_INSTANCE: "http://login.example/",
      GRAPH_API_ENDPOINT: "http://g/",
    });

    assert.ok(problems.some((p) => p.startsWith("CLOUD_INSTANCE:")));
    assert.ok(problems.some((p) => p.startsWith("GRAPH_API_ENDPOINT:")));
  });

  it("loadConfig, with a short session secret, refuses it without echoing it", () => {
    const problems = problemsOf({ ...valid, EXPRESS_SESSION_SECRET: "tooShortSecretValue" });

    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^EXPRESS_SESSION_SECRET: .*at least 32/);
    assert.ok(!problems[0]!.includes("tooShortSecretValue"));
  });

  it("loadConfig, in production with an http redirect URI, refuses to run without Secure cookies", () => {
    const problems = problemsOf({ ...PRODUCTION, REDIRECT_URI: "http://app.example/auth/redirect" });

    assert.deepEqual(problems, ["REDIRECT_URI: must use https in production (session cookies are Secure)"]);
  });

  it("loadConfig, with an https redirect URI, makes the cookie Secure with the __Host- prefix", () => {
    const config = loadConfig({
      ...valid,
      REDIRECT_URI: "https://app.example/auth/redirect",
      TRUST_PROXY: "true",
    });

    assert.equal(config.session.secureCookie, true);
    assert.equal(config.session.cookieName, "__Host-sid");
    assert.equal(config.auth.postLogoutRedirectUri, "https://app.example/");
  });

  it("loadConfig, with previous session secrets, keeps the current one first for signing", () => {
    const config = loadConfig({
      ...valid,
      EXPRESS_SESSION_PREVIOUS_SECRETS: ` ${"o".repeat(32)} , ${"p".repeat(32)}`,
    });

    assert.deepEqual(config.session.secrets, ["s".repeat(40), "o".repeat(32), "p".repeat(32)]);
  });

  it("loadConfig, once built, cannot be changed by the code that receives it", () => {
    const config = loadConfig(valid);

    assert.throws(() => {
      (config.auth as { clientId: string }).clientId = "other";
    }, TypeError);
  });

  it("loadConfig, with an unknown session store, names the allowed values", () => {
    const problems = problemsOf({ ...valid, SESSION_STORE: "memory" });

    assert.deepEqual(problems, ['SESSION_STORE: must be "sqlite" or "redis"']);
  });

  it("loadConfig, with the Redis store, defaults to the local Redis and refuses other schemes", () => {
    const config = loadConfig({ ...valid, SESSION_STORE: "redis" });
    const problems = problemsOf({ ...valid, SESSION_STORE: "redis", REDIS_URL: "http://127.0.0.1:6379" });

    assert.equal(config.session.redisUrl, "redis://127.0.0.1:6379");
    assert.equal(config.session.redisKeyPrefix, "entra-webapp:sess:");
    assert.deepEqual(problems, ["REDIS_URL: must start with redis:// or rediss://"]);
  });

  it("loadConfig, in production without token cache keys, refuses to start", () => {
    const problems = problemsOf({ ...PRODUCTION, TOKEN_CACHE_KEYS: undefined });

    assert.deepEqual(problems, [
      "TOKEN_CACHE_KEYS: is required in production (token caches are encrypted at rest)",
    ]);
  });

  it("loadConfig, with a key ring, keeps the keys in order and the first one encrypts", () => {
    const config = loadConfig({ ...valid, TOKEN_CACHE_KEYS: KEY_RING });

    assert.deepEqual(
      config.session.tokenCacheKeys.map((k) => [k.id, k.secret.length, k.secret[0]]),
      [
        ["k2", 32, 2],
        ["k1", 32, 1],
      ],
    );
  });

  it("loadConfig, with malformed keys, names each problem without echoing key material", () => {
    const short = Buffer.alloc(16, 9).toString("base64");
    const problems = problemsOf({ ...valid, TOKEN_CACHE_KEYS: `ok:${short},no-separator,a:${short}` });

    assert.deepEqual(problems, [
      'TOKEN_CACHE_KEYS: key "ok" must be 32 bytes, base64-encoded',
      "TOKEN_CACHE_KEYS: entry 2 must look like keyId:base64key (keyId: letters, digits, - or _)",
      'TOKEN_CACHE_KEYS: key "a" must be 32 bytes, base64-encoded',
    ]);
    assert.ok(!problems.join(" ").includes(short));
  });

  it("loadConfig, with an idle timeout longer than the absolute one, refuses it", () => {
    const problems = problemsOf({
      ...valid,
      SESSION_IDLE_TIMEOUT_SECONDS: "7200",
      SESSION_ABSOLUTE_TIMEOUT_SECONDS: "3600",
    });

    assert.deepEqual(problems, [
      "SESSION_IDLE_TIMEOUT_SECONDS: must not exceed SESSION_ABSOLUTE_TIMEOUT_SECONDS",
    ]);
  });
});

describe("loadConfig, ports and the log level", () => {
  const PORT_VARIABLES = ["PORT", "LOCAL_TENANT_PORT"] as const;
  const read = {
    PORT: (env: Record<string, string | undefined>) => loadConfig(env).port,
    LOCAL_TENANT_PORT: (env: Record<string, string | undefined>) => loadConfig(env).localTenantPort,
  };

  // [value, the port it means]; "" is unset, as in a .env template.
  const goodPorts: [string | undefined, number][] = [
    ["0", 0],
    ["1", 1],
    ["80", 80],
    ["443", 443],
    ["3000", 3000],
    ["8080", 8080],
    ["65535", 65535],
    ["0080", 80],
  ];
  const defaults = { PORT: 3000, LOCAL_TENANT_PORT: 0 };
  for (const name of PORT_VARIABLES) {
    for (const [value, expected] of [
      ...goodPorts,
      [undefined, defaults[name]] as const,
      ["", defaults[name]] as const,
    ]) {
      it(`loadConfig, with ${name}=${JSON.stringify(value)}, uses port ${expected}`, () => {
        assert.equal(read[name]({ ...valid, [name]: value }), expected);
      });
    }
  }

  // Each is refused with a message that names the variable, whatever else is set.
  const badPorts = [
    "abc",
    "-1",
    "65536",
    "100000",
    "99999999999",
    "1.5",
    "3000.0",
    "0x50",
    "1e3",
    "Infinity",
    "NaN",
    "80 ",
    " 80",
    "8 0",
    "+80",
    "٣٠٠٠",
    "3000abc",
  ];
  for (const name of PORT_VARIABLES) {
    for (const value of badPorts) {
      it(`loadConfig, with ${name}=${JSON.stringify(value)}, names ${name} in its one problem`, () => {
        const problems = problemsOf({ ...valid, [name]: value });

        assert.deepEqual(problems, [
          name === "PORT"
            ? "PORT: must be a whole number from 0 to 65535"
            : "LOCAL_TENANT_PORT: must be a whole number from 0 to 65535 (0: any free port)",
        ]);
      });
    }
  }

  // pino's own list, so that a level pino adds or drops shows up here.
  const pinoLevels = [...Object.keys(pino.levels.values), "silent"];
  for (const level of pinoLevels) {
    it(`loadConfig, with LOG_LEVEL=${level}, passes it to a logger that accepts it`, () => {
      const config = loadConfig({ ...valid, LOG_LEVEL: level });

      assert.equal(config.logLevel, level);
      const logger = createLogger({ level: config.logLevel, destination: { write: () => undefined } });
      assert.equal(logger.level, level);
    });
  }

  it("loadConfig, with no LOG_LEVEL or an empty one, logs at info", () => {
    assert.equal(loadConfig(valid).logLevel, "info");
    assert.equal(loadConfig({ ...valid, LOG_LEVEL: "" }).logLevel, "info");
  });

  const badLevels = [
    "loud",
    "INFO",
    "Info",
    "warning",
    "verbose",
    "critical",
    "all",
    "off",
    "none",
    "30",
    "info ",
    "debug,info",
    "trace!",
  ];
  for (const level of badLevels) {
    it(`loadConfig, with LOG_LEVEL=${JSON.stringify(level)}, names LOG_LEVEL and the levels it takes`, () => {
      const problems = problemsOf({ ...valid, LOG_LEVEL: level });

      assert.deepEqual(problems, [
        "LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent",
      ]);
    });
  }
});
