import assert from "node:assert/strict";
import { test } from "node:test";
import type { TestContext } from "node:test";
import vm from "node:vm";
import { decodeJwt } from "jose";
import type { LocalTenant, LocalTenantClient } from "../src/index.js";
import type { HttpResult, SecretClient, TokenResponse } from "./helpers.js";
import {
  authorizeUrl,
  CLIENT,
  decodeEntities,
  defaultAuthorizeParams,
  loginHintOf,
  newPkce,
  obtainCode,
  OTHER_CLIENT,
  parseJson,
  POST_LOGOUT_URI,
  redeemCode,
  startTestTenant,
  tenantRequest,
} from "./helpers.js";

const APP_A: SecretClient = {
  ...CLIENT,
  frontChannelLogoutUrl: "https://127.0.0.1:3443/auth/frontchannel-logout",
};
const APP_B: SecretClient = {
  ...OTHER_CLIENT,
  frontChannelLogoutUrl: "https://127.0.0.1:4443/auth/frontchannel-logout",
};
const APP_C: SecretClient = {
  clientId: "9c2e4f6a-1b3d-4e5f-8a7b-0c1d2e3f4a5b",
  clientSecret: "third~secret.value_3",
  redirectUris: ["https://127.0.0.1:5443/auth/redirect", "https://127.0.0.1:5443/"],
  frontChannelLogoutUrl: "https://127.0.0.1:5443/auth/frontchannel-logout",
};
const A_LOGOUT_TARGET = POST_LOGOUT_URI;

interface SignedIn {
  /** The browser's `ESTSAUTH=…` pair. */
  ssoCookie: string;
  idToken: string;
  /** The ID token's `sid` claim. */
  sid: string;
  /** The account's `login_hint` (the sign-out's `logout_hint`). */
  loginHint: string;
}

/**
 * Signs `client` in and redeems its code: through the browser's SSO session when `ssoCookie` is
 * given (no page, as Entra's SSO), else on the sign-in page (a new browser, a new SSO session).
 */
async function signInApp(tenant: LocalTenant, client: SecretClient, ssoCookie?: string): Promise<SignedIn> {
  const redirectUri = client.redirectUris[0] ?? "";
  const overrides = { client_id: client.clientId, redirect_uri: redirectUri };
  let code: string | null;
  let verifier: string;
  let cookie: string | undefined = ssoCookie;
  if (ssoCookie === undefined) {
    const obtained = await obtainCode(tenant, overrides);
    ({ code, ssoCookie: cookie } = obtained);
    verifier = obtained.pkce.verifier;
  } else {
    const pkce = newPkce();
    const url = authorizeUrl(tenant, { ...defaultAuthorizeParams(pkce), ...overrides });
    const answer = await tenantRequest(tenant, url, { headers: { cookie: ssoCookie } });
    code = new URL(answer.location ?? "https://missing.invalid/").searchParams.get("code");
    verifier = pkce.verifier;
  }
  assert.ok(code, `no code for ${client.clientId}`);
  assert.ok(cookie, "no SSO cookie");
  const redeemed = await redeemCode(tenant, {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    redirect_uri: redirectUri,
    code,
    code_verifier: verifier,
  });
  assert.equal(redeemed.status, 200, redeemed.body);
  const idToken = parseJson<TokenResponse>(redeemed).id_token;
  const account = tenant.users[0];
  assert.ok(account);
  return { ssoCookie: cookie, idToken, sid: String(decodeJwt(idToken).sid), loginHint: loginHintOf(account) };
}

/** The browser's sign-out, naming its account with `logout_hint` as the app does (no account picker). */
function logout(
  tenant: LocalTenant,
  browser: SignedIn,
  params: Record<string, string> = {},
): Promise<HttpResult> {
  const url = new URL(`${tenant.authority}/oauth2/v2.0/logout`);
  for (const [name, value] of Object.entries({ logout_hint: browser.loginHint, ...params }))
    url.searchParams.set(name, value);
  return tenantRequest(tenant, url.href, { headers: { cookie: browser.ssoCookie } });
}

interface SignOutPage {
  frames: { title: string; src: string }[];
  /** The CSP's frame-src sources, undefined without the directive. */
  frameSrc: string[] | undefined;
  /** The inline script, checked to carry the CSP's nonce. */
  script: string | undefined;
  /** The string literal the script navigates to. */
  scriptTarget: string | undefined;
  continueHref: string | undefined;
}

