import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeJwt } from "jose";
import { CAE_ANSWER_CLAIM } from "../src/index.js";
import type { TokenResponse } from "./helpers.js";
import {
  challengeClaims,
  graphMe,
  obtainTokens,
  obtainTokensWith,
  parseJson,
  refresh,
  startTestTenant,
} from "./helpers.js";

interface GraphError {
  error: { code: string; message: string; innerError: Record<string, string> };
}

const GRAPH_BEARER =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';
const CAE_MESSAGE =
  "Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp";

void test("faults.graph status 401, on GET /me, carries WWW-Authenticate with error invalid_token", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  tenant.faults.graph = { status: 401 };
  // Act
  const response = await graphMe(tenant, tokens.access_token);
  // Assert
  assert.equal(response.status, 401);
  assert.equal(response.headers["www-authenticate"], `${GRAPH_BEARER}, error="invalid_token"`);
  assert.equal(parseJson<GraphError>(response).error.code, "InvalidAuthenticationToken");
  assert.equal(tenant.counters.graphErrors, 1);
});

void test("faults.graph with times 2, on three GET /me, fails exactly two and clears itself", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  tenant.faults.graph = { status: 503, times: 2 };
  // Act
  const statuses: number[] = [];
  for (let i = 0; i < 3; i += 1) statuses.push((await graphMe(tenant, tokens.access_token)).status);
  // Assert
  assert.deepEqual(statuses, [503, 503, 200]);
  assert.equal(tenant.faults.graph, null);
  assert.equal(tenant.counters.graphErrors, 2);
});

void test("faults.graph hugeBodyBytes, on GET /me, answers a parseable profile at least that large", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const user = tenant.users[2];
  assert.ok(user);
  const tokens = await obtainTokens(tenant, user.oid);
  tenant.faults.graph = { hugeBodyBytes: 5_000_000 };
  // Act
  const response = await graphMe(tenant, tokens.access_token);
  // Assert
  assert.equal(response.status, 200);
  assert.ok(Buffer.byteLength(response.body) >= 5_000_000, `${Buffer.byteLength(response.body)} bytes`);
  assert.equal(Number(response.headers["content-length"]), Buffer.byteLength(response.body));
  const profile = parseJson<{ id: string; displayName: string; aboutMe: string }>(response);
  assert.equal(profile.id, user.oid);
  assert.equal(profile.displayName, user.displayName);
  assert.ok(profile.aboutMe.length > 4_900_000);
});

void test("faults.graph claimsChallenge, with a token issued before it, answers Graph's CAE 401 challenge", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  const before = Math.floor(Date.now() / 1000);
  tenant.faults.graph = { claimsChallenge: true };
  const after = Math.floor(Date.now() / 1000);
  // Act
  const response = await graphMe(tenant, tokens.access_token);
  // Assert
  assert.equal(response.status, 401);
  const header = String(response.headers["www-authenticate"]);
  assert.ok(header.startsWith(`${GRAPH_BEARER}, error="insufficient_claims", claims="`), header);
  const claims = JSON.parse(challengeClaims(response)) as {
    access_token: { nbf: { essential: boolean; value: string } };
  };
  assert.equal(claims.access_token.nbf.essential, true);
  const nbf = Number(claims.access_token.nbf.value);
  assert.ok(nbf >= before && nbf <= after, `nbf ${nbf}`);
  const body = parseJson<GraphError>(response);
  assert.equal(body.error.code, "InvalidAuthenticationToken");
  assert.equal(body.error.message, CAE_MESSAGE);
  assert.equal(tenant.counters.graphErrors, 1);
});

