/**
 * The credential settings beyond CLIENT_SECRET and CLIENT_CERTIFICATE_PATH: CLIENT_SECRET_FILE (a
 * mounted secret) and AZURE_FEDERATED_TOKEN_FILE (workload identity federation), exactly one of the
 * four; AZURE_CLIENT_ID and AZURE_TENANT_ID as aliases of CLIENT_ID and TENANT_ID. Every unusable
 * file is refused at start-up with one message naming the setting, never quoting the secret or token.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeCredential } from "../../src/config/describeCredential.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { wantsLocalMode } from "../../src/localMode.js";
import { VALID, problemsOf } from "./settingsFixtures.js";
import type { Env } from "./settingsFixtures.js";

const SECRET_PATH = "/var/run/secrets/app/client-secret";
const TOKEN_PATH = "/var/run/secrets/azure/tokens/azure-identity-token";
const CERT_PATH = "/etc/app/client.pem";
const SECRET = "Qx8Q~p3Zk.Jv_2mWc-Ry7hTn4LbFs9GdAe1UoK0i";

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const EXP = 4_102_444_800; // 2100-01-01
const CLAIMS = {
  iss: "https://oidc.prod-aks.azure.com/tenant/issuer/",
  sub: "system:serviceaccount:web:entra-webapp",
  aud: ["api://AzureADTokenExchange"],
  exp: EXP,
};
const SIGNATURE = "c2lnbmF0dXJlLW5vdC1jaGVja2VkLWhlcmU";
const jwt = (header: unknown, payload: unknown) => `${part(header)}.${part(payload)}.${SIGNATURE}`;
const TOKEN = jwt({ alg: "RS256", kid: "k1", typ: "JWT" }, CLAIMS);

/** Settings without any credential, to add exactly the ones a case names. */
const NONE: Env = { ...VALID, CLIENT_SECRET: undefined };

function files(entries: Record<string, string | NodeJS.ErrnoException>) {
  return {
    readFile: (path: string) => {
      const entry = entries[path];
      if (entry === undefined) throw Object.assign(new Error("missing"), { code: "ENOENT" });
      if (typeof entry !== "string") throw entry;
      return entry;
    },
  };
}

const ALL_FILES = files({ [SECRET_PATH]: SECRET, [TOKEN_PATH]: TOKEN });
const denied = Object.assign(new Error("denied"), { code: "EACCES" });

describe("credential settings: exactly one of four", () => {
  const settings: Record<string, string> = {
    CLIENT_SECRET: SECRET,
    CLIENT_SECRET_FILE: SECRET_PATH,
    CLIENT_CERTIFICATE_PATH: CERT_PATH,
    AZURE_FEDERATED_TOKEN_FILE: TOKEN_PATH,
  };
  const names = Object.keys(settings);
  // [the settings set, the one problem]
  const cases: [string[], string][] = [
    [
      [],
      "CLIENT_SECRET: a client credential is required: set exactly one of CLIENT_SECRET, CLIENT_SECRET_FILE, CLIENT_CERTIFICATE_PATH and AZURE_FEDERATED_TOKEN_FILE",
    ],
  ];
  // Every pair, triple and all four, in the order the message names them.
  for (let mask = 1; mask < 1 << names.length; mask += 1) {
    const set = names.filter((_, index) => mask & (1 << index));
    if (set.length < 2) continue;
    const listed = `${set.slice(0, -1).join(", ")} and ${set.at(-1)}`;
    cases.push([
      set,
      `${listed}: set exactly one client credential, not ${set.length === 2 ? "both" : "several"}`,
    ]);
  }

  for (const [set, problem] of cases) {
    it(`loadConfig, with ${set.length === 0 ? "no credential" : set.join(" + ")}, gives one message`, () => {
      const env = { ...NONE, ...Object.fromEntries(set.map((name) => [name, settings[name]])) };

      assert.deepEqual(problemsOf(env, ALL_FILES), [problem]);
    });
  }
  assert.equal(cases.length, 12);

  it("loadConfig, with an empty CLIENT_SECRET next to CLIENT_SECRET_FILE, takes the file (empty means unset)", () => {
    const config = loadConfig({ ...NONE, CLIENT_SECRET: "", CLIENT_SECRET_FILE: SECRET_PATH }, ALL_FILES);

    assert.deepEqual(config.auth.credential, { kind: "secret", secret: SECRET, file: SECRET_PATH });
  });
});