function readSignOutPage(response: HttpResult): SignOutPage {
  const csp = String(response.headers["content-security-policy"] ?? "");
  const directives = csp.split(";").map((d) => d.trim());
  const frameSrc = directives
    .find((d) => d.startsWith("frame-src "))
    ?.split(" ")
    .slice(1);
  const frames = [...response.body.matchAll(/<iframe hidden title="([^"]*)" src="([^"]*)"><\/iframe>/g)].map(
    (m) => ({ title: decodeEntities(m[1] ?? ""), src: decodeEntities(m[2] ?? "") }),
  );
  const scriptMatch = /<script nonce="([^"]+)">([\s\S]*?)<\/script>/.exec(response.body);
  if (scriptMatch !== null) {
    assert.ok(directives.includes(`script-src 'nonce-${scriptMatch[1]}'`), "script runs under the CSP nonce");
  }
  const script = scriptMatch?.[2];
  const literal = script === undefined ? undefined : /const target = ("(?:[^"\\]|\\.)*");/.exec(script)?.[1];
  const href = /<a id="continue" href="([^"]*)">/.exec(response.body)?.[1];
  return {
    frames,
    frameSrc,
    script,
    scriptTarget: literal === undefined ? undefined : (JSON.parse(literal) as string),
    continueHref: href === undefined ? undefined : decodeEntities(href),
  };
}

function withSid(url: string, sid: string): string {
  return `${url}?sid=${sid}`;
}

void test("registerClient, for each front-channel logout URL in the table, accepts or refuses it like a redirect URI", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const accepted = "accepted";
  const cases: [string, typeof accepted | RegExp][] = [
    ["https://app.example/auth/frontchannel-logout", accepted],
    ["https://app.example:8443/fcl?tenant=contoso&v=2", accepted],
    ["https://127.0.0.1:3443/auth/frontchannel-logout", accepted],
    ["http://localhost:3000/auth/frontchannel-logout", accepted],
    ["http://127.0.0.1:3000/auth/frontchannel-logout", accepted],
    ["http://[::1]:3000/auth/frontchannel-logout", accepted],
    ["http://app.example/auth/frontchannel-logout", /must use https \(http only for loopback hosts\)/],
    ["http://192.168.1.10/fcl", /must use https/],
    ["http://127.0.0.2/fcl", /must use https/],
    ["http://localhost.example.com/fcl", /must use https/],
    ["ftp://app.example/fcl", /must use https/],
    ["javascript:alert(1)", /must use https/],
    ["data:text/html,hi", /must use https/],
    ["https://app.example/fcl#done", /must not contain a fragment/],
    ["https://app.example/fcl#", /must not contain a fragment/],
    ["/auth/frontchannel-logout", /is not an absolute URI/],
    ["auth/frontchannel-logout", /is not an absolute URI/],
    ["not a uri", /is not an absolute URI/],
    ["", /is not an absolute URI/],
  ];
  for (const [index, [input, expected]] of cases.entries()) {
    const client: LocalTenantClient = { ...APP_C, clientId: `row-${index}`, frontChannelLogoutUrl: input };
    // Act
    const register = (): void => tenant.registerClient(client);
    // Assert
    if (expected === accepted) {
      assert.doesNotThrow(register, `'${input}' should be accepted`);
    } else {
      assert.throws(register, (error: Error) => {
        assert.ok(error.message.startsWith(`front-channel logout URL '${input}' `), error.message);
        assert.match(error.message, expected);
        return true;
      });
    }
  }
});

void test("registerClient, when the caller later changes its object, keeps the registered front-channel logout URL", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { clients: [APP_A] });
  const mutable: SecretClient = { ...APP_B };
  tenant.registerClient(mutable);
  mutable.frontChannelLogoutUrl = "https://evil.example/steal";
  const a = await signInApp(tenant, APP_A);
  await signInApp(tenant, APP_B, a.ssoCookie);
  // Act
  const response = await logout(tenant, a, { client_id: APP_A.clientId });
  // Assert
  assert.deepEqual(
    readSignOutPage(response).frames.map((f) => f.src),
    [withSid(APP_B.frontChannelLogoutUrl ?? "", a.sid)],
  );
});

