/**
 * The sign-ins in progress, through a real HTTP server and a cookie-keeping client: the state carries
 * the sign-in, a tiny cookie binds it to the browser; one-time, ten minutes (by an injected clock),
 * sealed with the session secrets (rotation), bounded in size however many tabs start at once, and
 * anything forged or taken from another browser is refused.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import express from "express";
import { MAX_CLAIMS_LENGTH } from "../../src/auth/claimsChallenge.js";
import { MAX_RETURN_TO_LENGTH } from "../../src/auth/returnTo.js";
import {
  createSignInTransactions,
  MAX_PENDING_SIGN_INS,
  MAX_STATE_LENGTH,
  PENDING_SIGN_IN_LIFETIME_MS,
} from "../../src/auth/signInTransactions.js";
import type { StartedSignIn } from "../../src/auth/signInTransactions.js";
import { TestClient } from "../support/testClient.js";

const CURRENT = "c".repeat(16) + "urrent-secret-0123456789";
const PREVIOUS = "p".repeat(16) + "revious-secret-0123456789";

describe("sign-ins in progress", () => {
  let clock = 1_800_000_000_000;
  let server: Server;
  let baseUrl = "";
  before(async () => {
    const app = express();
    const now = () => clock;
    const rings = {
      current: createSignInTransactions({ secrets: [CURRENT, PREVIOUS], secureCookie: false, now }),
      old: createSignInTransactions({ secrets: [PREVIOUS], secureCookie: false, now }),
      stranger: createSignInTransactions({ secrets: ["s".repeat(40)], secureCookie: false, now }),
    };
    app.get("/start/:ring", async (req, res) => {
      const ring = rings[req.params.ring as keyof typeof rings];
      const largest = req.query.largest === "1";
      res.json(
        await ring.begin(req, res, {
          returnTo: largest
            ? `/${"%E2%82%AC".repeat(Math.floor((MAX_RETURN_TO_LENGTH - 1) / 9))}`
            : typeof req.query.returnTo === "string"
              ? req.query.returnTo
              : "/",
          extraScopes: ["Calendars.Read"],
          // The largest claims request: at its cap, written to need the most escaping.
          ...(largest ? { claims: `{"x":"${'\\"'.repeat((MAX_CLAIMS_LENGTH - 9) / 2)}"}` } : {}),
        }),
      );
    });
    app.get("/take", async (req, res) => {
      const state = typeof req.query.state === "string" ? req.query.state : "";
      res.json((await rings.current.take(req, res, state)) ?? null);
    });
    server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const newClient = () => new TestClient("");
  const signInCookies = (client: TestClient) =>
    Object.keys(client.cookies(baseUrl)).filter((name) => name.startsWith("signin."));
  const begin = async (client: TestClient, query = "", ring = "current") =>
    JSON.parse((await client.get(`${baseUrl}/start/${ring}${query}`)).body) as StartedSignIn;
  const take = async (client: TestClient, state: string) =>
    JSON.parse((await client.get(`${baseUrl}/take?state=${encodeURIComponent(state)}`)).body) as {
      returnTo: string;
      nonce: string;
      codeVerifier: string;
    } | null;

  it("take, for a sign-in this browser started, returns it once with its nonce and verifier, and clears its cookie", async () => {
    const client = newClient();
    const started = await begin(client, "?returnTo=/profile");

    const first = await take(client, started.state);
    const second = await take(client, started.state);

    assert.deepEqual(first, {
      nonce: started.nonce,
      codeVerifier: started.codeVerifier,
      returnTo: "/profile",
      extraScopes: ["Calendars.Read"],
      createdAt: Math.floor(clock / 1000) * 1000,
    });
    assert.match(started.codeVerifier, /^[A-Za-z0-9_-]{43}$/, "a valid PKCE verifier (RFC 7636)");
    assert.equal(second, null);
    assert.deepEqual(signInCookies(client), []);
  });

  it("begin, for two sign-ins, gives each its own nonce and verifier, none of them readable in the state or cookie", async () => {
    const client = newClient();
    const [a, b] = await Promise.all([begin(client), begin(client)]);

    assert.notEqual(a.nonce, b.nonce);
    assert.notEqual(a.codeVerifier, b.codeVerifier);
    const visible = JSON.stringify(client.cookies(baseUrl)) + a.state + b.state;
    for (const secret of [a.codeVerifier, b.codeVerifier, a.nonce]) assert.ok(!visible.includes(secret));
    assert.equal((await take(client, b.state))?.codeVerifier, b.codeVerifier);
    assert.equal((await take(client, a.state))?.codeVerifier, a.codeVerifier);
  });

  it("take, at the end of ten minutes, refuses the sign-in", async () => {
    const client = newClient();
    const started = await begin(client);
    clock += PENDING_SIGN_IN_LIFETIME_MS;

    assert.equal(await take(client, started.state), null);
  });

  it("take, for a state sealed with the previous secret, accepts it (rotation)", async () => {
    const client = newClient();
    const started = await begin(client, "?returnTo=/rotated", "old");

    assert.equal((await take(client, started.state))?.returnTo, "/rotated");
  });

  const forgeries: [string, (state: string) => string][] = [
    ["with one character changed", (s) => s.slice(0, 60) + (s[60] === "A" ? "B" : "A") + s.slice(61)],
    ["truncated", (s) => s.slice(0, -5)],
    ["with its header swapped for alg none", (s) => `eyJhbGciOiJub25lIn0.${s.split(".").slice(1).join(".")}`],
    ["that is not a JWE", () => "eyJhbGciOiJub25lIn0.e30."],
    ["that is empty", () => ""],
    ["that is oversized", (s) => s + "A".repeat(MAX_STATE_LENGTH)],
    ["that is a plain random value", () => "x".repeat(43)],
  ];
  for (const [what, forge] of forgeries) {
    it(`take, for a state ${what}, refuses the sign-in`, async () => {
      const client = newClient();
      const started = await begin(client);

      assert.equal(await take(client, forge(started.state)), null);
    });
  }

  it("take, for a state sealed with a secret this app does not have, refuses it", async () => {
    const client = newClient();
    const started = await begin(client, "", "stranger");

    assert.equal(await take(client, started.state), null);
  });

  it("take, for a state started in another browser (login CSRF), refuses it", async () => {
    const attacker = newClient();
    const started = await begin(attacker);

    assert.equal(await take(newClient(), started.state), null);
    assert.notEqual(await take(attacker, started.state), null, "the browser that started it can");
  });

  it("take, when the cookie holds another sign-in's proof, refuses it", async () => {
    const client = newClient();
    const a = await begin(client);
    await begin(client);
    const [first, second] = signInCookies(client);
    client.setCookie(baseUrl, first!, client.cookie(baseUrl, second!)!);

    assert.equal(await take(client, a.state), null);
  });

  it(`begin, past ${MAX_PENDING_SIGN_INS} sign-ins in progress, clears the oldest and unreadable ones`, async () => {
    const client = newClient();
    client.setCookie(baseUrl, "signin.garbage", "not-a-proof");
    const started: StartedSignIn[] = [];
    for (let i = 0; i < MAX_PENDING_SIGN_INS + 5; i += 1) {
      clock += 1000;
      started.push(await begin(client));
    }

    assert.equal(signInCookies(client).length, MAX_PENDING_SIGN_INS);
    assert.ok(!signInCookies(client).includes("signin.garbage"));
    assert.equal(await take(client, started[0]!.state), null, "the oldest is gone");
    assert.notEqual(await take(client, started.at(-1)!.state), null);
  });

  it("begin, for 100 tabs starting at once with long return paths, keeps the Cookie header small and every sign-in usable", async () => {
    const client = newClient();
    const returnTo = `/profile?q=${"a".repeat(MAX_RETURN_TO_LENGTH - 20)}`;

    const started = await Promise.all(
      Array.from({ length: 100 }, () => begin(client, `?returnTo=${encodeURIComponent(returnTo)}`)),
    );

    const header = Object.entries(client.cookies(baseUrl))
      .map(([name, value]) => `${name}=${value}`)
      .join("; ");
    assert.ok(
      header.length < 8 * 1024,
      `Cookie header of ${header.length} bytes (nginx's default line is 8 KB)`,
    );
    const taken = await Promise.all(started.map((s) => take(client, s.state)));
    assert.equal(taken.filter((t) => t?.returnTo === returnTo).length, 100);
  });

  it("begin, for the largest sign-in the app can make, keeps the state within its limit", async () => {
    const client = newClient();

    const started = await begin(client, "?largest=1");

    assert.ok(started.state.length > MAX_STATE_LENGTH / 2, `only ${started.state.length}: not the largest`);
    assert.ok(started.state.length <= MAX_STATE_LENGTH, `${started.state.length} characters`);
    assert.notEqual(await take(client, started.state), null);
  });
});
