/**
 * The warm path without MSAL (src/auth/cachedAccessToken.ts) held against msal-node itself: for each
 * cache of the table (a real signed-in cache, then changed one way), the token the warm path finds
 * must be the one msal-node's acquireTokenSilent returns from its cache without a network call; where
 * the warm path declines, MSAL answers (often by refreshing). Each row also says which of the two it
 * expects, so a warm path that always declines, or never does, fails.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AccountInfo } from "@azure/msal-node";
import { findCachedAccessToken } from "../../src/auth/cachedAccessToken.js";
import {
  createMsalClientFactory,
  TOKEN_RENEWAL_OFFSET_SECONDS,
} from "../../src/auth/createMsalClientFactory.js";
import type { MsalClientFactory } from "../../src/auth/createMsalClientFactory.js";
import { createNetworkClient } from "../../src/auth/createNetworkClient.js";
import type { NetworkModule } from "../../src/auth/createNetworkClient.js";
import { discoverAuthority } from "../../src/auth/discoverAuthority.js";
import { createSessionCachePlugin, parseTokenCache } from "../../src/auth/sessionCachePlugin.js";
import { CorruptTokenCacheError } from "../../src/errors.js";
import { createHttpsAgent } from "../../src/http/createHttpsAgent.js";
import { createLogger } from "../../src/logger.js";
import type { SignedInAccount } from "../../src/session/sessionData.js";
import { readSessionRow } from "../support/sessionRows.js";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import { sessionIdOf } from "../support/tokenCacheTools.js";

type Entry = Record<string, unknown>;
type Cache = Record<string, Record<string, Entry>>;

interface Row {
  name: string;
  /** Changes a copy of the signed-in cache; `now` in epoch seconds. */
  change?: (cache: Cache, now: number) => void;
  scopes?: string[];
  /** "warm": the warm path must find the token; "msal": it must leave the request to MSAL. */
  expect: "warm" | "msal";
  /** MSAL itself goes to the token endpoint: the rule the warm path copies, pinned on MSAL's side. */
  msalRefreshes?: true;
}

const SCOPES = ["User.Read"];

/** The one access token of the signed-in cache, and its key. */
function onlyAccessToken(cache: Cache): [string, Entry] {
  const entries = Object.entries(cache.AccessToken ?? {});
  assert.equal(entries.length, 1, "the signed-in cache holds one access token");
  return entries[0]!;
}

function changeToken(change: (entry: Entry, now: number) => void): Row["change"] {
  return (cache, now) => change(onlyAccessToken(cache)[1], now);
}

function renameKey(cache: Cache, rename: (key: string) => string): void {
  const [key, entry] = onlyAccessToken(cache);
  cache.AccessToken = { [rename(key)]: entry };
}

/** A second access token: the first's copy under another key, changed by `change`. */
function addCopy(change: (entry: Entry, key: string) => string): Row["change"] {
  return (cache) => {
    const [key, entry] = onlyAccessToken(cache);
    const copy = { ...entry, secret: `${String(entry.secret)}-copy` };
    cache.AccessToken![change(copy, key)] = copy;
  };
}

