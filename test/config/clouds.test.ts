/**
 * National clouds and multi-tenant settings: the sovereign clouds' sign-in and Graph hosts work from
 * settings alone (MSAL builds their authorize URLs with no network call), a Graph host of another
 * cloud is refused, and ALLOWED_TENANTS is accepted only where it means something.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pino from "pino";
import { createMsalClientFactory } from "../../src/auth/createMsalClientFactory.js";
import type { NetworkModule } from "../../src/auth/createNetworkClient.js";
import { knownAuthoritiesFor } from "../../src/auth/knownAuthorities.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { ConfigError } from "../../src/errors.js";

const TENANT = "11111111-2222-3333-4444-555555555555";
const base = {
  TENANT_ID: TENANT,
  CLIENT_ID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
  CLIENT_SECRET: "a-client-secret",
  EXPRESS_SESSION_SECRET: "s".repeat(40),
};

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail("loadConfig accepted invalid settings");
}

/** Metadata as the cloud's discovery document publishes it (what discoverAuthority hands MSAL). */
function metadataFor(cloudInstance: string, tenant: string) {
  const root = `${cloudInstance}${tenant}`;
  const document = {
    issuer: `${root}/v2.0`,
    authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
    token_endpoint: `${root}/oauth2/v2.0/token`,
    end_session_endpoint: `${root}/oauth2/v2.0/logout`,
    jwks_uri: `${root}/discovery/v2.0/keys`,
  };
  return {
    json: JSON.stringify(document),
    issuer: document.issuer,
    endSessionEndpoint: document.end_session_endpoint,
    authorizationOrigin: new URL(cloudInstance).origin,
  };
}

const noNetwork: NetworkModule = {
  sendGetRequestAsync: (url) => Promise.reject(new Error(`unexpected GET ${url}`)),
  sendPostRequestAsync: (url) => Promise.reject(new Error(`unexpected POST ${url}`)),
};

const SOVEREIGN = [
  ["Azure US Government", "https://login.microsoftonline.us/", "https://graph.microsoft.us/"],
  ["Azure US Government (DoD)", "https://login.microsoftonline.us/", "https://dod-graph.microsoft.us/"],
  ["Azure China (21Vianet)", "https://login.chinacloudapi.cn/", "https://microsoftgraph.chinacloudapi.cn/"],
] as const;

describe("national clouds", () => {
  for (const [name, cloudInstance, graphEndpoint] of SOVEREIGN) {
    it(`${name}: the settings alone point sign-in and Graph at the cloud, and MSAL builds its authorize URL offline`, async () => {
      const config = loadConfig({
        ...base,
        CLOUD_INSTANCE: cloudInstance,
        GRAPH_API_ENDPOINT: graphEndpoint,
      });
      assert.equal(config.auth.authority, `${cloudInstance}${TENANT}`);
      assert.equal(config.graph.endpoint, graphEndpoint);
      // Microsoft's own clouds: MSAL ships their instance metadata, nothing to declare.
      assert.deepEqual(knownAuthoritiesFor(config.auth.authority), []);

      const clients = createMsalClientFactory({
        auth: config.auth,
        metadata: metadataFor(cloudInstance, TENANT),
        network: noNetwork,
        logger: pino({ level: "silent" }),
      });
      const url = new URL(
        await clients.create().getAuthCodeUrl({
          scopes: [...config.auth.scopes],
          redirectUri: config.auth.redirectUri,
          state: "s",
          nonce: "n",
        }),
      );
      assert.equal(url.origin + url.pathname, `${cloudInstance}${TENANT}/oauth2/v2.0/authorize`);
      assert.match(url.searchParams.get("scope") ?? "", /\bUser\.Read\b/);
    });
  }

  it("a Graph endpoint of another Microsoft cloud is refused with the right one named", () => {
    assert.deepEqual(
      problemsOf({
        ...base,
        CLOUD_INSTANCE: "https://login.chinacloudapi.cn/",
        GRAPH_API_ENDPOINT: "https://graph.microsoft.com/",
      }),
      [
        "GRAPH_API_ENDPOINT: graph.microsoft.com is Microsoft Graph in the global cloud, but CLOUD_INSTANCE login.chinacloudapi.cn signs in to Microsoft Azure operated by 21Vianet (China); use https://microsoftgraph.chinacloudapi.cn/",
      ],
    );
    assert.equal(
      problemsOf({ ...base, GRAPH_API_ENDPOINT: "https://graph.microsoft.us/" }).length,
      1,
      "global sign-in with US Government Graph",
    );
  });

  it("hosts that are not Microsoft's (a private or test authority) are left to the operator", () => {
    const config = loadConfig({
      ...base,
      CLOUD_INSTANCE: "https://login.contoso.test:8443/",
      GRAPH_API_ENDPOINT: "https://graph.contoso.test/",
    });
    assert.deepEqual(knownAuthoritiesFor(config.auth.authority), ["login.contoso.test:8443"]);
  });
});

describe("multi-tenant settings", () => {
  it("TENANT_ID common or organizations takes ALLOWED_TENANTS; a single tenant refuses it", () => {
    const allowed = "AAAAAAAA-1111-2222-3333-444444444444, bbbbbbbb-1111-2222-3333-444444444444";
    for (const tenant of ["common", "organizations"]) {
      const config = loadConfig({ ...base, TENANT_ID: tenant, ALLOWED_TENANTS: allowed });
      assert.equal(config.auth.authority, `https://login.microsoftonline.com/${tenant}`);
      assert.deepEqual(config.auth.allowedTenants, [
        "aaaaaaaa-1111-2222-3333-444444444444",
        "bbbbbbbb-1111-2222-3333-444444444444",
      ]);
    }
    assert.deepEqual(problemsOf({ ...base, ALLOWED_TENANTS: allowed }), [
      'ALLOWED_TENANTS: only applies when TENANT_ID is "common" or "organizations"',
    ]);
    assert.deepEqual(problemsOf({ ...base, TENANT_ID: "organizations", ALLOWED_TENANTS: "contoso.com" }), [
      "ALLOWED_TENANTS: must list tenant ids (GUIDs)",
    ]);
  });
});
