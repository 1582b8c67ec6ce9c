/**
 * The tenant's one clock (LocalTenantOptions.now): tests move it past an expiry instead of waiting.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeJwt } from "jose";
import { startLocalTenant } from "../src/index.js";
import type { EntraErrorResponse, TokenResponse } from "./helpers.js";
import {
  authorizeUrl,
  defaultAuthorizeParams,
  graphMe,
  newPkce,
  obtainCode,
  obtainTokens,
  parseJson,
  parseLoginForm,
  postForm,
  redeemCode,
  refresh,
  startTestTenant,
  tenantRequest,
} from "./helpers.js";

const START = Date.UTC(2031, 2, 4, 5, 6, 7);
const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** A settable clock for one tenant. */
function testClock(): { now: () => number; advance: (ms: number) => void; set: (ms: number) => void } {
  let current = START;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
    set: (ms) => {
      current = ms;
    },
  };
}

/** [ms after issue, Graph's answer]: exp is issue + 3600 s; Graph allows five minutes of skew. */
const ACCESS_TOKEN_CASES: readonly (readonly [number, number])[] = [
  [0, 200],
  [3600 * SECOND, 200],
  [(3600 + 299) * SECOND, 200],
  [(3600 + 301) * SECOND, 401],
  [48 * 60 * MINUTE, 401],
  // iat/nbf are five minutes before issue; Graph allows five more before nbf.
  [-9 * MINUTE, 200],
  [-11 * MINUTE, 401],
];

void test("a Graph access token, as the tenant's clock moves past exp plus Graph's skew, is refused as expired", async (t) => {
  // Arrange
  const clock = testClock();
  const tenant = await startTestTenant(t, { now: clock.now, accessTokenLifetimeSeconds: 3600 });
  const tokens = await obtainTokens(tenant);
  for (const [offset, expected] of ACCESS_TOKEN_CASES) {
    clock.set(START + offset);
    // Act
    const me = await graphMe(tenant, tokens.access_token);
    // Assert
    assert.equal(me.status, expected, `${offset / SECOND} s after issue: ${me.body.slice(0, 200)}`);
    if (offset > 0 && expected === 401)
      assert.match(me.body, /Lifetime validation failed, the token is expired\./);
  }
});

/** [ms after issue, refresh answer] with refreshTokenLifetimeSeconds 86400. */
const REFRESH_TOKEN_CASES: readonly (readonly [number, number])[] = [
  [0, 200],
  [86_399 * SECOND, 200],
  [86_400 * SECOND, 400],
  [90 * 24 * 60 * MINUTE, 400],
];

void test("a refresh token, once the tenant's clock reaches its expiry, answers invalid_grant bad_token AADSTS700082", async (t) => {
  for (const [offset, expected] of REFRESH_TOKEN_CASES) {
    // Arrange
    const clock = testClock();
    const tenant = await startTestTenant(t, { now: clock.now, refreshTokenLifetimeSeconds: 86_400 });
    const tokens = await obtainTokens(tenant);
    assert.ok(tokens.refresh_token);
    clock.advance(offset);
    // Act
    const response = await refresh(tenant, tokens.refresh_token);
    // Assert
    const label = `${offset / SECOND} s after issue`;
    assert.equal(response.status, expected, label);
    if (expected === 400) {
      const body = parseJson<EntraErrorResponse>(response);
      assert.deepEqual(body.error_codes, [700082], label);
      assert.equal(body.suberror, "bad_token", label);
      assert.match(body.error_description, new RegExp(`inactive for ${offset / SECOND} seconds`), label);
    }
  }
});

/** [ms after issue, redemption answer]: a code lives ten minutes. */
const CODE_CASES: readonly (readonly [number, number | undefined])[] = [
  [0, undefined],
  [10 * MINUTE - SECOND, undefined],
  [10 * MINUTE, 70008],
  [10 * MINUTE + SECOND, 70008],
];

