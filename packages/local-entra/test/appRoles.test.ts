import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeJwt } from "jose";
import { SECOND_TENANT_GUEST_OID, SECOND_TENANT_ID, SECOND_TENANT_USERS, TEST_USERS } from "../src/index.js";
import type { LocalTenantAppRole } from "../src/index.js";
import { CLIENT, obtainTokens, OTHER_CLIENT, parseJson, refresh, startTestTenant } from "./helpers.js";
import type { TokenResponse } from "./helpers.js";
import { MULTI_APP, tokensAt } from "./multiTenantHelpers.js";

const [ADELE, ALEX, MEGAN] = TEST_USERS;
const DIEGO = SECOND_TENANT_USERS[0];
assert.ok(ADELE && ALEX && MEGAN && DIEGO);

/** CLIENT's roles: Adele holds both, Alex only Reader; Megan is OTHER_CLIENT's Admin only. */
const CLIENT_ROLES: LocalTenantAppRole[] = [
  { value: "Admin", memberOids: [ADELE.oid] },
  { value: "Reader", memberOids: [ADELE.oid, ALEX.oid] },
];
const OTHER_CLIENT_ROLES: LocalTenantAppRole[] = [{ value: "Admin", memberOids: [MEGAN.oid, ALEX.oid] }];

const CASES: [string, string, string[] | undefined][] = [
  ["a member of two roles", ADELE.oid, ["Admin", "Reader"]],
  ["a member of one role", ALEX.oid, ["Reader"]],
  ["a member of another client's role only", MEGAN.oid, undefined],
];

for (const [name, oid, roles] of CASES) {
  void test(`POST /token, for ${name}, issues ID tokens (code and refresh) ${roles === undefined ? "without a roles claim" : `with roles ${roles.join(", ")}`}`, async (t) => {
    // Arrange
    const tenant = await startTestTenant(t, {
      clients: [
        { ...CLIENT, appRoles: CLIENT_ROLES },
        { ...OTHER_CLIENT, appRoles: OTHER_CLIENT_ROLES },
      ],
    });
    // Act
    const tokens = await obtainTokens(tenant, oid);
    const refreshed = parseJson<TokenResponse>(await refresh(tenant, tokens.refresh_token ?? ""));
    // Assert
    assert.deepEqual(decodeJwt(tokens.id_token).roles, roles);
    assert.deepEqual(decodeJwt(refreshed.id_token).roles, roles);
    assert.equal(
      decodeJwt(tokens.access_token).roles,
      undefined,
      "Graph's token carries Graph's roles, not the app's",
    );
  });
}

void test("POST /token, for a client without appRoles, issues ID tokens without a roles claim", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const tokens = await obtainTokens(tenant, ADELE.oid);
  // Assert
  assert.equal("roles" in decodeJwt(tokens.id_token), false);
});

void test("POST /token, after updateClient assigns a role, issues it with the next refresh", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant, MEGAN.oid);
  // Act
  tenant.updateClient(CLIENT.clientId, { appRoles: [{ value: "Approver", memberOids: [MEGAN.oid] }] });
  const refreshed = parseJson<TokenResponse>(await refresh(tenant, tokens.refresh_token ?? ""));
  // Assert
  assert.equal(decodeJwt(tokens.id_token).roles, undefined);
  assert.deepEqual(decodeJwt(refreshed.id_token).roles, ["Approver"]);
});

const GUEST_CASES: [string, string[], string[] | undefined][] = [
  ["assigned by home oid only", [ALEX.oid], undefined],
  ["assigned by guest object oid", [SECOND_TENANT_GUEST_OID], ["Auditor"]],
];

for (const [name, memberOids, roles] of GUEST_CASES) {
  void test(`POST /token, for the guest signing in to the second tenant, ${name}, ${roles === undefined ? "issues no roles claim" : "issues the role"}`, async (t) => {
    // Arrange
    const tenant = await startTestTenant(t, {
      clients: [CLIENT, { ...MULTI_APP, appRoles: [{ value: "Auditor", memberOids }] }],
    });
    // Act
    const tokens = await tokensAt(tenant, SECOND_TENANT_ID, MULTI_APP, ALEX.oid);
    // Assert
    const claims = decodeJwt(tokens.id_token);
    assert.equal(claims.oid, SECOND_TENANT_GUEST_OID);
    assert.deepEqual(claims.roles, roles);
  });
}

void test("POST /token, for a member of the second tenant not assigned, issues no roles claim", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, {
    clients: [
      CLIENT,
      { ...MULTI_APP, appRoles: [{ value: "Auditor", memberOids: [ALEX.oid, SECOND_TENANT_GUEST_OID] }] },
    ],
  });
  // Act
  const tokens = await tokensAt(tenant, SECOND_TENANT_ID, MULTI_APP, DIEGO.oid);
  // Assert
  assert.equal(decodeJwt(tokens.id_token).roles, undefined);
});
