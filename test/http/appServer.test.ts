/**
 * createAppServer (what server.ts listens with): every request and response is created with the
 * app's own prototypes, so Express's per-request prototype swap changes nothing, and the whole app
 * behaves through it as through a plain server: the same pages, redirects, errors, assets and
 * sign-out, for the same signed-in browser (cookies are per host, not per port).
 */
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { after, before, describe, it } from "node:test";
import type { Express } from "express";
import { createAppServer } from "../../src/http/createAppServer.js";
import { closeNow, listenOnLoopback } from "../support/loopback.js";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient, TestResponse } from "../support/testClient.js";

describe("createAppServer", () => {
  let app: TestApp;
  let client: TestClient;
  let server: Server;
  let appUrl = "";
  const prototypes: Array<{ request: boolean; response: boolean }> = [];

  before(async () => {
    app = await startTestApp();
    const express = app.server.listeners("request")[0] as Express;
    server = createAppServer(express);
    // Before the app sees the request: what the server itself created.
    server.prependListener("request", (req, res) => {
      prototypes.push({
        request: Object.getPrototypeOf(req) === express.request,
        response: Object.getPrototypeOf(res) === express.response,
      });
    });
    appUrl = await listenOnLoopback(server);
    client = app.newClient();
    await signIn(app, client);
  });
  after(async () => {
    closeNow(server);
    await app.close();
  });

  /** The parts of an answer that must not depend on which server gave it. */
  const shape = (response: TestResponse) => ({
    status: response.status,
    contentType: response.headers["content-type"],
    cacheControl: response.headers["cache-control"],
    csp: response.headers["content-security-policy"],
    // Where it sends the browser, without what is drawn per request (state, nonce, PKCE, ids) or the
    // port of the server that answered.
    location:
      response.location === undefined
        ? undefined
        : (({ host, pathname, searchParams }) => ({
            server: host === new URL(appUrl).host || host === new URL(app.baseUrl).host ? "the app" : host,
            pathname,
            params: [...searchParams.keys()].sort(),
          }))(new URL(response.location, appUrl)),
    title: /<title>([^<]*)<\/title>/.exec(response.body)?.[1],
  });

  const paths = [
    "/",
    "/profile",
    "/session",
    "/calendar",
    "/profile/photo",
    "/no-such-page",
    "/healthz",
    "/readyz",
    "/assets/site.css",
    "/assets/no-such-file.css",
    "/assets",
    "/auth/signin?returnTo=%2Fprofile",
    "/auth/redirect?code=forged&state=forged",
    "/admin",
    "/%E0%A4%A",
    "/profile?x=1&x=2",
  ];
  for (const path of paths) {
    it(`GET ${path}, served by createAppServer, answers as the plain server does`, async () => {
      const plain = await client.get(`${app.baseUrl}${path}`);
      const before = prototypes.length;

      const own = await client.get(`${appUrl}${path}`);

      assert.deepEqual(shape(own), shape(plain));
      assert.deepEqual(prototypes.slice(before), [{ request: true, response: true }]);
    });
  }

  it("a POST with a form body (sign-out elsewhere with a forged token) is refused as on the plain server", async () => {
    const plain = await client.postForm(`${app.baseUrl}/auth/signout`, { csrf: "forged" });
    const own = await client.postForm(`${appUrl}/auth/signout`, { csrf: "forged" });

    assert.deepEqual(shape(own), shape(plain));
    assert.ok(own.status >= 400);
  });

  it("the signed-in session is the same through either server (one store, one cookie)", async () => {
    const own = await client.get(`${appUrl}/session`);

    assert.equal(own.status, 200);
    assert.ok(own.body.includes(app.tenant.users[0]!.userPrincipalName));
  });
});
