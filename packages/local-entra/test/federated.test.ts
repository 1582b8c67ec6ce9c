import assert from "node:assert/strict";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { ConfidentialClientApplication } from "@azure/msal-node";
import { SignJWT } from "jose";
import { createFederatedIssuer } from "../src/index.js";
import type { LocalFederatedIssuer, LocalTenant } from "../src/index.js";
import type { EntraErrorResponse, HttpResult } from "./helpers.js";
import {
  parseJson,
  postForm,
  REDIRECT_URI,
  startTestTenant,
  tenantRequest,
  tokenEndpoint,
} from "./helpers.js";
import { networkClient, signInWithMsal } from "./msalHelpers.js";

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const FED_CLIENT_ID = "6d2b8f14-a3c5-4e7b-9d10-f2a4c6e8b035";
const SUBJECT = "system:serviceaccount:web:local-entra-app";
const EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

/** The platform's issuer and a second one that knows the same issuer URL but has its own key. */
const ISSUERS = createFederatedIssuer().then(async (platform) => ({
  platform,
  impostor: await createFederatedIssuer({ issuer: platform.issuer }),
}));

async function federatedTenant(
  t: TestContext,
): Promise<{ tenant: LocalTenant; platform: LocalFederatedIssuer; impostor: LocalFederatedIssuer }> {
  const { platform, impostor } = await ISSUERS;
  const tenant = await startTestTenant(t);
  tenant.registerClient({
    clientId: FED_CLIENT_ID,
    federatedCredentials: [{ issuer: platform.issuer, subject: SUBJECT, jwks: platform.jwks }],
    redirectUris: [REDIRECT_URI],
  });
  return { tenant, platform, impostor };
}

/** A refresh request with an unknown refresh token: invalid_grant means the client was authenticated. */
function postFederated(
  tenant: LocalTenant,
  assertion: string,
  clientId = FED_CLIENT_ID,
): Promise<HttpResult> {
  return postForm(tenant, tokenEndpoint(tenant), {
    grant_type: "refresh_token",
    refresh_token: "LTRT.never-issued",
    client_id: clientId,
    client_assertion_type: JWT_BEARER,
    client_assertion: assertion,
  });
}

function answerOf(response: HttpResult): { status: number; error: string; codes: number[] } {
  const body = parseJson<EntraErrorResponse>(response);
  return { status: response.status, error: body.error, codes: body.error_codes };
}

