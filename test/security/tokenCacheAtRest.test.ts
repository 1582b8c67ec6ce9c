/**
 * The token cache at rest: encrypted in the store, bound to its account, readable across a key
 * rotation, and discarded (once, never a 500, never a loop) when it cannot be used.
 */
import assert from "node:assert/strict";
import { createCipheriv, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  rawSessionText,
  readSessionRow,
  rewriteSession,
  sessionIdFromCookie,
} from "../support/sessionRows.js";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import { dropAccessTokens } from "../support/tokenCacheTools.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient } from "../support/testClient.js";

const key = (id: string, fill: number) => `${id}:${Buffer.alloc(32, fill).toString("base64")}`;

function sidOf(app: TestApp, client: TestClient): string {
  return sessionIdFromCookie(client.cookie(app.baseUrl, "sid")!);
}

/** The envelope as the cipher wrote it before compression: AES-256-GCM of the UTF-8 text. */
function sealedAsTc1(serialized: string, homeAccountId: string, keyId: string, secret: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", secret, iv);
  cipher.setAAD(Buffer.from(`tc1|${keyId}|${homeAccountId}`));
  const ciphertext = Buffer.concat([cipher.update(serialized, "utf8"), cipher.final()]);
  const parts = [iv, ciphertext, cipher.getAuthTag()].map((b) => b.toString("base64url"));
  return ["tc1", keyId, ...parts].join(".");
}

function storedEnvelope(app: TestApp, client: TestClient): string {
  return readSessionRow(app.sqlitePath, sidOf(app, client))!.tokenCache as string;
}