void test("an authorization code, once the tenant's clock is ten minutes past its issue, answers AADSTS70008", async (t) => {
  // Arrange
  const clock = testClock();
  const tenant = await startTestTenant(t, { now: clock.now });
  for (const [offset, expected] of CODE_CASES) {
    clock.set(START);
    const { code, pkce } = await obtainCode(tenant);
    clock.advance(offset);
    // Act
    const response = await redeemCode(tenant, { code, code_verifier: pkce.verifier });
    // Assert
    const label = `${offset / SECOND} s after issue`;
    if (expected === undefined) {
      assert.equal(response.status, 200, label);
    } else {
      assert.equal(response.status, 400, label);
      assert.deepEqual(parseJson<EntraErrorResponse>(response).error_codes, [expected], label);
    }
  }
});

void test("the sign-in page's transaction, ten minutes later on the tenant's clock, answers AADSTS50089", async (t) => {
  // Arrange
  const clock = testClock();
  const tenant = await startTestTenant(t, { now: clock.now });
  const page = await tenantRequest(tenant, authorizeUrl(tenant, defaultAuthorizeParams(newPkce())));
  const form = parseLoginForm(page.body);
  clock.advance(10 * MINUTE);
  // Act
  const answer = await postForm(tenant, form.action, {
    transaction: form.transaction,
    user: form.users[0]?.oid ?? "",
  });
  // Assert
  assert.equal(answer.status, 400);
  assert.ok(answer.body.includes('data-code="AADSTS50089"'));
});

void test("tokens and errors, as issued, are dated by the tenant's clock", async (t) => {
  // Arrange
  const clock = testClock();
  const tenant = await startTestTenant(t, { now: clock.now, accessTokenLifetimeSeconds: 3600 });
  // Act
  const tokens = await obtainTokens(tenant);
  const error = await redeemCode(tenant, { code: "never-issued", code_verifier: "a".repeat(43) });
  const graphError = await graphMe(tenant, "not-a-token");
  // Assert
  const seconds = START / 1000;
  assert.equal(decodeJwt(tokens.access_token).iat, seconds - 300);
  assert.equal(decodeJwt(tokens.access_token).exp, seconds + 3600);
  assert.equal(decodeJwt(tokens.id_token).exp, seconds + 3600);
  assert.equal(parseJson<EntraErrorResponse>(error).timestamp, "2031-03-04 05:06:07Z");
  assert.match(error.body, /Timestamp: 2031-03-04 05:06:07Z/);
  const inner = parseJson<{ error: { innerError: { date: string } } }>(graphError).error.innerError;
  assert.equal(inner.date, "2031-03-04T05:06:07");
});

void test("the tenant's clock, moved back before a token's issue, makes Graph refuse it as not yet valid", async (t) => {
  // Arrange
  const clock = testClock();
  const tenant = await startTestTenant(t, { now: clock.now });
  const tokens = await obtainTokens(tenant);
  clock.advance(-60 * MINUTE);
  // Act
  const me = await graphMe(tenant, tokens.access_token);
  // Assert
  assert.equal(me.status, 401);
  assert.match(me.body, /Lifetime validation failed, the token is not yet valid\./);
});

void test("refresh answers, as the clock moves, carry new iat and exp while the sign-in's sid stays", async (t) => {
  // Arrange
  const clock = testClock();
  const tenant = await startTestTenant(t, { now: clock.now, accessTokenLifetimeSeconds: 3600 });
  const first = await obtainTokens(tenant);
  assert.ok(first.refresh_token);
  clock.advance(2 * 60 * MINUTE);
  // Act
  const body = parseJson<TokenResponse>(await refresh(tenant, first.refresh_token));
  // Assert
  const claims = decodeJwt(body.access_token);
  assert.equal(claims.iat, START / 1000 + 7200 - 300);
  assert.equal(claims.sid, decodeJwt(first.access_token).sid);
  assert.equal((await graphMe(tenant, body.access_token)).status, 200);
  assert.equal((await graphMe(tenant, first.access_token)).status, 401);
});

/** [now option, error] for a start that must fail before listening. */
const BAD_CLOCKS: readonly (readonly [unknown, RegExp])[] = [
  [1_700_000_000_000, /now must be a function/],
  ["Date.now", /now must be a function/],
  [null, /now must be a function/],
];

void test("startLocalTenant, with a now that is not a function, fails naming the option", async () => {
  for (const [now, expected] of BAD_CLOCKS) {
    // Act
    const start = startLocalTenant({ now: now as () => number });
    // Assert
    await assert.rejects(start, expected, String(now));
  }
});