describe("CLIENT_SECRET_FILE", () => {
  // [what, the file (undefined: missing), the problem or undefined when accepted]
  const cases: [string, string | NodeJS.ErrnoException | undefined, string | undefined][] = [
    ["missing", undefined, `CLIENT_SECRET_FILE: cannot read ${SECRET_PATH} (ENOENT)`],
    ["unreadable", denied, `CLIENT_SECRET_FILE: cannot read ${SECRET_PATH} (EACCES)`],
    ["empty", "", `CLIENT_SECRET_FILE: ${SECRET_PATH} is empty`],
    ["one newline", "\n", `CLIENT_SECRET_FILE: ${SECRET_PATH} is empty`],
    ["blanks", "  \n", `CLIENT_SECRET_FILE: ${SECRET_PATH} holds only whitespace`],
    ["a tab", "\t", `CLIENT_SECRET_FILE: ${SECRET_PATH} holds only whitespace`],
    ...[` ${SECRET}`, `${SECRET} `, `${SECRET}\n\n`, `${SECRET} \n`, `\ufeff${SECRET}`, `${SECRET}\t`].map(
      (content): [string, string, string] => [
        `blank ends ${JSON.stringify(content.replace(SECRET, "…"))}`,
        content,
        `CLIENT_SECRET_FILE: ${SECRET_PATH} holds a secret with whitespace at its start or end (beyond one final newline); a client secret never has any`,
      ],
    ),
    ["the secret alone", SECRET, undefined],
    ["the secret and a newline", `${SECRET}\n`, undefined],
    ["the secret and CRLF", `${SECRET}\r\n`, undefined],
  ];
  for (const [what, content, problem] of cases) {
    it(`loadConfig, with CLIENT_SECRET_FILE ${what}, ${problem ? "names the setting and the file" : "reads the secret"}`, () => {
      const env = { ...NONE, CLIENT_SECRET_FILE: SECRET_PATH };
      const read = files(content === undefined ? {} : { [SECRET_PATH]: content });
      if (problem === undefined) {
        assert.deepEqual(loadConfig(env, read).auth.credential, {
          kind: "secret",
          secret: SECRET,
          file: SECRET_PATH,
        });
        return;
      }
      const problems = problemsOf(env, read);

      assert.deepEqual(problems, [problem]);
      assert.ok(!problems[0]!.includes(SECRET.slice(0, 8)), "the secret is not echoed");
    });
  }

  it("describeCredential, for a secret file, names the file and never the secret", () => {
    const config = loadConfig({ ...NONE, CLIENT_SECRET_FILE: SECRET_PATH }, ALL_FILES);

    const described = describeCredential(config.auth.credential);

    assert.deepEqual(described.fields, { credential: "client secret", credentialFile: SECRET_PATH });
  });
});