void test("faults.graph claimsChallenge, with a token from a sign-in that sent the challenge's claims, answers the profile", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const user = tenant.users[0];
  assert.ok(user);
  const old = await obtainTokens(tenant, user.oid);
  tenant.faults.graph = { claimsChallenge: true };
  const claims = challengeClaims(await graphMe(tenant, old.access_token));
  // Act
  const fresh = await obtainTokensWith(tenant, {
    authorize: { claims },
    token: { claims },
    userOid: user.oid,
  });
  const response = await graphMe(tenant, fresh.access_token);
  // Assert
  assert.equal(response.status, 200);
  assert.equal(parseJson<{ id: string }>(response).id, user.oid);
  const nbf = Number(
    (JSON.parse(claims) as { access_token: { nbf: { value: string } } }).access_token.nbf.value,
  );
  assert.equal(decodeJwt(fresh.access_token)[CAE_ANSWER_CLAIM], nbf);
});

void test("faults.graph claimsChallenge, with a token from a sign-in whose authorize request alone sent the claims, answers the profile", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const old = await obtainTokens(tenant);
  tenant.faults.graph = { claimsChallenge: true };
  const claims = challengeClaims(await graphMe(tenant, old.access_token));
  // Act
  const fresh = await obtainTokensWith(tenant, { authorize: { claims } });
  const response = await graphMe(tenant, fresh.access_token);
  // Assert
  assert.equal(response.status, 200);
});

void test("faults.graph claimsChallenge, with a token from a plain refresh without claims, still answers the challenge", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const old = await obtainTokens(tenant);
  assert.ok(old.refresh_token);
  tenant.faults.graph = { claimsChallenge: true };
  // Act
  const refreshed = parseJson<TokenResponse>(await refresh(tenant, old.refresh_token));
  const response = await graphMe(tenant, refreshed.access_token);
  // Assert
  assert.equal(response.status, 401);
  assert.match(String(response.headers["www-authenticate"]), /error="insufficient_claims"/);
  assert.equal(decodeJwt(refreshed.access_token)[CAE_ANSWER_CLAIM], undefined);
});

void test("faults.graph claimsChallenge, with a token from a refresh that sent the challenge's claims, answers the profile", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const old = await obtainTokens(tenant);
  assert.ok(old.refresh_token);
  tenant.faults.graph = { claimsChallenge: true };
  const claims = challengeClaims(await graphMe(tenant, old.access_token));
  // Act
  const refreshed = parseJson<TokenResponse>(await refresh(tenant, old.refresh_token, { claims }));
  const response = await graphMe(tenant, refreshed.access_token);
  // Assert
  assert.equal(response.status, 200);
});

void test("faults.graph claimsChallenge, with a token answering an earlier challenge, answers a new challenge", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const old = await obtainTokens(tenant);
  tenant.faults.graph = { claimsChallenge: true };
  const stale = JSON.parse(challengeClaims(await graphMe(tenant, old.access_token))) as {
    access_token: { nbf: { essential: boolean; value: string } };
  };
  stale.access_token.nbf.value = String(Number(stale.access_token.nbf.value) - 60);
  const answeredEarlier = await obtainTokensWith(tenant, { authorize: { claims: JSON.stringify(stale) } });
  // Act
  const response = await graphMe(tenant, answeredEarlier.access_token);
  // Assert
  assert.equal(response.status, 401);
  assert.match(String(response.headers["www-authenticate"]), /error="insufficient_claims"/);
});

void test("faults.graph claimsChallenge, with an invalid token, answers the usual invalid_token 401", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  tenant.faults.graph = { claimsChallenge: true };
  // Act
  const response = await graphMe(tenant, "eyJhbGciOiJub25lIn0.e30.");
  // Assert
  assert.equal(response.status, 401);
  assert.equal(response.headers["www-authenticate"], `${GRAPH_BEARER}, error="invalid_token"`);
  assert.notEqual(parseJson<GraphError>(response).error.message, CAE_MESSAGE);
});

void test("faults.graph claimsChallenge with times 1, on two GET /me with an old token, challenges once", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  tenant.faults.graph = { claimsChallenge: true, times: 1 };
  // Act
  const first = await graphMe(tenant, tokens.access_token);
  const second = await graphMe(tenant, tokens.access_token);
  // Assert
  assert.equal(first.status, 401);
  assert.equal(second.status, 200);
  assert.equal(tenant.faults.graph, null);
});
