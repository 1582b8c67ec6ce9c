/**
 * The sign-in transaction cookies, through a real HTTP server and a cookie-keeping client: one-time,
 * bound to their state, ten minutes long (by an injected clock), sealed with the session secrets
 * (rotation), bounded in number, and anything else in their place is refused.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import express from "express";
import {
  createSignInTransactions,
  MAX_PENDING_SIGN_INS,
  PENDING_SIGN_IN_LIFETIME_MS,
} from "../../src/auth/signInTransactions.js";
import { MAX_CLAIMS_LENGTH } from "../../src/auth/claimsChallenge.js";
import { MAX_RETURN_TO_LENGTH } from "../../src/auth/returnTo.js";
import { TestClient } from "../support/testClient.js";

const CURRENT = "c".repeat(16) + "urrent-secret-0123456789";
const PREVIOUS = "p".repeat(16) + "revious-secret-0123456789";

describe("sign-in transaction cookies", () => {
  let clock = 1_800_000_000_000;
  let server: Server;
  let baseUrl = "";
  before(async () => {
    const app = express();
    const current = createSignInTransactions({
      secrets: [CURRENT, PREVIOUS],
      secureCookie: false,
      now: () => clock,
    });
    const old = createSignInTransactions({ secrets: [PREVIOUS], secureCookie: false, now: () => clock });
    const stranger = createSignInTransactions({
      secrets: ["s".repeat(40)],
      secureCookie: false,
      now: () => clock,
    });
    const byName = { current, old, stranger };
    app.get("/start/:ring/:state", async (req, res) => {
      const ring = byName[req.params.ring as keyof typeof byName];
      await ring.remember(req, res, req.params.state, {
        nonce: `nonce-${req.params.state}`,
        codeVerifier: "verifier",
        returnTo: `/back/${req.params.state}`,
        extraScopes: ["Calendars.Read"],
      });
      res.send("started");
    });
    app.get("/start-largest/:state", async (req, res) => {
      // The largest sign-in the app can start: a returnTo and a claims request at their caps, the
      // claims written to need the most escaping.
      await current.remember(req, res, req.params.state, {
        nonce: "n".repeat(43),
        codeVerifier: "v".repeat(43),
        returnTo: `/${"%E2%82%AC".repeat(Math.floor((MAX_RETURN_TO_LENGTH - 1) / 9))}`,
        claims: `{"x":"${'\\"'.repeat((MAX_CLAIMS_LENGTH - 9) / 2)}"}`.slice(0, MAX_CLAIMS_LENGTH),
        extraScopes: ["Calendars.Read"],
      });
      res.send("started");
    });
    app.get("/take/:state", async (req, res) => {
      res.json((await current.take(req, res, req.params.state)) ?? null);
    });
    server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const newClient = () => new TestClient("");
  const signInCookies = (client: TestClient) =>
    Object.keys(client.cookies(baseUrl)).filter((name) => name.startsWith("signin."));
  const take = async (client: TestClient, state: string) =>
    JSON.parse((await client.get(`${baseUrl}/take/${state}`)).body) as { returnTo: string } | null;

  it("take, for a sign-in this browser started, returns it once and clears its cookie", async () => {
    const client = newClient();
    await client.get(`${baseUrl}/start/current/s1`);

    const first = await take(client, "s1");
    const second = await take(client, "s1");

    assert.deepEqual(first, {
      nonce: "nonce-s1",
      codeVerifier: "verifier",
      returnTo: "/back/s1",
      extraScopes: ["Calendars.Read"],
      createdAt: clock,
    });
    assert.equal(second, null);
    assert.deepEqual(signInCookies(client), []);
  });

  it("take, for two sign-ins of one browser, returns each to its own state in any order", async () => {
    const client = newClient();
    await Promise.all([client.get(`${baseUrl}/start/current/a`), client.get(`${baseUrl}/start/current/b`)]);

    assert.equal((await take(client, "b"))?.returnTo, "/back/b");
    assert.equal((await take(client, "a"))?.returnTo, "/back/a");
  });

  it("take, at the end of ten minutes, refuses the sign-in and clears its cookie", async () => {
    const client = newClient();
    await client.get(`${baseUrl}/start/current/late`);
    clock += PENDING_SIGN_IN_LIFETIME_MS;

    const late = await take(client, "late");

    assert.equal(late, null);
    assert.deepEqual(signInCookies(client), []);
  });

  it("take, for a cookie sealed with the previous secret, accepts it (rotation)", async () => {
    const client = newClient();
    await client.get(`${baseUrl}/start/old/rotated`);

    assert.equal((await take(client, "rotated"))?.returnTo, "/back/rotated");
  });

  const forgeries: [string, (client: TestClient, name: string, value: string) => void][] = [
    ["sealed with a secret this app does not have", () => undefined],
    [
      "with one character changed",
      (c, n, v) => c.setCookie(baseUrl, n, v.slice(0, 60) + (v[60] === "A" ? "B" : "A") + v.slice(61)),
    ],
    ["truncated", (c, n, v) => c.setCookie(baseUrl, n, v.slice(0, -5))],
    ["not a JWE", (c, n) => c.setCookie(baseUrl, n, "eyJhbGciOiJub25lIn0.e30.")],
    ["empty", (c, n) => c.setCookie(baseUrl, n, "")],
    ["oversized", (c, n, v) => c.setCookie(baseUrl, n, v + "A".repeat(4000))],
  ];
  for (const [what, forge] of forgeries) {
    it(`take, for a cookie ${what}, refuses the sign-in`, async () => {
      const client = newClient();
      await client.get(`${baseUrl}/start/${what.startsWith("sealed") ? "stranger" : "current"}/x`);
      const [name] = signInCookies(client);
      forge(client, name!, client.cookie(baseUrl, name!)!);

      assert.equal(await take(client, "x"), null);
    });
  }

  it("take, for a cookie moved under another sign-in's name, refuses it (bound to its state)", async () => {
    const client = newClient();
    await client.get(`${baseUrl}/start/current/mine`);
    await client.get(`${baseUrl}/start/current/other`);
    const [mine, other] = signInCookies(client);
    client.setCookie(baseUrl, other!, client.cookie(baseUrl, mine!)!);

    assert.equal(await take(client, "other"), null);
  });

  it("remember, for the largest sign-in the app can start, sets a cookie a browser keeps (under 4 KB)", async () => {
    const client = newClient();

    const response = await client.get(`${baseUrl}/start-largest/big`);

    const nameAndValue = (response.headers["set-cookie"] ?? "").split(";", 1)[0]!;
    assert.ok(nameAndValue.length > 3000, `only ${nameAndValue.length} bytes: the case is not the largest`);
    assert.ok(nameAndValue.length <= 4096, `${nameAndValue.length} bytes`);
    assert.equal(
      (await take(client, "big"))?.returnTo.length,
      MAX_RETURN_TO_LENGTH - 1 - ((MAX_RETURN_TO_LENGTH - 1) % 9) + 1,
    );
  });

  it(`remember, past ${MAX_PENDING_SIGN_INS} sign-ins in progress, clears the oldest and unreadable ones`, async () => {
    const client = newClient();
    client.setCookie(baseUrl, "signin.garbage", "not-a-transaction");
    for (let i = 0; i < MAX_PENDING_SIGN_INS + 3; i += 1) {
      clock += 1000;
      await client.get(`${baseUrl}/start/current/tab${i}`);
    }

    assert.equal(signInCookies(client).length, MAX_PENDING_SIGN_INS);
    assert.equal(await take(client, "tab0"), null, "the oldest is gone");
    assert.equal(
      (await take(client, `tab${MAX_PENDING_SIGN_INS + 2}`))?.returnTo,
      `/back/tab${MAX_PENDING_SIGN_INS + 2}`,
    );
    assert.ok(!signInCookies(client).includes("signin.garbage"));
  });
});