describe("the token cache at rest", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ env: { TOKEN_CACHE_KEYS: key("k1", 1) } });
  });
  after(() => app.close());

  it("the session store's raw value, after sign-in and a profile page, holds no token in any form", async () => {
    const client = app.newClient();
    await signIn(app, client);
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
    const sid = sidOf(app, client);
    const stored = readSessionRow(app.sqlitePath, sid)!;
    const homeAccountId = (stored.account as { homeAccountId: string }).homeAccountId;
    const cache = JSON.parse(app.cipher.open(stored.tokenCache, homeAccountId)) as Record<
      string,
      Record<string, { secret: string }>
    >;
    const secrets = ["AccessToken", "RefreshToken", "IdToken"].flatMap((k) =>
      Object.values(cache[k] ?? {}).map((e) => e.secret),
    );

    const raw = rawSessionText(app.sqlitePath, sid)!;

    assert.equal(secrets.length, 3);
    for (const secret of secrets) {
      assert.ok(!raw.includes(secret), "a token is in the store in clear");
      assert.ok(!raw.includes(secret.slice(0, 24)), "a piece of a token is in the store in clear");
    }
    assert.doesNotMatch(raw, /eyJ[\w-]+\.eyJ|"secret"|refresh_token|"AccessToken"/);
    assert.match(stored.tokenCache as string, /^tc2\.k1\.[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it("GET /profile, with a cache stored before compression (tc1), serves it and rewrites it as tc2 only on the next write", async () => {
    const client = app.newClient();
    await signIn(app, client);
    rewriteSession(app.sqlitePath, sidOf(app, client), (session) => {
      const home = (session.account as { homeAccountId: string }).homeAccountId;
      const cache = app.cipher.open(session.tokenCache, home);
      session.tokenCache = sealedAsTc1(cache, home, "k1", Buffer.alloc(32, 1));
    });

    const read = await client.get(`${app.baseUrl}/profile`);
    const afterRead = storedEnvelope(app, client);
    dropAccessTokens(app, client);
    const refreshed = await client.get(`${app.baseUrl}/profile`);

    assert.equal(read.status, 200);
    assert.match(afterRead, /^tc1\.k1\./, "reading alone does not rewrite");
    assert.equal(refreshed.status, 200);
    assert.match(storedEnvelope(app, client), /^tc2\.k1\./);
  });

  it("a rolling upgrade: an instance with TOKEN_CACHE_COMPRESSION=false writes tc1, and each instance serves what the other wrote", async () => {
    const uncompressing = await startTestApp({
      sibling: app,
      env: { TOKEN_CACHE_KEYS: key("k1", 1), TOKEN_CACHE_COMPRESSION: "false" },
    });
    try {
      const client = app.newClient();
      await signIn(uncompressing, client);
      const refreshesBefore = app.tenant.counters.tokenRefresh;
      const written = storedEnvelope(app, client);
      const onCompressing = await client.get(`${app.baseUrl}/profile`);
      dropAccessTokens(app, client);
      const refreshedOnCompressing = await client.get(`${app.baseUrl}/profile`);
      const rewritten = storedEnvelope(app, client);
      const backOnUncompressing = await client.get(`${uncompressing.baseUrl}/profile`);

      assert.match(written, /^tc1\.k1\./);
      assert.equal(onCompressing.status, 200);
      assert.equal(refreshedOnCompressing.status, 200);
      assert.match(rewritten, /^tc2\.k1\./);
      assert.equal(backOnUncompressing.status, 200, "the instance writing tc1 still opens tc2");
      assert.equal(
        app.tenant.counters.tokenRefresh - refreshesBefore,
        1,
        "no cache was discarded: one refresh only",
      );
    } finally {
      await uncompressing.close();
    }
  });

  it("GET /profile, with another account's cache moved into the session, discards it once and asks to sign in", async () => {
    const [alice, bob] = [app.newClient(), app.newClient()];
    await signIn(app, alice, { userOid: app.tenant.users[0]!.oid });
    await signIn(app, bob, { userOid: app.tenant.users[1]!.oid });
    const alicesCache = storedEnvelope(app, alice);
    rewriteSession(app.sqlitePath, sidOf(app, bob), (session) => {
      session.tokenCache = alicesCache;
    });
    const logsBefore = app.logLines.length;

    const first = await bob.get(`${app.baseUrl}/profile`);
    const second = await bob.get(`${app.baseUrl}/profile`);

    assert.equal(first.status, 303);
    assert.match(first.location ?? "", /\/auth\/signin\?returnTo=%2Fprofile$/);
    assert.equal(second.status, 303, "still signed out: no loop, no 500");
    const discards = app.logLines
      .slice(logsBefore)
      .filter((l) => l.includes("discarding an unusable token cache"));
    assert.equal(discards.length, 1, "logged once");
    assert.equal(readSessionRow(app.sqlitePath, sidOf(app, bob))!.tokenCache, undefined, "the blob is gone");
  });

  for (const [what, tamper] of [
    [
      "a flipped ciphertext byte",
      (e: string) =>
        e.replace(
          /\.([\w-])([\w-]*)\.([\w-]+)$/,
          (_m, c: string, rest: string, tag: string) => `.${c === "A" ? "B" : "A"}${rest}.${tag}`,
        ),
    ],
    ["an oversized blob", (e: string) => `${e}${"A".repeat(400 * 1024)}`],
    ["a plaintext cache", () => JSON.stringify({ Account: {}, AccessToken: {} })],
    ["an unknown key id", (e: string) => e.replace(/^tc2\.k1\./, "tc2.retired.")],
  ] as const) {
    it(`GET /profile, with ${what} in the session, treats the user as signed out`, async () => {
      const client = app.newClient();
      await signIn(app, client);
      rewriteSession(app.sqlitePath, sidOf(app, client), (session) => {
        session.tokenCache = tamper(session.tokenCache as string);
      });

      const profile = await client.get(`${app.baseUrl}/profile`);

      assert.equal(profile.status, 303);
      assert.match(profile.location ?? "", /\/auth\/signin/);
    });
  }
});

describe("token cache keys across a rotation", () => {
  let oldRing: TestApp;
  let rotated: TestApp;
  let retired: TestApp;
  before(async () => {
    oldRing = await startTestApp({ env: { TOKEN_CACHE_KEYS: key("k1", 1) } });
    rotated = await startTestApp({
      sibling: oldRing,
      env: { TOKEN_CACHE_KEYS: `${key("k2", 2)},${key("k1", 1)}` },
    });
    retired = await startTestApp({ sibling: oldRing, env: { TOKEN_CACHE_KEYS: key("k2", 2) } });
  });
  after(async () => {
    await retired.close();
    await rotated.close();
    await oldRing.close();
  });

  it("a new key added in front, a cache sealed with the old key is read, and the next write uses the new key", async () => {
    const client = oldRing.newClient();
    await signIn(oldRing, client);
    assert.match(storedEnvelope(oldRing, client), /^tc2\.k1\./);

    const readWithRotatedRing = await client.get(`${rotated.baseUrl}/profile`);
    const stillOld = storedEnvelope(oldRing, client);
    rewriteSession(oldRing.sqlitePath, sidOf(oldRing, client), (session) => {
      // Drop the access token so that the next request refreshes and writes the cache.
      const home = (session.account as { homeAccountId: string }).homeAccountId;
      const cache = JSON.parse(oldRing.cipher.open(session.tokenCache, home)) as Record<string, unknown>;
      cache.AccessToken = {};
      session.tokenCache = oldRing.cipher.seal(JSON.stringify(cache), home);
    });
    const refreshed = await client.get(`${rotated.baseUrl}/profile`);
    const afterWrite = storedEnvelope(oldRing, client);
    const readWithOnlyNewKey = await client.get(`${retired.baseUrl}/profile`);

    assert.equal(readWithRotatedRing.status, 200);
    assert.match(stillOld, /^tc2\.k1\./, "reading alone does not rewrite");
    assert.equal(refreshed.status, 200);
    assert.match(afterWrite, /^tc2\.k2\./);
    assert.equal(readWithOnlyNewKey.status, 200, "once rewritten, the old key can be retired");
  });
});
