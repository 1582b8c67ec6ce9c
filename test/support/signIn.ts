/**
 * Signs a test client in through the real flow: the app's /auth/signin, the local tenant's sign-in
 * page (a form with a transaction id and one button per user), and the app's /auth/redirect.
 */
import assert from "node:assert/strict";
import type { TestApp } from "./testApp.js";
import type { TestClient, TestResponse } from "./testClient.js";

export interface LoginForm {
  action: string;
  fields: Record<string, string>;
  userIds: string[];
}

export function parseLoginForm(page: TestResponse, pageUrl: string): LoginForm {
  const form = /<form[^>]*method="post"[^>]*action="([^"]+)"/i.exec(page.body);
  assert.ok(form?.[1], `no sign-in form on the tenant page (HTTP ${page.status})`);
  const fields: Record<string, string> = {};
  for (const match of page.body.matchAll(
    /<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/gi,
  )) {
    fields[match[1]!] = decodeEntities(match[2]!);
  }
  const userIds = [...page.body.matchAll(/<button[^>]*name="user"[^>]*value="([^"]+)"/gi)].map((m) => m[1]!);
  return { action: new URL(decodeEntities(form[1]), pageUrl).href, fields, userIds };
}

function decodeEntities(text: string): string {
  return text
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");
}

/**
 * Goes from the app to the tenant's page and returns the tenant's redirect back to the app.
 * `signInPath`: where sign-in starts (default /auth/signin with `returnTo`), e.g. the app's own
 * redirect to /auth/signin?…&scopes=…. `consent`: how to answer the tenant's consent page; without
 * it a consent page fails the test.
 */
export async function authorizeAtTenant(
  app: TestApp,
  client: TestClient,
  options: SignInOptions = {},
): Promise<{ callbackUrl: string; authorizeUrl: string }> {
  const authorizeUrl = options.authorizeUrl ?? (await startSignIn(app, client, options));
  let page = await client.get(authorizeUrl);
  let pageUrl = authorizeUrl;
  const backToApp = (response: TestResponse) =>
    response.status === 302 && response.location?.startsWith(`${app.baseUrl}/auth/redirect`) === true;
  // With the tenant's SSO cookie from an earlier sign-in, it answers at once, as Entra does.
  if (!isConsentPage(page) && !(backToApp(page) && !options.userOid)) {
    assert.equal(page.status, 200, `the tenant's sign-in page: ${page.body.slice(0, 300)}`);
    const form = parseLoginForm(page, authorizeUrl);
    const user = options.userOid ?? form.userIds[0];
    assert.ok(user, "the tenant lists no users");
    pageUrl = form.action;
    page = await client.postForm(form.action, { ...form.fields, user });
  }
  if (isConsentPage(page)) {
    assert.ok(options.consent, `the tenant asks for consent: ${page.body.slice(0, 300)}`);
    const form = parseLoginForm(page, pageUrl);
    page = await client.postForm(form.action, { ...form.fields, consent: options.consent });
  }
  assert.equal(page.status, 302, `the tenant should redirect back: ${page.body.slice(0, 300)}`);
  const callbackUrl = page.location ?? "";
  assert.ok(callbackUrl.startsWith(`${app.baseUrl}/auth/redirect`), callbackUrl);
  return { callbackUrl, authorizeUrl };
}

export interface SignInOptions {
  returnTo?: string;
  userOid?: string;
  signInPath?: string;
  consent?: "accept" | "cancel";
  /** A sign-in the test already started (its redirect to the authority): go on from there. */
  authorizeUrl?: string;
}

/** GET /auth/signin (or `signInPath`): the app's redirect to the authority. */
export async function startSignIn(
  app: TestApp,
  client: TestClient,
  options: Pick<SignInOptions, "returnTo" | "signInPath"> = {},
): Promise<string> {
  const query = options.returnTo ? `?returnTo=${encodeURIComponent(options.returnTo)}` : "";
  const start = await client.get(new URL(options.signInPath ?? `/auth/signin${query}`, app.baseUrl).href);
  assert.equal(start.status, 302, `the app should redirect to the authority: ${start.body.slice(0, 300)}`);
  const authorizeUrl = start.location;
  assert.ok(authorizeUrl?.startsWith(app.config.auth.authority) === true && authorizeUrl !== undefined);
  return authorizeUrl;
}

function isConsentPage(page: TestResponse): boolean {
  return page.status === 200 && page.body.includes('id="consent-form"');
}

export async function signIn(
  app: TestApp,
  client: TestClient,
  options: SignInOptions = {},
): Promise<TestResponse> {
  const { callbackUrl } = await authorizeAtTenant(app, client, options);
  const back = await client.get(callbackUrl);
  assert.equal(back.status, 303, `sign-in should complete: ${back.body.slice(0, 500)}`);
  return back;
}
