/**
 * Where a person is signed in, and signing out there: the Session page lists every session of the
 * account (browser, signed in, last seen, "this browser"), one other session can be ended, and "sign
 * out everywhere" ends them all, on every instance (the store's index finds them). Through real
 * sign-ins on both stores; forms are CSRF-checked like sign-out; store faults are 503s.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { idsOf } from "../session/storeContract.js";
import { rewriteSession } from "../support/sessionRows.js";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient, TestResponse } from "../support/testClient.js";
import { sessionIdOf } from "../support/tokenCacheTools.js";

const LAPTOP_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const PHONE_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const TABLET_UA =
  "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

interface Listed {
  browser: string;
  current: boolean;
  handle: string | undefined;
  times: string[];
}

/** The rows of the Session page's list of sessions. */
function listedSessions(page: TestResponse): Listed[] {
  const table = /<caption>Your sessions in this app<\/caption>([\s\S]*?)<\/table>/.exec(page.body)?.[1];
  assert.ok(table, "the Session page lists the sessions");
  const body = /<tbody>([\s\S]*)<\/tbody>/.exec(table)?.[1] ?? "";
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map(([, row = ""]) => {
    const firstCell = /<td>([\s\S]*?)<\/td>/.exec(row)?.[1] ?? "";
    return {
      browser: firstCell.replace(/<strong>.*<\/strong>/, "").trim(),
      current: firstCell.includes("(this browser)"),
      handle: /name="session" value="([^"]+)"/.exec(row)?.[1],
      times: [...row.matchAll(/<time datetime="([^"]+)"/g)].map((m) => m[1]!),
    };
  });
}

const csrfOf = (page: TestResponse) => /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? "";

