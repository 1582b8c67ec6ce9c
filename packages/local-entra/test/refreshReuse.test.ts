import assert from "node:assert/strict";
import { test } from "node:test";
import type { EntraErrorResponse, TokenResponse } from "./helpers.js";
import { obtainTokens, parseJson, refresh, startTestTenant } from "./helpers.js";

function refreshTokenOf(response: { body: string }): string {
  const token = (JSON.parse(response.body) as TokenResponse).refresh_token;
  if (token === undefined) throw new Error("no refresh token");
  return token;
}

void test("strictRefreshTokenReuse, by default, is off and a used refresh token stays valid", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const first = await obtainTokens(tenant);
  assert.ok(first.refresh_token);
  const rotated = refreshTokenOf(await refresh(tenant, first.refresh_token));
  // Act
  const reused = await refresh(tenant, first.refresh_token);
  const next = await refresh(tenant, rotated);
  // Assert
  assert.equal(tenant.strictRefreshTokenReuse, false);
  assert.equal(reused.status, 200);
  assert.equal(next.status, 200);
});

void test("strictRefreshTokenReuse on, when a used refresh token is presented again, answers invalid_grant bad_token AADSTS50173", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  tenant.strictRefreshTokenReuse = true;
  const first = await obtainTokens(tenant);
  assert.ok(first.refresh_token);
  const rotated = await refresh(tenant, first.refresh_token);
  // Act
  const reused = await refresh(tenant, first.refresh_token);
  // Assert
  assert.equal(rotated.status, 200);
  assert.equal(reused.status, 400);
  const body = parseJson<EntraErrorResponse>(reused);
  assert.equal(body.error, "invalid_grant");
  assert.equal(body.suberror, "bad_token");
  assert.deepEqual(body.error_codes, [50173]);
  assert.equal(tenant.counters.tokenErrors, 1);
});

void test("strictRefreshTokenReuse on, after a reuse, revokes every refresh token of the family", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  tenant.strictRefreshTokenReuse = true;
  const first = await obtainTokens(tenant);
  assert.ok(first.refresh_token);
  const second = refreshTokenOf(await refresh(tenant, first.refresh_token));
  const third = refreshTokenOf(await refresh(tenant, second));
  // Act
  const reuse = await refresh(tenant, first.refresh_token);
  const latest = await refresh(tenant, third);
  const again = await refresh(tenant, first.refresh_token);
  // Assert
  assert.equal(reuse.status, 400);
  assert.equal(latest.status, 400, "the newest token of the family is dead too");
  assert.deepEqual(parseJson<EntraErrorResponse>(latest).error_codes, [50173]);
  assert.equal(parseJson<EntraErrorResponse>(latest).suberror, "bad_token");
  assert.equal(again.status, 400);
});

void test("strictRefreshTokenReuse on, after a reuse in one family, leaves another sign-in's family valid", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  tenant.strictRefreshTokenReuse = true;
  const victim = await obtainTokens(tenant, tenant.users[0]?.oid);
  const bystander = await obtainTokens(tenant, tenant.users[0]?.oid);
  assert.ok(victim.refresh_token && bystander.refresh_token);
  await refresh(tenant, victim.refresh_token);
  await refresh(tenant, victim.refresh_token);
  // Act
  const response = await refresh(tenant, bystander.refresh_token);
  // Assert
  assert.equal(response.status, 200);
});

void test("startLocalTenant, with strictRefreshTokenReuse true, starts in strict mode", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { strictRefreshTokenReuse: true });
  const first = await obtainTokens(tenant);
  assert.ok(first.refresh_token);
  await refresh(tenant, first.refresh_token);
  // Act
  const reused = await refresh(tenant, first.refresh_token);
  // Assert
  assert.equal(tenant.strictRefreshTokenReuse, true);
  assert.equal(reused.status, 400);
});

void test("strictRefreshTokenReuse on, when refresh tokens are used once each, keeps rotating", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  tenant.strictRefreshTokenReuse = true;
  const first = await obtainTokens(tenant);
  assert.ok(first.refresh_token);
  let current = first.refresh_token;
  // Act
  const statuses: number[] = [];
  for (let i = 0; i < 4; i += 1) {
    const response = await refresh(tenant, current);
    statuses.push(response.status);
    current = refreshTokenOf(response);
  }
  // Assert
  assert.deepEqual(statuses, [200, 200, 200, 200]);
});

void test("strictRefreshTokenReuse on, with two concurrent refreshes of one token, lets one through and kills its result", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  tenant.strictRefreshTokenReuse = true;
  const first = await obtainTokens(tenant);
  assert.ok(first.refresh_token);
  // Act
  const answers = await Promise.all([
    refresh(tenant, first.refresh_token),
    refresh(tenant, first.refresh_token),
  ]);
  const winner = answers.find((answer) => answer.status === 200);
  assert.ok(winner, "one of them succeeds");
  const followUp = await refresh(tenant, refreshTokenOf(winner));
  // Assert
  assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 400]);
  assert.equal(followUp.status, 400, "the family is dead, including the token minted concurrently");
  assert.deepEqual(parseJson<EntraErrorResponse>(followUp).error_codes, [50173]);
});