void test("GET /logout, initiated by app A's client_id with A and B signed in through the session, loads only B's URL with the session's sid, then continues to A's post-logout URI", async (t) => {
  // Arrange
  const logLines: string[] = [];
  const tenant = await startTestTenant(t, { clients: [APP_A, APP_B], log: (m) => logLines.push(m) });
  const a = await signInApp(tenant, APP_A);
  const b = await signInApp(tenant, APP_B, a.ssoCookie);
  // Act
  const response = await logout(tenant, a, {
    client_id: APP_A.clientId,
    post_logout_redirect_uri: A_LOGOUT_TARGET,
    state: "bye",
  });
  // Assert
  assert.equal(response.status, 200);
  assert.equal(response.location, undefined);
  assert.match(response.body, /You have signed out of your account/);
  const page = readSignOutPage(response);
  assert.equal(page.frames.length, 1);
  const src = new URL(page.frames[0]?.src ?? "");
  assert.equal(`${src.origin}${src.pathname}`, APP_B.frontChannelLogoutUrl);
  assert.equal(src.searchParams.get("sid"), b.sid, "the sid claim of B's ID token");
  assert.equal(b.sid, a.sid, "one SSO session, one sid");
  assert.deepEqual([...src.searchParams.keys()], ["sid"], "only sid, no iss (as Entra)");
  assert.match(page.frames[0]?.title ?? "", new RegExp(APP_B.clientId));
  assert.deepEqual(page.frameSrc, ["https://127.0.0.1:4443"]);
  assert.equal(page.scriptTarget, `${A_LOGOUT_TARGET}?state=bye`);
  assert.equal(page.continueHref, `${A_LOGOUT_TARGET}?state=bye`);
  assert.ok(
    response.body.indexOf("<script") < response.body.indexOf("<iframe"),
    "the script listens before any frame exists",
  );
  assert.match(String(response.headers["cache-control"]), /no-store/);
  const cookies = response.headers["set-cookie"] ?? [];
  assert.ok(cookies.some((c) => c.startsWith("ESTSAUTH=;") && c.includes("Max-Age=0")));
  const logged = logLines.filter((line) => line.includes("front-channel"));
  assert.equal(logged.length, 1);
  assert.ok(logged[0]?.includes(APP_B.clientId));
  assert.ok(!logLines.some((line) => line.includes(b.sid)), "the sid is not logged");
});

void test("GET /logout, initiated by app A's id_token_hint, loads only B's URL and continues to A's post-logout URI", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { clients: [APP_A, APP_B] });
  const a = await signInApp(tenant, APP_A);
  const b = await signInApp(tenant, APP_B, a.ssoCookie);
  // Act
  const response = await logout(tenant, a, {
    id_token_hint: a.idToken,
    post_logout_redirect_uri: A_LOGOUT_TARGET,
    state: "hinted",
  });
  // Assert
  assert.equal(response.status, 200);
  const page = readSignOutPage(response);
  assert.deepEqual(
    page.frames.map((f) => f.src),
    [withSid(APP_B.frontChannelLogoutUrl ?? "", b.sid)],
  );
  assert.equal(page.scriptTarget, `${A_LOGOUT_TARGET}?state=hinted`);
});

void test("GET /logout, when neither client_id nor id_token_hint names an app, loads every app signed in through the session", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { clients: [APP_A, APP_B] });
  const a = await signInApp(tenant, APP_A);
  await signInApp(tenant, APP_B, a.ssoCookie);
  // Act
  const response = await logout(tenant, a, { post_logout_redirect_uri: A_LOGOUT_TARGET });
  // Assert
  assert.equal(response.status, 200);
  const page = readSignOutPage(response);
  assert.deepEqual(
    page.frames.map((f) => f.src),
    [withSid(APP_A.frontChannelLogoutUrl ?? "", a.sid), withSid(APP_B.frontChannelLogoutUrl ?? "", a.sid)],
  );
  assert.deepEqual(page.frameSrc, ["https://127.0.0.1:3443", "https://127.0.0.1:4443"]);
  assert.equal(page.scriptTarget, A_LOGOUT_TARGET, "any registered client's URI, as before");
});