const ROWS: Row[] = [
  { name: "the cache as signed in", expect: "warm" },
  { name: "the scope in lower case", scopes: ["user.read"], expect: "warm" },
  { name: "the scope with spaces around it", scopes: [" User.Read "], expect: "warm" },
  {
    name: "with the OIDC scopes",
    scopes: ["openid", "profile", "offline_access", "User.Read"],
    expect: "warm",
  },
  {
    name: "expiring just after the renewal offset",
    change: changeToken((at, now) => (at.expires_on = String(now + TOKEN_RENEWAL_OFFSET_SECONDS + 60))),
    expect: "warm",
  },
  {
    name: "refresh_on ahead",
    change: changeToken((at, now) => (at.refresh_on = String(now + 600))),
    expect: "warm",
  },
  {
    name: "extended_expires_on past (only expires_on counts)",
    change: changeToken((at, now) => (at.extended_expires_on = String(now - 600))),
    expect: "warm",
  },
  { name: "token_type Bearer", change: changeToken((at) => (at.token_type = "Bearer")), expect: "warm" },
  {
    name: "the target in upper case",
    change: changeToken((at) => (at.target = String(at.target).toUpperCase())),
    expect: "warm",
  },
  {
    name: "a second token, for another scope",
    change: addCopy((copy, key) => {
      copy.target = "Calendars.Read";
      return key.replace(/user\.read/i, "calendars.read");
    }),
    expect: "warm",
  },
  {
    name: "a second token for the scope, of another client",
    change: addCopy((copy, key) => {
      copy.client_id = "00000000-0000-0000-0000-00000000c0de";
      return key.replace(String(copy.home_account_id), `${String(copy.home_account_id)}-other`);
    }),
    expect: "warm",
  },
  // MSAL refreshes, or answers otherwise: the warm path must leave these to it.
  {
    name: "within the renewal offset",
    change: changeToken((at, now) => (at.expires_on = String(now + TOKEN_RENEWAL_OFFSET_SECONDS - 60))),
    expect: "msal",
    msalRefreshes: true,
  },
  {
    name: "expired",
    change: changeToken((at, now) => (at.expires_on = String(now - 60))),
    expect: "msal",
    msalRefreshes: true,
  },
  {
    name: "cached_at in the future (clock turned back)",
    change: changeToken((at, now) => (at.cached_at = String(now + 120))),
    expect: "msal",
    msalRefreshes: true,
  },
  {
    name: "refresh_on passed (MSAL refreshes in the background)",
    change: changeToken((at, now) => (at.refresh_on = String(now - 60))),
    expect: "msal",
    msalRefreshes: true,
  },
  { name: "expires_on not a number", change: changeToken((at) => (at.expires_on = "soon")), expect: "msal" },
  {
    name: "expires_on a number, not a string",
    change: changeToken((at, now) => (at.expires_on = now + 3600)),
    expect: "msal",
  },
  { name: "another scope asked for", scopes: ["Calendars.Read"], expect: "msal", msalRefreshes: true },
  { name: "two scopes, one not held", scopes: ["User.Read", "Mail.Read"], expect: "msal" },
  { name: "only OIDC scopes", scopes: ["openid", "profile"], expect: "msal" },
  { name: "an OIDC scope in another spelling", scopes: ["OpenID", "User.Read"], expect: "msal" },
  {
    name: "two tokens for the scope (MSAL drops both)",
    change: addCopy((copy, key) => {
      copy.target = `${String(copy.target)} Mail.Read`;
      return `${key} mail.read`;
    }),
    expect: "msal",
    msalRefreshes: true,
  },
  {
    name: "a second token for the scope, in another tenant",
    change: addCopy((copy, key) => {
      copy.realm = "72f988bf-86f1-41af-91ab-2d7cd011db47";
      return key.replace(/-[0-9a-f-]{36}-/, "-72f988bf-86f1-41af-91ab-2d7cd011db47-");
    }),
    expect: "msal",
  },
  {
    name: "a PoP token",
    change: changeToken((at) => {
      at.credential_type = "AccessToken_With_AuthScheme";
      at.token_type = "pop";
    }),
    expect: "msal",
  },
  { name: "token_type pop", change: changeToken((at) => (at.token_type = "pop")), expect: "msal" },
  { name: "a key id", change: changeToken((at) => (at.key_id = "kid-1")), expect: "msal" },
  {
    name: "a resource",
    change: changeToken((at) => (at.resource = "https://graph.microsoft.com")),
    expect: "msal",
  },
  {
    name: "a user assertion hash",
    change: changeToken((at) => (at.userAssertionHash = "h")),
    expect: "msal",
  },
  {
    name: "extra cache key components",
    change: changeToken((at) => (at.additionalCacheKeyComponents = { a: "b" })),
    expect: "msal",
  },
  {
    name: "another tenant",
    change: changeToken((at) => (at.realm = "72f988bf-86f1-41af-91ab-2d7cd011db47")),
    expect: "msal",
  },
  {
    name: "another environment",
    change: changeToken((at) => (at.environment = "login.windows.net")),
    expect: "msal",
  },
  {
    name: "another client",
    change: changeToken((at) => (at.client_id = "00000000-0000-0000-0000-00000000c0de")),
    expect: "msal",
  },
  { name: "an empty secret", change: changeToken((at) => (at.secret = "")), expect: "msal" },
  {
    name: "a key not naming the scope",
    change: (cache) => renameKey(cache, (key) => key.replace(/user\.read/i, "x")),
    expect: "msal",
  },
  {
    name: "a key not naming the tenant",
    change: (cache) => renameKey(cache, (key) => key.replace(/-[0-9a-f-]{36}-/, "-x-")),
    expect: "msal",
  },
  { name: "no access token section", change: (cache) => delete cache.AccessToken, expect: "msal" },
  { name: "an access token without a target", change: changeToken((at) => delete at.target), expect: "msal" },
];