for (const store of ["sqlite", "redis"] as const) {
  describe(`the sessions of an account, on ${store}`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({
        env: store === "redis" ? { SESSION_STORE: "redis", REDIS_KEY_PREFIX: `test-${randomUUID()}:` } : {},
      });
    });
    after(() => app.close());

    // Each test signs in its own person, so that lists do not mix.
    let nextUser = 0;
    const newPerson = () => app.tenant.users[nextUser++ % app.tenant.users.length]!;
    const browserOf = async (userOid: string, userAgent: string) => {
      const client = app.newClient({ "user-agent": userAgent });
      await signIn(app, client, { userOid });
      return client;
    };
    const isSignedIn = async (client: TestClient) =>
      (await client.get(`${app.baseUrl}/`)).body.includes('action="/auth/signout"');
    const sessionPage = (client: TestClient, query = "") => client.get(`${app.baseUrl}/session${query}`);
    const post = async (client: TestClient, path: string, fields: Record<string, string> = {}) => {
      const csrf = csrfOf(await client.get(`${app.baseUrl}/`));
      return client.postForm(`${app.baseUrl}${path}`, { _csrf: csrf, ...fields });
    };

    it("GET /session, for a person signed in on a laptop and a phone, lists both, this browser first, and no session id", async () => {
      const user = newPerson();
      const started = Date.now();
      const laptop = await browserOf(user.oid, LAPTOP_UA);
      const phone = await browserOf(user.oid, PHONE_UA);
      const stranger = await browserOf(newPerson().oid, TABLET_UA);

      const page = await sessionPage(laptop);

      assert.equal(page.status, 200);
      const listed = listedSessions(page);
      assert.deepEqual(
        listed.map(({ browser, current }) => ({ browser, current })),
        [
          { browser: "Firefox on Linux", current: true },
          { browser: "Safari on iOS", current: false },
        ],
      );
      assert.equal(
        listed[0]!.handle,
        undefined,
        "this browser is signed out with Sign out, not from the list",
      );
      assert.match(listed[1]!.handle ?? "", /^[A-Za-z0-9_-]{22}$/);
      for (const at of listed.flatMap((row) => row.times)) {
        const ms = Date.parse(at);
        assert.ok(ms >= started - 1_000 && ms <= Date.now() + 1_000, `a time of this test: ${at}`);
      }
      for (const client of [laptop, phone, stranger]) {
        assert.ok(!page.body.includes(sessionIdOf(app, client)), "no session id on the page");
      }
    });

    if (store === "sqlite") {
      it("GET /session, does not list a session past its absolute timeout", async () => {
        const user = newPerson();
        const laptop = await browserOf(user.oid, LAPTOP_UA);
        const phone = await browserOf(user.oid, PHONE_UA);
        const expiredSignIn = Date.now() - app.config.session.absoluteTimeoutMs - 1_000;
        rewriteSession(app.sqlitePath, sessionIdOf(app, phone), (session) => {
          (session.account as { signedInAt: number }).signedInAt = expiredSignIn;
        });

        const listed = listedSessions(await sessionPage(laptop));

        assert.deepEqual(
          listed.map((row) => row.browser),
          ["Firefox on Linux"],
        );
      });
    }

    it("POST /auth/sessions/end, with the phone's handle, signs the phone out and keeps the laptop", async () => {
      const user = newPerson();
      const laptop = await browserOf(user.oid, LAPTOP_UA);
      const phone = await browserOf(user.oid, PHONE_UA);
      const handle = listedSessions(await sessionPage(laptop))[1]!.handle!;

      const response = await post(laptop, "/auth/sessions/end", { session: handle });

      assert.equal(response.status, 303);
      assert.equal(response.location, `${app.baseUrl}/session?ended=1`);
      assert.equal(await isSignedIn(phone), false);
      assert.equal(await isSignedIn(laptop), true);
      const after = await sessionPage(laptop, "?ended=1");
      assert.match(after.body, /role="status">That browser is signed out/);
      assert.deepEqual(
        listedSessions(after).map((row) => row.browser),
        ["Firefox on Linux"],
      );
    });

    /** Handles as the pages show them: each browser's list shows the others' handles only. */
    type Fields = (handles: {
      laptop: string;
      phone: string;
      strangers: string;
    }) => Record<string, string> | string;
    const refusedHandles: [what: string, status: number, fields: Fields][] = [
      ["this browser's own handle (as its other browser lists it)", 303, (h) => ({ session: h.laptop })],
      ["another person's session's handle", 303, (h) => ({ session: h.strangers })],
      ["no handle", 400, () => ({})],
      ["an empty handle", 400, () => ({ session: "" })],
      ["a handle one character short", 400, (h) => ({ session: h.phone.slice(1) })],
      ["a handle one character long", 400, (h) => ({ session: `${h.phone}A` })],
      ["a handle with padding", 400, (h) => ({ session: `${h.phone.slice(2)}==` })],
      ["a handle with a slash", 400, (h) => ({ session: `${h.phone.slice(1)}/` })],
      ["a handle with a space", 400, (h) => ({ session: ` ${h.phone.slice(1)}` })],
      ["a repeated handle", 400, (h) => `session=${h.phone}&session=${h.phone}`],
      ["a handle of 100 characters", 400, () => ({ session: "a".repeat(100) })],
      ["the phone's session id instead of its handle", 400, () => ({ session: "SESSION_ID" })],
    ];
    for (const [what, status, fields] of refusedHandles) {
      it(`POST /auth/sessions/end, with ${what}, answers ${status} and ends nothing`, async () => {
        const user = newPerson();
        const stranger = newPerson();
        const laptop = await browserOf(user.oid, LAPTOP_UA);
        const phone = await browserOf(user.oid, PHONE_UA);
        const strangerLaptop = await browserOf(stranger.oid, LAPTOP_UA);
        const strangerPhone = await browserOf(stranger.oid, PHONE_UA);
        const otherHandle = async (client: TestClient) =>
          listedSessions(await sessionPage(client)).find((row) => !row.current)!.handle!;
        const handles = {
          laptop: await otherHandle(phone),
          phone: await otherHandle(laptop),
          strangers: await otherHandle(strangerLaptop),
        };
        const chosen = fields(handles);
        const csrf = csrfOf(await laptop.get(`${app.baseUrl}/`));
        const form =
          typeof chosen === "string"
            ? `_csrf=${csrf}&${chosen}`
            : new URLSearchParams({ _csrf: csrf, ...chosen })
                .toString()
                .replace("SESSION_ID", sessionIdOf(app, phone));

        const response = await laptop.request("POST", `${app.baseUrl}/auth/sessions/end`, form, {
          "content-type": "application/x-www-form-urlencoded",
        });

        assert.equal(response.status, status, response.body.slice(0, 300));
        if (status === 303) assert.equal(response.location, `${app.baseUrl}/session`);
        for (const client of [laptop, phone, strangerLaptop, strangerPhone]) {
          assert.equal(await isSignedIn(client), true);
        }
      });
    }

    it("POST /auth/signout/everywhere, ends every session of the account and none of another person's", async () => {
      const user = newPerson();
      const [laptop, phone, tablet] = [
        await browserOf(user.oid, LAPTOP_UA),
        await browserOf(user.oid, PHONE_UA),
        await browserOf(user.oid, TABLET_UA),
      ];
      const stranger = await browserOf(newPerson().oid, LAPTOP_UA);

      const response = await post(laptop, "/auth/signout/everywhere");

      assert.equal(response.status, 303);
      assert.ok(response.location?.startsWith(app.tenant.authority), "then Entra's sign-out");
      assert.equal(response.headers["clear-site-data"], '"cache", "storage"');
      assert.match(response.headers["set-cookie"] ?? "", /^sid=;/);
      for (const client of [laptop, phone, tablet]) assert.equal(await isSignedIn(client), false);
      assert.equal(await isSignedIn(stranger), true);
      const home = `${user.oid}.${app.tenant.tenantId}`;
      assert.deepEqual(idsOf(await app.sessionIndex.sessionsOfAccount(home)), []);
    });

    const refusedEverywhere: [
      what: string,
      status: number,
      send: (c: TestClient) => Promise<TestResponse>,
    ][] = [
      [
        "without the form's token",
        403,
        (c) => c.postForm(`${app.baseUrl}/auth/signout/everywhere`, { _csrf: "guess" }),
      ],
      [
        "with the token, from another site",
        403,
        async (c) =>
          c.postForm(
            `${app.baseUrl}/auth/signout/everywhere`,
            { _csrf: csrfOf(await c.get(`${app.baseUrl}/`)) },
            { "sec-fetch-site": "cross-site" },
          ),
      ],
      ["as a GET", 404, (c) => c.get(`${app.baseUrl}/auth/signout/everywhere`)],
    ];
    for (const [what, status, send] of refusedEverywhere) {
      it(`POST /auth/signout/everywhere, ${what}, answers ${status} and ends nothing`, async () => {
        const user = newPerson();
        const laptop = await browserOf(user.oid, LAPTOP_UA);
        const phone = await browserOf(user.oid, PHONE_UA);

        const response = await send(laptop);

        assert.equal(response.status, status);
        assert.equal(await isSignedIn(laptop), true);
        assert.equal(await isSignedIn(phone), true);
      });
    }

    for (const path of ["/auth/signout", "/auth/signout/everywhere", "/auth/sessions/end"]) {
      for (const site of ["cross-site", "same-site"]) {
        it(`POST ${path}, a ${site} form reaching a signed-out browser, goes home and clears nothing`, async () => {
          const response = await app
            .newClient()
            .postForm(`${app.baseUrl}${path}`, { _csrf: "x" }, { "sec-fetch-site": site });

          assert.equal(response.status, 303);
          assert.equal(response.location, `${app.baseUrl}/`);
          assert.equal(response.headers["clear-site-data"], undefined);
        });
      }
    }

    it("POST /auth/signout/everywhere, from a browser that is not signed in, goes home and ends nothing", async () => {
      const user = newPerson();
      const phone = await browserOf(user.oid, PHONE_UA);

      const response = await app
        .newClient()
        .postForm(`${app.baseUrl}/auth/signout/everywhere`, { _csrf: "x" });

      assert.equal(response.status, 303);
      assert.equal(response.location, `${app.baseUrl}/`);
      assert.equal(await isSignedIn(phone), true);
    });

    const faults: [what: string, fault: "failIndex" | "failDestroys"][] = [
      ["cannot look sessions up", "failIndex"],
      ["cannot delete", "failDestroys"],
    ];
    for (const [what, fault] of faults) {
      it(`POST /auth/signout/everywhere, when the store ${what}, answers 503 and this browser stays signed in to retry`, async () => {
        const user = newPerson();
        const laptop = await browserOf(user.oid, LAPTOP_UA);
        await browserOf(user.oid, PHONE_UA);
        const csrf = csrfOf(await laptop.get(`${app.baseUrl}/`));

        app.storeFaults[fault] = true;
        let response: TestResponse;
        try {
          response = await laptop.postForm(`${app.baseUrl}/auth/signout/everywhere`, { _csrf: csrf });
        } finally {
          app.storeFaults[fault] = false;
        }

        assert.equal(response.status, 503);
        assert.equal(response.headers["retry-after"], "5");
        assert.equal(await isSignedIn(laptop), true);
        assert.equal((await post(laptop, "/auth/signout/everywhere")).status, 303, "the retry works");
      });
    }

    it("GET /session, when the store cannot look sessions up, answers 503", async () => {
      const laptop = await browserOf(newPerson().oid, LAPTOP_UA);

      app.storeFaults.failIndex = true;
      let response: TestResponse;
      try {
        response = await sessionPage(laptop);
      } finally {
        app.storeFaults.failIndex = false;
      }

      assert.equal(response.status, 503);
      assert.equal((await sessionPage(laptop)).status, 200);
    });
  });
}