function part(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

type Issuers = { platform: LocalFederatedIssuer; impostor: LocalFederatedIssuer };

/** Assertions the client authenticates with (the unknown refresh token is then invalid_grant). */
const ACCEPTED: [string, (issuers: Issuers) => Promise<string>][] = [
  ["the platform's token as issued", ({ platform }) => platform.issue({ subject: SUBJECT })],
  [
    "a token issued 4 minutes in the future (within the 5-minute skew)",
    ({ platform }) => platform.issue({ subject: SUBJECT, nowSeconds: nowSeconds() + 240 }),
  ],
  [
    "a token living 24 hours (no 10-minute bound on platform tokens)",
    ({ platform }) => platform.issue({ subject: SUBJECT, lifetimeSeconds: 86_400 }),
  ],
  [
    "a token with 5 seconds left",
    ({ platform }) => platform.issue({ subject: SUBJECT, nowSeconds: nowSeconds() - 3595 }),
  ],
];

for (const [name, make] of ACCEPTED) {
  void test(`POST /token, with a federated assertion that is ${name}, authenticates the client`, async (t) => {
    // Arrange
    const { tenant, platform, impostor } = await federatedTenant(t);
    const assertion = await make({ platform, impostor });
    // Act
    const response = await postFederated(tenant, assertion);
    // Assert
    assert.deepEqual(answerOf(response), { status: 400, error: "invalid_grant", codes: [9002313] });
  });
}

/** Federated assertions Entra refuses, with its code. */
const REFUSED: [string, (issuers: Issuers) => Promise<string>, number][] = [
  [
    "from another issuer",
    ({ platform }) => platform.issue({ subject: SUBJECT, issuer: "https://oidc.other-platform.test/1" }),
    700211,
  ],
  [
    "whose issuer differs in case",
    ({ platform }) => platform.issue({ subject: SUBJECT, issuer: platform.issuer.toUpperCase() }),
    700211,
  ],
  [
    "whose issuer has a trailing slash",
    ({ platform }) => platform.issue({ subject: SUBJECT, issuer: `${platform.issuer}/` }),
    700211,
  ],
  [
    "for another subject",
    ({ platform }) => platform.issue({ subject: "system:serviceaccount:web:other" }),
    700213,
  ],
  [
    "whose subject differs in case",
    ({ platform }) => platform.issue({ subject: SUBJECT.toUpperCase() }),
    700213,
  ],
  [
    "whose subject has a trailing space",
    ({ platform }) => platform.issue({ subject: `${SUBJECT} ` }),
    700213,
  ],
  [
    "for another audience",
    ({ platform }) => platform.issue({ subject: SUBJECT, audience: "https://management.azure.com" }),
    700212,
  ],
  [
    "whose audience has a trailing slash",
    ({ platform }) => platform.issue({ subject: SUBJECT, audience: `${EXCHANGE_AUDIENCE}/` }),
    700212,
  ],
  [
    "for the client id as audience",
    ({ platform }) => platform.issue({ subject: SUBJECT, audience: FED_CLIENT_ID }),
    700212,
  ],
  [
    "expired a second ago",
    ({ platform }) => platform.issue({ subject: SUBJECT, nowSeconds: nowSeconds() - 3601 }),
    700024,
  ],
  [
    "expired a day ago",
    ({ platform }) => platform.issue({ subject: SUBJECT, nowSeconds: nowSeconds() - 90_000 }),
    700024,
  ],
  [
    "not valid for another 6 minutes",
    ({ platform }) => platform.issue({ subject: SUBJECT, nowSeconds: nowSeconds() + 360 }),
    700024,
  ],
  [
    "with a bad signature (another token's signature)",
    async ({ platform }) => {
      const [one, other] = await Promise.all([
        platform.issue({ subject: SUBJECT }),
        platform.issue({ subject: "system:serviceaccount:web:other" }),
      ]);
      return `${one.split(".").slice(0, 2).join(".")}.${other.split(".")[2] ?? ""}`;
    },
    700027,
  ],
  [
    "with a truncated signature",
    async ({ platform }) => (await platform.issue({ subject: SUBJECT })).slice(0, -8),
    700027,
  ],
  ["signed by an unknown key (unknown kid)", ({ impostor }) => impostor.issue({ subject: SUBJECT }), 7000272],
  [
    "without a kid",
    async ({ platform }) => {
      const token = await platform.issue({ subject: SUBJECT });
      return `${part({ alg: "RS256", typ: "JWT" })}.${token.split(".").slice(1).join(".")}`;
    },
    7000272,
  ],
  [
    "unsigned (alg none)",
    async ({ platform }) => {
      const token = await platform.issue({ subject: SUBJECT });
      return `${part({ alg: "none", typ: "JWT", kid: platform.jwks.keys[0]?.kid })}.${token.split(".")[1] ?? ""}.`;
    },
    700027,
  ],
  [
    "signed with HS256 (the public key as a shared secret)",
    async ({ platform }) => {
      const claims = claimsOf(await platform.issue({ subject: SUBJECT }));
      return new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", typ: "JWT", kid: platform.jwks.keys[0]?.kid ?? "" })
        .sign(Buffer.from(platform.jwks.keys[0]?.n ?? "", "base64url"));
    },
    700027,
  ],
  ["that is not a JWT", () => Promise.resolve("not-a-jwt"), 50027],
  [
    "that is a JWT of two parts",
    async ({ platform }) => (await platform.issue({ subject: SUBJECT })).split(".").slice(0, 2).join("."),
    50027,
  ],
];

for (const [name, make, code] of REFUSED) {
  void test(`POST /token, with a federated assertion ${name}, answers 401 invalid_client AADSTS${code}`, async (t) => {
    // Arrange
    const { tenant, platform, impostor } = await federatedTenant(t);
    const assertion = await make({ platform, impostor });
    // Act
    const response = await postFederated(tenant, assertion);
    // Assert
    const body = parseJson<EntraErrorResponse>(response);
    assert.deepEqual(
      answerOf(response),
      { status: 401, error: "invalid_client", codes: [code] },
      body.error_description,
    );
    assert.match(body.error_description, new RegExp(`^AADSTS${code}: .+\\r\\nTrace ID: `));
    assert.equal(body.error_uri.endsWith(`?code=${code}`), true);
  });
}

void test("POST /token, with a federated credential naming its own audiences, accepts one of them and refuses the default", async (t) => {
  // Arrange
  const { platform } = await ISSUERS;
  const tenant = await startTestTenant(t);
  tenant.registerClient({
    clientId: FED_CLIENT_ID,
    federatedCredentials: [
      {
        issuer: platform.issuer,
        subject: SUBJECT,
        audiences: ["api://contoso-exchange"],
        jwks: platform.jwks,
      },
    ],
    redirectUris: [REDIRECT_URI],
  });
  // Act
  const custom = await postFederated(
    tenant,
    await platform.issue({ subject: SUBJECT, audience: "api://contoso-exchange" }),
  );
  const standard = await postFederated(tenant, await platform.issue({ subject: SUBJECT }));
  // Assert
  assert.deepEqual(answerOf(custom).codes, [9002313]);
  assert.deepEqual(answerOf(standard), { status: 401, error: "invalid_client", codes: [700212] });
});

void test("POST /token, with the wrong-issuer answer, names the presented issuer as Entra does", async (t) => {
  // Arrange
  const { tenant, platform } = await federatedTenant(t);
  const assertion = await platform.issue({ subject: SUBJECT, issuer: "https://oidc.other-platform.test/1" });
  // Act
  const response = await postFederated(tenant, assertion);
  // Assert
  assert.match(
    parseJson<EntraErrorResponse>(response).error_description,
    /^AADSTS700211: No matching federated identity record found for presented assertion issuer 'https:\/\/oidc\.other-platform\.test\/1'\. /,
  );
});

void test("POST /token, with a platform token for a client without federated credentials, answers AADSTS700021 as before", async (t) => {
  // Arrange
  const { tenant, platform } = await federatedTenant(t);
  tenant.registerClient({
    clientId: "0c6f3a81-52d9-4b7e-a1c4-93e5f7b1d246",
    clientSecret: "s~1",
    redirectUris: [REDIRECT_URI],
  });
  // Act
  const response = await postFederated(
    tenant,
    await platform.issue({ subject: SUBJECT }),
    "0c6f3a81-52d9-4b7e-a1c4-93e5f7b1d246",
  );
  // Assert
  assert.deepEqual(answerOf(response), { status: 401, error: "invalid_client", codes: [700021] });
});

void test("POST /token, with a platform token for another client's federated credential, answers AADSTS700211", async (t) => {
  // Arrange
  const { tenant, platform } = await federatedTenant(t);
  const otherIssuer = await createFederatedIssuer();
  tenant.registerClient({
    clientId: "a41e7c93-0b5d-4f28-8e6a-c3d9f1b2a457",
    federatedCredentials: [{ issuer: otherIssuer.issuer, subject: SUBJECT, jwks: otherIssuer.jwks }],
    redirectUris: [REDIRECT_URI],
  });
  // Act
  const response = await postFederated(
    tenant,
    await platform.issue({ subject: SUBJECT }),
    "a41e7c93-0b5d-4f28-8e6a-c3d9f1b2a457",
  );
  // Assert
  assert.deepEqual(answerOf(response).codes, [700211]);
});

void test("msal-node 7 with clientAssertion as a callback returning the platform's token, signs in and refreshes", async (t) => {
  // Arrange
  const { tenant, platform } = await federatedTenant(t);
  const user = tenant.users[0];
  assert.ok(user);
  const metadata = await tenantRequest(tenant, `${tenant.authority}/v2.0/.well-known/openid-configuration`);
  const issued: string[] = [];
  // As with AZURE_FEDERATED_TOKEN_FILE: the callback reads the platform's current token when MSAL needs one.
  const clientAssertion = async (): Promise<string> => {
    const token = await platform.issue({ subject: SUBJECT });
    issued.push(token);
    return token;
  };
  const newClient = (): ConfidentialClientApplication =>
    new ConfidentialClientApplication({
      auth: {
        clientId: FED_CLIENT_ID,
        clientAssertion,
        authority: tenant.authority,
        knownAuthorities: [tenant.authorityHost],
        authorityMetadata: metadata.body,
      },
      system: { networkClient: networkClient(tenant) },
    });
  const signInClient = newClient();
  // Act
  const first = await signInWithMsal(tenant, signInClient, user.oid);
  const refreshClient = newClient();
  refreshClient.getTokenCache().deserialize(signInClient.getTokenCache().serialize());
  assert.ok(first.account);
  const refreshed = await refreshClient.acquireTokenSilent({
    account: first.account,
    scopes: ["User.Read"],
    forceRefresh: true,
  });
  // Assert
  assert.equal(first.account.homeAccountId, `${user.oid}.${tenant.tenantId}`);
  assert.equal(refreshed.fromCache, false);
  assert.notEqual(refreshed.accessToken, first.accessToken);
  assert.equal(issued.length, 2, "one platform token per token request");
  assert.equal(tenant.counters.tokenAuthorizationCode, 1);
  assert.equal(tenant.counters.tokenRefresh, 1);
  assert.equal(tenant.counters.tokenErrors, 0);
});

void test("registerClient, with a federated credential holding a private key, no kid or a repeated issuer and subject, throws", async (t) => {
  // Arrange
  const { platform } = await ISSUERS;
  const tenant = await startTestTenant(t);
  const key = platform.jwks.keys[0];
  assert.ok(key);
  const base = { issuer: platform.issuer, subject: SUBJECT, jwks: platform.jwks };
  const invalid: [string, Record<string, unknown>][] = [
    ["a private key", { ...base, jwks: { keys: [{ ...key, d: "AQAB" }] } }],
    ["no kid", { ...base, jwks: { keys: [{ ...key, kid: undefined }] } }],
    ["no keys", { ...base, jwks: { keys: [] } }],
    ["an empty issuer", { ...base, issuer: "" }],
    ["an empty subject", { ...base, subject: "" }],
    ["empty audiences", { ...base, audiences: [] }],
  ];
  for (const [name, credential] of invalid) {
    // Act + Assert
    assert.throws(
      () =>
        tenant.registerClient({
          clientId: FED_CLIENT_ID,
          federatedCredentials: [credential as never],
          redirectUris: [REDIRECT_URI],
        }),
      Error,
      name,
    );
  }
  assert.throws(() =>
    tenant.registerClient({
      clientId: FED_CLIENT_ID,
      federatedCredentials: [base, base],
      redirectUris: [REDIRECT_URI],
    }),
  );
});
