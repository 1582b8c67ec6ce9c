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

/** Goes from the app to the tenant's page and returns the tenant's redirect back to the app. */
export async function authorizeAtTenant(
  app: TestApp,
  client: TestClient,
  options: { returnTo?: string; userOid?: string } = {},
): Promise<{ callbackUrl: string }> {
  const query = options.returnTo ? `?returnTo=${encodeURIComponent(options.returnTo)}` : "";
  const start = await client.get(`${app.baseUrl}/auth/signin${query}`);
  assert.equal(start.status, 302, "the app should redirect to the authority");
  const authorizeUrl = start.location;
  assert.ok(authorizeUrl?.startsWith(app.tenant.authority) === true && authorizeUrl !== undefined);
  const page = await client.get(authorizeUrl);
  // With the tenant's SSO cookie from an earlier sign-in, it answers at once, as Entra does.
  if (page.status === 302 && !options.userOid && page.location?.startsWith(`${app.baseUrl}/auth/redirect`)) {
    return { callbackUrl: page.location };
  }
  assert.equal(page.status, 200, `the tenant's sign-in page: ${page.body.slice(0, 300)}`);
  const form = parseLoginForm(page, authorizeUrl);
  const user = options.userOid ?? form.userIds[0];
  assert.ok(user, "the tenant lists no users");
  const chosen = await client.postForm(form.action, { ...form.fields, user });
  assert.equal(chosen.status, 302, `the tenant should redirect back: ${chosen.body.slice(0, 300)}`);
  const callbackUrl = chosen.location ?? "";
  assert.ok(callbackUrl.startsWith(`${app.baseUrl}/auth/redirect`), callbackUrl);
  return { callbackUrl };
}

export async function signIn(
  app: TestApp,
  client: TestClient,
  options: { returnTo?: string; userOid?: string } = {},
): Promise<TestResponse> {
  const { callbackUrl } = await authorizeAtTenant(app, client, options);
  const back = await client.get(callbackUrl);
  assert.equal(back.status, 303, `sign-in should complete: ${back.body.slice(0, 500)}`);
  return back;
}