void test("GET /logout, with an unregistered post_logout_redirect_uri and an app to sign out, loads it and offers no way on", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { clients: [APP_A, APP_B] });
  const a = await signInApp(tenant, APP_A);
  await signInApp(tenant, APP_B, a.ssoCookie);
  // Act
  const response = await logout(tenant, a, {
    client_id: APP_A.clientId,
    post_logout_redirect_uri: "https://evil.example/",
  });
  // Assert
  assert.equal(response.status, 200);
  const page = readSignOutPage(response);
  assert.equal(page.frames.length, 1);
  assert.equal(page.script, undefined);
  assert.equal(page.continueHref, undefined);
  assert.ok(!response.body.includes("evil.example"));
});

void test("GET /logout, for an app registered with a front-channel URL but never signed in through this session, does not load it", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { clients: [APP_A, APP_B, APP_C] });
  const a = await signInApp(tenant, APP_A);
  await signInApp(tenant, APP_B, a.ssoCookie);
  // Act
  const response = await logout(tenant, a);
  // Assert
  const page = readSignOutPage(response);
  assert.deepEqual(
    page.frames.map((f) => f.src),
    [withSid(APP_A.frontChannelLogoutUrl ?? "", a.sid), withSid(APP_B.frontChannelLogoutUrl ?? "", a.sid)],
  );
  assert.ok(!response.body.includes("5443"), "C is not loaded");
});

void test("GET /logout, for an app signed in through another browser's SSO session, does not load it", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { clients: [APP_A, APP_B] });
  const firstBrowser = await signInApp(tenant, APP_A);
  const secondBrowser = await signInApp(tenant, APP_B);
  // Act
  const first = await logout(tenant, firstBrowser);
  const second = await logout(tenant, secondBrowser);
  // Assert
  assert.notEqual(firstBrowser.sid, secondBrowser.sid);
  assert.deepEqual(
    readSignOutPage(first).frames.map((f) => f.src),
    [withSid(APP_A.frontChannelLogoutUrl ?? "", firstBrowser.sid)],
  );
  assert.deepEqual(
    readSignOutPage(second).frames.map((f) => f.src),
    [withSid(APP_B.frontChannelLogoutUrl ?? "", secondBrowser.sid)],
  );
});

void test("GET /logout, when no other app signed in through the session has a front-channel URL, redirects (302) as before", async (t) => {
  for (const clients of [
    [CLIENT, OTHER_CLIENT],
    [APP_A, OTHER_CLIENT],
  ]) {
    // Arrange
    const tenant = await startTestTenant(t, { clients });
    const a = await signInApp(tenant, clients[0] ?? CLIENT);
    await signInApp(tenant, OTHER_CLIENT, a.ssoCookie);
    // Act
    const response = await logout(tenant, a, {
      client_id: CLIENT.clientId,
      post_logout_redirect_uri: A_LOGOUT_TARGET,
      state: "bye",
    });
    // Assert
    assert.equal(response.status, 302);
    assert.equal(response.location, `${A_LOGOUT_TARGET}?state=bye`);
    assert.equal(response.headers["cache-control"], "no-store, no-cache");
    assert.equal(response.body, "");
    const cookies = response.headers["set-cookie"] ?? [];
    assert.ok(cookies.some((c) => c.startsWith("ESTSAUTH=;") && c.includes("Max-Age=0")));
  }
});

void test("GET /logout, for a registered URL with its own query, keeps that query and adds sid", async (t) => {
  // Arrange
  const registered = "https://127.0.0.1:4443/auth/frontchannel-logout?tenant=contoso&v=2";
  const tenant = await startTestTenant(t, {
    clients: [APP_A, { ...APP_B, frontChannelLogoutUrl: registered }],
  });
  const a = await signInApp(tenant, APP_A);
  await signInApp(tenant, APP_B, a.ssoCookie);
  // Act
  const response = await logout(tenant, a, { client_id: APP_A.clientId });
  // Assert
  assert.deepEqual(
    readSignOutPage(response).frames.map((f) => f.src),
    [`${registered}&sid=${a.sid}`],
  );
});