describe("AZURE_FEDERATED_TOKEN_FILE", () => {
  const NOT_A_JWT = "does not hold a JWT (three base64url parts separated by dots)";
  const HEADER = "does not hold a JWT (its header is not a JSON object)";
  const PAYLOAD = "does not hold a JWT (its payload is not a JSON object)";
  const NO_EXP = "holds a JWT without a numeric exp claim";
  const header = part({ alg: "RS256" });
  const payload = part(CLAIMS);
  const b64 = (text: string) => Buffer.from(text).toString("base64url");
  // [what, the file (undefined: missing), the problem after the path, or undefined when accepted]
  const cases: [string, string | NodeJS.ErrnoException | undefined, string | undefined][] = [
    ["missing", undefined, "cannot read"],
    ["unreadable", denied, "cannot read"],
    ["empty", "", "is empty"],
    ["a newline", "\n", "is empty"],
    ["blanks", "   ", "is empty"],
    ["one part", header, NOT_A_JWT],
    ["two parts", `${header}.${payload}`, NOT_A_JWT],
    ["four parts", `${TOKEN}.${SIGNATURE}`, NOT_A_JWT],
    ["an empty signature", `${header}.${payload}.`, NOT_A_JWT],
    ["an empty header", `.${payload}.${SIGNATURE}`, NOT_A_JWT],
    ["standard base64 (+/=)", `${header}.${payload}.c2ln+/==`, NOT_A_JWT],
    ["blanks inside", `${header}. ${payload}.${SIGNATURE}`, NOT_A_JWT],
    ["two lines", `${TOKEN}\n${TOKEN}`, NOT_A_JWT],
    ["a PEM certificate", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", NOT_A_JWT],
    ["a header that is not JSON", `${b64("{alg")}.${payload}.${SIGNATURE}`, HEADER],
    ["a header that is a JSON array", `${part(["RS256"])}.${payload}.${SIGNATURE}`, HEADER],
    ["a header that is a JSON string", `${part("RS256")}.${payload}.${SIGNATURE}`, HEADER],
    ["a header of null", `${part(null)}.${payload}.${SIGNATURE}`, HEADER],
    ["a payload that is not JSON", `${header}.${b64("not json")}.${SIGNATURE}`, PAYLOAD],
    ["a payload that is a number", `${header}.${part(42)}.${SIGNATURE}`, PAYLOAD],
    ["no exp", jwt({ alg: "RS256" }, { ...CLAIMS, exp: undefined }), NO_EXP],
    ["exp as text", jwt({ alg: "RS256" }, { ...CLAIMS, exp: String(EXP) }), NO_EXP],
    ["the token", TOKEN, undefined],
    ["the token and a newline", `${TOKEN}\n`, undefined],
    [
      "a token with one audience as a string",
      jwt({ alg: "RS256" }, { ...CLAIMS, aud: "api://AzureADTokenExchange" }),
      undefined,
    ],
  ];
  for (const [what, content, problem] of cases) {
    it(`loadConfig, with AZURE_FEDERATED_TOKEN_FILE ${what}, ${problem ? "names the setting and the file" : "accepts it"}`, () => {
      const env = { ...NONE, AZURE_FEDERATED_TOKEN_FILE: TOKEN_PATH };
      const read = files(content === undefined ? {} : { [TOKEN_PATH]: content });
      if (problem === undefined) {
        const credential = loadConfig(env, read).auth.credential;
        assert.deepEqual(credential, {
          kind: "federated",
          tokenFile: TOKEN_PATH,
          token: {
            issuer: CLAIMS.iss,
            subject: CLAIMS.sub,
            audience: "api://AzureADTokenExchange",
            expiresAtMs: EXP * 1000,
          },
        });
        return;
      }
      const problems = problemsOf(env, read);

      assert.equal(problems.length, 1, problems.join("; "));
      assert.ok(problems[0]!.startsWith(`AZURE_FEDERATED_TOKEN_FILE: `), problems[0]);
      assert.ok(problems[0]!.includes(TOKEN_PATH) && problems[0]!.includes(problem), problems[0]);
      assert.ok(!problems[0]!.includes(payload.slice(0, 20)), "the token is not echoed");
    });
  }

  it("loadConfig, with a federated token, keeps neither the token nor its signature in the settings", () => {
    const config = loadConfig({ ...NONE, AZURE_FEDERATED_TOKEN_FILE: TOKEN_PATH }, ALL_FILES);

    const text = JSON.stringify(config);

    assert.ok(!text.includes(SIGNATURE) && !text.includes(payload), "no token in the settings");
  });

  it("describeCredential, for a federated token, names what the federated credential must match", () => {
    const config = loadConfig({ ...NONE, AZURE_FEDERATED_TOKEN_FILE: TOKEN_PATH }, ALL_FILES);

    const described = describeCredential(config.auth.credential);

    assert.deepEqual(described.fields, {
      credential: "workload identity federation",
      credentialFile: TOKEN_PATH,
      federatedIssuer: CLAIMS.iss,
      federatedSubject: CLAIMS.sub,
      federatedAudience: "api://AzureADTokenExchange",
    });
    assert.equal(described.warning, undefined);
  });
});

describe("AZURE_CLIENT_ID and AZURE_TENANT_ID, the names workload identity sets", () => {
  const CLIENT = VALID.CLIENT_ID!;
  const TENANT = VALID.TENANT_ID!;
  const OTHER = "99999999-8888-7777-6666-555555555555";
  const federated = { ...NONE, AZURE_FEDERATED_TOKEN_FILE: TOKEN_PATH };
  // [what, the id settings, the problems (none: accepted with CLIENT and TENANT)]
  const cases: [string, Env, string[]][] = [
    [
      "the aliases alone",
      { CLIENT_ID: undefined, TENANT_ID: undefined, AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT },
      [],
    ],
    ["AZURE_CLIENT_ID alone", { CLIENT_ID: undefined, AZURE_CLIENT_ID: CLIENT }, []],
    ["AZURE_TENANT_ID alone", { TENANT_ID: undefined, AZURE_TENANT_ID: TENANT }, []],
    ["both names with the same values", { AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT }, []],
    ["both names, the same GUID in capitals", { AZURE_CLIENT_ID: CLIENT.toUpperCase() }, []],
    ["an empty alias next to the setting", { AZURE_CLIENT_ID: "", AZURE_TENANT_ID: "" }, []],
    [
      "different client ids",
      { AZURE_CLIENT_ID: OTHER },
      [
        "CLIENT_ID and AZURE_CLIENT_ID: set to different values; they name the same setting (AZURE_CLIENT_ID is what workload identity sets): set one, or both to the same value",
      ],
    ],
    [
      "different tenant ids",
      { AZURE_TENANT_ID: OTHER },
      [
        "TENANT_ID and AZURE_TENANT_ID: set to different values; they name the same setting (AZURE_TENANT_ID is what workload identity sets): set one, or both to the same value",
      ],
    ],
    [
      "both different",
      { AZURE_CLIENT_ID: OTHER, AZURE_TENANT_ID: OTHER },
      [
        "CLIENT_ID and AZURE_CLIENT_ID: set to different values; they name the same setting (AZURE_CLIENT_ID is what workload identity sets): set one, or both to the same value",
        "TENANT_ID and AZURE_TENANT_ID: set to different values; they name the same setting (AZURE_TENANT_ID is what workload identity sets): set one, or both to the same value",
      ],
    ],
    [
      "a wrong AZURE_CLIENT_ID alone",
      { CLIENT_ID: undefined, AZURE_CLIENT_ID: "not-a-guid" },
      ["AZURE_CLIENT_ID: must be a GUID"],
    ],
    [
      "a wrong AZURE_TENANT_ID alone",
      { TENANT_ID: undefined, AZURE_TENANT_ID: "a tenant" },
      ["AZURE_TENANT_ID: must be a tenant id or domain"],
    ],
    ["neither client id", { CLIENT_ID: undefined }, ["CLIENT_ID: is required"]],
    ["neither tenant id", { TENANT_ID: undefined }, ["TENANT_ID: is required"]],
  ];
  for (const [what, ids, expected] of cases) {
    it(`loadConfig, with ${what}, ${expected.length === 0 ? "takes the ids" : "names the settings"}`, () => {
      const env = { ...federated, ...ids };
      if (expected.length > 0) {
        assert.deepEqual(problemsOf(env, ALL_FILES), expected);
        return;
      }
      const config = loadConfig(env, ALL_FILES);

      assert.equal(config.auth.clientId, CLIENT);
      assert.equal(config.auth.tenantId, TENANT);
      assert.equal(config.auth.authority, `https://login.microsoftonline.com/${TENANT}`);
    });
  }

  it("wantsLocalMode, with AZURE_CLIENT_ID and no CLIENT_ID, is false: a real registration is named", () => {
    assert.equal(wantsLocalMode({ AZURE_CLIENT_ID: CLIENT }), false);
    assert.equal(wantsLocalMode({}), true);
  });
});
