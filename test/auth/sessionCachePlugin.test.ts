/**
 * The cache write-back rule, round-tripped through the real msal-node against the local tenant:
 * an unchanged cache is never written back, a new or refreshed token is written once. It also pins
 * the msal-node behaviour the rule exists for.
 */
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { CryptoProvider } from "@azure/msal-node";
import { pino } from "pino";
import { createMsalClientFactory } from "../../src/auth/createMsalClientFactory.js";
import type { CachePlugin, MsalClientFactory } from "../../src/auth/createMsalClientFactory.js";
import { createNetworkClient } from "../../src/auth/createNetworkClient.js";
import { discoverAuthority } from "../../src/auth/discoverAuthority.js";
import { createSessionCachePlugin } from "../../src/auth/sessionCachePlugin.js";
import { CorruptTokenCacheError } from "../../src/errors.js";
import { createHttpsAgent } from "../../src/http/createHttpsAgent.js";
import { startLocalTenant } from "local-entra";
import type { LocalTenant } from "local-entra";
import { parseLoginForm } from "../support/signIn.js";
import { TestClient } from "../support/testClient.js";

const REDIRECT_URI = "http://127.0.0.1:9/callback"; // never contacted: the code is read from the Location header
const SCOPES = ["User.Read"];

class CountingSlot {
  value: string | undefined;
  writes = 0;
  read = () => this.value;
  write = (serialized: string) => {
    this.writes += 1;
    this.value = serialized;
  };
}

describe("the session cache plugin with msal-node", () => {
  let tenant: LocalTenant;
  let clients: MsalClientFactory;
  const agent = createHttpsAgent();

  before(async () => {
    tenant = await startLocalTenant();
    const clientId = randomUUID();
    const clientSecret = randomBytes(24).toString("base64url");
    tenant.registerClient({
      clientId,
      clientSecret,
      redirectUris: [REDIRECT_URI],
    });
    const network = createNetworkClient({
      httpsAgent: createHttpsAgent(tenant.caCertificatePem),
      timeoutMs: 5000,
    });
    const metadata = await discoverAuthority(tenant.authority, network);
    const auth = {
      authority: tenant.authority,
      cloudInstance: tenant.cloudInstance,
      tenantId: tenant.tenantId,
      clientId,
      credential: { kind: "secret" as const, secret: clientSecret },
      redirectUri: REDIRECT_URI,
      postLogoutRedirectUri: REDIRECT_URI,
      scopes: SCOPES,
      calendarScopes: [],
      httpTimeoutMs: 5000,
      allowedTenants: [],
      msalLogLevel: "warning" as const,
    };
    clients = createMsalClientFactory({ auth, metadata, network, logger: pino({ level: "silent" }) });
  });
  after(async () => {
    agent.destroy();
    await tenant.close();
  });

  /** A real sign-in: authorize at the tenant's page, then redeem the code with a plugin on `slot`. */
  async function signInInto(slot: CountingSlot): Promise<string> {
    const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
    const authorizeUrl = await clients.create().getAuthCodeUrl({
      scopes: SCOPES,
      redirectUri: REDIRECT_URI,
      codeChallenge: challenge,
      codeChallengeMethod: "S256",
      state: "s",
      nonce: "n",
    });
    const browser = new TestClient(tenant.caCertificatePem);
    const page = await browser.get(authorizeUrl);
    const form = parseLoginForm(page, authorizeUrl);
    const chosen = await browser.postForm(form.action, { ...form.fields, user: form.userIds[0]! });
    const code = new URL(chosen.location!).searchParams.get("code")!;
    const result = await clients.create(createSessionCachePlugin(slot)).acquireTokenByCode({
      code,
      scopes: SCOPES,
      redirectUri: REDIRECT_URI,
      codeVerifier: verifier,
      nonce: "n",
    });
    return result.account!.homeAccountId;
  }

  async function silent(slot: CountingSlot, homeAccountId: string, forceRefresh = false) {
    const client = clients.create(createSessionCachePlugin(slot));
    const account = await client.getTokenCache().getAccountByHomeId(homeAccountId);
    assert.ok(account, "the account is found by its home account id");
    return client.acquireTokenSilent({ account, scopes: SCOPES, forceRefresh });
  }

  it("acquireTokenByCode, into an empty session, writes the new cache once", async () => {
    const slot = new CountingSlot();

    await signInInto(slot);

    assert.equal(slot.writes, 1);
    assert.ok(slot.value && slot.value.length > 1000);
  });

  it("acquireTokenSilent, with a valid access token in the cache, writes nothing back", async () => {
    const slot = new CountingSlot();
    const homeAccountId = await signInInto(slot);
    const before = slot.value;
    slot.writes = 0;

    const first = await silent(slot, homeAccountId);
    const second = await silent(slot, homeAccountId);

    assert.equal(first.fromCache, true);
    assert.equal(second.fromCache, true);
    assert.equal(slot.writes, 0);
    assert.equal(slot.value, before);
  });

  it("acquireTokenSilent, when it refreshes, writes the changed cache exactly once", async () => {
    const slot = new CountingSlot();
    const homeAccountId = await signInInto(slot);
    const before = slot.value;
    slot.writes = 0;
    tenant.resetCounters();

    const refreshed = await silent(slot, homeAccountId, true);

    assert.equal(refreshed.fromCache, false);
    assert.equal(tenant.counters.tokenRefresh, 1);
    assert.equal(slot.writes, 1);
    assert.notEqual(slot.value, before);
  });

  it("msal-node, as pinned, reports a change after deserialize and on cache reads, so the flag alone is not enough", async () => {
    const slot = new CountingSlot();
    const homeAccountId = await signInInto(slot);
    const seen: boolean[] = [];
    let changedRightAfterDeserialize: boolean | undefined;
    const spy: CachePlugin = {
      beforeCacheAccess: async (context) => {
        context.tokenCache.deserialize(slot.value!);
        changedRightAfterDeserialize = (
          context.tokenCache as unknown as { hasChanged(): boolean }
        ).hasChanged();
      },
      afterCacheAccess: async (context) => {
        seen.push(context.cacheHasChanged);
      },
    };
    const client = clients.create(spy);

    const account = await client.getTokenCache().getAccountByHomeId(homeAccountId);
    await client.acquireTokenSilent({ account: account!, scopes: SCOPES });

    assert.equal(
      changedRightAfterDeserialize,
      true,
      "TokenCache.hasChanged() is true right after deserialize()",
    );
    assert.deepEqual(seen, [false, false], "reads and cache hits report cacheHasChanged=false in 7.2.3");
  });

  it("beforeCacheAccess, with a blob that is not a token cache, raises CorruptTokenCacheError", async () => {
    for (const blob of ["{not json", "[]", '{"AccessToken": 5}', "x".repeat(300 * 1024)]) {
      const slot = new CountingSlot();
      slot.value = blob;
      const client = clients.create(createSessionCachePlugin(slot));

      await assert.rejects(
        client.getTokenCache().getAllAccounts(),
        CorruptTokenCacheError,
        blob.slice(0, 20),
      );
      assert.equal(slot.writes, 0);
    }
  });
});