describe("the warm path, held against msal-node's acquireTokenSilent", () => {
  let app: TestApp;
  let clients: MsalClientFactory;
  let account: SignedInAccount;
  let signedInCache: string;
  const networkCalls: string[] = [];
  const httpsAgent = createHttpsAgent();

  before(async () => {
    app = await startTestApp();
    const browser = app.newClient();
    await signIn(app, browser);
    const row = readSessionRow(app.sqlitePath, sessionIdOf(app, browser))!;
    account = row.account as SignedInAccount;
    signedInCache = app.cipher.open(row.tokenCache, account.homeAccountId);
    const agent = createHttpsAgent(app.tenant.caCertificatePem);
    const real = createNetworkClient({ httpsAgent: agent, timeoutMs: 5000 });
    const counting: NetworkModule = {
      sendGetRequestAsync: (url, options) => {
        networkCalls.push(`GET ${url}`);
        return real.sendGetRequestAsync(url, options);
      },
      sendPostRequestAsync: (url, options) => {
        networkCalls.push(`POST ${url}`);
        return real.sendPostRequestAsync(url, options);
      },
    };
    const metadata = await discoverAuthority(app.config.auth.authority, real);
    const logger = createLogger({ level: "silent", destination: { write: () => undefined } });
    clients = createMsalClientFactory({ auth: app.config.auth, metadata, network: counting, logger });
  });
  after(async () => {
    httpsAgent.destroy();
    await app.close();
  });

  async function msalAnswer(serialized: string, scopes: string[]) {
    networkCalls.length = 0;
    const slot = { read: () => serialized, write: () => undefined };
    const msalAccount: AccountInfo = {
      homeAccountId: account.homeAccountId,
      environment: account.environment!,
      tenantId: account.tenantId,
      username: account.username,
      localAccountId: account.objectId,
    };
    try {
      const result = await clients
        .create(createSessionCachePlugin(slot, account.homeAccountId))
        .acquireTokenSilent({ account: msalAccount, scopes });
      return { token: result.accessToken, fromCache: result.fromCache, calls: [...networkCalls] };
    } catch (error) {
      return { error, calls: [...networkCalls] };
    }
  }

  for (const row of ROWS) {
    it(`${row.name}: ${row.expect === "warm" ? "finds MSAL's cached token" : "leaves the request to MSAL"}`, async () => {
      const cache = JSON.parse(signedInCache) as Cache;
      const nowMs = Date.now();
      row.change?.(cache, Math.round(nowMs / 1000));
      const serialized = JSON.stringify(cache);
      const scopes = row.scopes ?? SCOPES;

      const warm = findCachedAccessToken(parseTokenCache(serialized, account.homeAccountId), {
        homeAccountId: account.homeAccountId,
        environment: account.environment!,
        tenantId: account.tenantId,
        clientId: clients.clientId,
        scopes,
        now: nowMs,
      });
      const msal = await msalAnswer(serialized, scopes);

      if (row.expect === "warm") {
        assert.equal(typeof warm, "string", "the warm path finds a token");
        assert.deepEqual(
          msal,
          { token: warm, fromCache: true, calls: [] },
          "MSAL returns the same from its cache",
        );
      } else {
        assert.equal(warm, undefined, "the warm path declines");
        if (row.msalRefreshes) {
          assert.equal(
            msal.fromCache === true && msal.calls.length === 0,
            false,
            "MSAL does not answer from its cache",
          );
          assert.ok(
            msal.calls.some((call) => call.startsWith("POST ") && call.includes("/oauth2/v2.0/token")),
          );
        }
      }
    });
  }

  it("an entry of another account: both refuse the cache as corrupt", async () => {
    const cache = JSON.parse(signedInCache) as Cache;
    const [key, entry] = onlyAccessToken(cache);
    cache.AccessToken![`${key}-x`] = { ...entry, home_account_id: "someone.else" };
    const serialized = JSON.stringify(cache);
    assert.throws(() => parseTokenCache(serialized, account.homeAccountId), CorruptTokenCacheError);
    const msal = await msalAnswer(serialized, SCOPES);
    assert.ok("error" in msal && msal.error instanceof CorruptTokenCacheError);
  });
});
