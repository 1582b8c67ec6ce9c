import assert from "node:assert/strict";
import { test } from "node:test";
import type { LocalTenantClient } from "../src/index.js";
import type { EntraErrorResponse } from "./helpers.js";
import { CLIENT, parseJson, refresh, startTestTenant } from "./helpers.js";

const START_MS = Date.parse("2026-03-01T09:00:00Z");
const HOUR_MS = 3600 * 1000;
const OLD = "old~secret.rotating_1";
const NEW = "new~secret.rotating_2";
const EXPIRED = "expired~secret.value_3";

/** CLIENT during a rotation: its old clientSecret, a new secret, and one that ended an hour before START_MS. */
const ROTATING: LocalTenantClient = {
  ...CLIENT,
  clientSecret: OLD,
  clientSecrets: [
    { value: NEW, expiresAtMs: START_MS + 24 * HOUR_MS },
    { value: EXPIRED, expiresAtMs: START_MS - HOUR_MS },
  ],
};

/** Secret, tenant clock, answer to a refresh with an unknown token (invalid_grant: the secret was accepted). */
const CASES: [string, string, number, { status: number; error: string; code: number }][] = [
  ["the old clientSecret", OLD, START_MS, { status: 400, error: "invalid_grant", code: 9002313 }],
  ["the new secret", NEW, START_MS, { status: 400, error: "invalid_grant", code: 9002313 }],
  [
    "the new secret a second before it ends",
    NEW,
    START_MS + 24 * HOUR_MS - 1000,
    { status: 400, error: "invalid_grant", code: 9002313 },
  ],
  [
    "the new secret when it ends",
    NEW,
    START_MS + 24 * HOUR_MS,
    { status: 401, error: "invalid_client", code: 7000222 },
  ],
  ["the expired secret", EXPIRED, START_MS, { status: 401, error: "invalid_client", code: 7000222 }],
  [
    "the expired secret a second before it ended",
    EXPIRED,
    START_MS - HOUR_MS - 1000,
    { status: 400, error: "invalid_grant", code: 9002313 },
  ],
  ["a wrong secret", "wrong~secret", START_MS, { status: 401, error: "invalid_client", code: 7000215 }],
  [
    "the new secret with a changed letter",
    NEW.replace("n", "N"),
    START_MS,
    { status: 401, error: "invalid_client", code: 7000215 },
  ],
  [
    "the expired secret with a trailing space",
    `${EXPIRED} `,
    START_MS,
    { status: 401, error: "invalid_client", code: 7000215 },
  ],
];

for (const [name, secret, nowMs, expected] of CASES) {
  void test(`POST /token, during a secret rotation, with ${name}, answers ${expected.status} ${expected.error} AADSTS${expected.code}`, async (t) => {
    // Arrange
    let now = START_MS;
    const tenant = await startTestTenant(t, { clients: [ROTATING], now: () => now });
    now = nowMs;
    // Act
    const response = await refresh(tenant, "LTRT.never-issued", { client_secret: secret });
    // Assert
    const body = parseJson<EntraErrorResponse>(response);
    assert.deepEqual(
      { status: response.status, error: body.error, codes: body.error_codes },
      { status: expected.status, error: expected.error, codes: [expected.code] },
      body.error_description,
    );
  });
}

void test("POST /token, with an expired secret, answers Entra's AADSTS7000222 text naming the app", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { clients: [ROTATING], now: () => START_MS });
  // Act
  const response = await refresh(tenant, "LTRT.never-issued", { client_secret: EXPIRED });
  // Assert
  const body = parseJson<EntraErrorResponse>(response);
  assert.ok(
    body.error_description.startsWith(
      `AADSTS7000222: The provided client secret keys for app '${CLIENT.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.\r\nTrace ID: `,
    ),
    body.error_description,
  );
});

void test("registerClient, with only clientSecrets, registers a client without clientSecret that authenticates with them", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  tenant.registerClient({
    clientId: "2f8c4a6e-1b3d-4c5e-9f7a-8b0d2c4e6a13",
    clientSecrets: [{ value: "only~in.list" }],
    redirectUris: ["https://127.0.0.1:3443/auth/redirect"],
  });
  // Act
  const response = await refresh(tenant, "LTRT.never-issued", {
    client_id: "2f8c4a6e-1b3d-4c5e-9f7a-8b0d2c4e6a13",
    client_secret: "only~in.list",
  });
  // Assert
  assert.deepEqual(parseJson<EntraErrorResponse>(response).error_codes, [9002313]);
});

void test("registerClient, with an invalid clientSecrets entry, throws", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const invalid: unknown[] = [
    [{ value: "" }],
    [{ value: "x", expiresAtMs: Number.NaN }],
    [{ value: "x", expiresAtMs: "2026" }],
    "x",
  ];
  for (const clientSecrets of invalid) {
    // Act + Assert
    assert.throws(
      () =>
        tenant.registerClient({
          clientId: "2f8c4a6e-1b3d-4c5e-9f7a-8b0d2c4e6a13",
          clientSecrets: clientSecrets as never,
          redirectUris: ["https://127.0.0.1:3443/auth/redirect"],
        }),
      Error,
      JSON.stringify(clientSecrets),
    );
  }
});