void test("GET /logout, for a URL and a client id with & and quotes, HTML-escapes the iframe's attributes and the continue link", async (t) => {
  // Arrange
  const oddClient: SecretClient = {
    ...APP_B,
    clientId: `app-"quoted"-&-<b>-'single'`,
    frontChannelLogoutUrl: `https://127.0.0.1:4443/o'brien/logout?a=1&b="2"`,
  };
  const target = "https://127.0.0.1:3443/?from=logout&x='y'";
  const initiator: SecretClient = { ...APP_A, redirectUris: [...APP_A.redirectUris, target] };
  const tenant = await startTestTenant(t, { clients: [initiator, oddClient] });
  const a = await signInApp(tenant, initiator);
  await signInApp(tenant, oddClient, a.ssoCookie);
  // Act
  const response = await logout(tenant, a, {
    client_id: initiator.clientId,
    post_logout_redirect_uri: target,
    state: "bye",
  });
  // Assert
  assert.equal(response.status, 200);
  assert.ok(
    response.body.includes(
      `<iframe hidden title="Signing out of application app-&quot;quoted&quot;-&amp;-&lt;b&gt;-&#39;single&#39;" ` +
        `src="https://127.0.0.1:4443/o&#39;brien/logout?a=1&amp;b=%222%22&amp;sid=${a.sid}"></iframe>`,
    ),
    response.body,
  );
  assert.ok(
    response.body.includes(
      `<a id="continue" href="https://127.0.0.1:3443/?from=logout&amp;x=%27y%27&amp;state=bye">`,
    ),
  );
  assert.ok(!response.body.includes("<b>"));
  const page = readSignOutPage(response);
  assert.equal(page.scriptTarget, "https://127.0.0.1:3443/?from=logout&x=%27y%27&state=bye");
  assert.ok(page.script?.includes("\\u0026"), "& is \\u-escaped inside the script");
});

interface ScriptRun {
  fireLoad(target: object): void;
  timers: { delay: number; run: () => void }[];
  navigations: string[];
  Frame: new () => object;
}

/** Runs the page's script against a stand-in DOM: capturing load listeners, a timer list, location. */
function runPageScript(script: string): ScriptRun {
  const listeners: ((event: { target: object }) => void)[] = [];
  const timers: ScriptRun["timers"] = [];
  const navigations: string[] = [];
  class HTMLIFrameElement {}
  vm.runInNewContext(script, {
    HTMLIFrameElement,
    document: {
      addEventListener(type: string, listener: (event: { target: object }) => void, capture: boolean) {
        assert.equal(type, "load");
        assert.equal(capture, true, "a capturing listener sees the frames' load events");
        listeners.push(listener);
      },
    },
    location: { replace: (url: string) => navigations.push(url) },
    setTimeout: (run: () => void, delay: number) => timers.push({ run, delay }),
  });
  return {
    fireLoad: (target) => listeners.forEach((listener) => listener({ target })),
    timers,
    navigations,
    Frame: HTMLIFrameElement,
  };
}

async function pageWithTwoFrames(t: TestContext): Promise<string> {
  const tenant = await startTestTenant(t, { clients: [APP_A, APP_B, APP_C] });
  const a = await signInApp(tenant, APP_A);
  await signInApp(tenant, APP_B, a.ssoCookie);
  await signInApp(tenant, APP_C, a.ssoCookie);
  const response = await logout(tenant, a, {
    client_id: APP_A.clientId,
    post_logout_redirect_uri: A_LOGOUT_TARGET,
    state: "bye",
  });
  const { frames, script } = readSignOutPage(response);
  assert.equal(frames.length, 2);
  assert.ok(script);
  return script;
}

void test("the sign-out page's script, when every frame has fired load, navigates once to the target", async (t) => {
  // Arrange
  const run = runPageScript(await pageWithTwoFrames(t));
  const [first, second] = [new run.Frame(), new run.Frame()];
  // Act
  run.fireLoad({});
  run.fireLoad(first);
  run.fireLoad(first);
  const beforeLast = [...run.navigations];
  run.fireLoad(second);
  run.timers.forEach((timer) => timer.run());
  // Assert
  assert.deepEqual(beforeLast, [], "not before every frame has loaded");
  assert.deepEqual(run.navigations, [`${A_LOGOUT_TARGET}?state=bye`]);
});

void test("the sign-out page's script, when a frame never loads, navigates after the 5 s fallback", async (t) => {
  // Arrange
  const run = runPageScript(await pageWithTwoFrames(t));
  run.fireLoad(new run.Frame());
  // Act
  const beforeTimer = [...run.navigations];
  run.timers.forEach((timer) => timer.run());
  // Assert
  assert.deepEqual(beforeTimer, []);
  assert.deepEqual(
    run.timers.map((timer) => timer.delay),
    [5000],
  );
  assert.deepEqual(run.navigations, [`${A_LOGOUT_TARGET}?state=bye`]);
});
