/**
 * Signs accounts in through the real flow, as a browser would: the app's /auth/signin, the local
 * tenant's HTML sign-in page (one button per test user), the app's /auth/redirect. Each sign-in
 * uses a fresh client (no tenant SSO cookie), and the users are taken in turn.
 */
import { parseLoginForm } from "../test/support/signIn.js";
import { TestClient } from "../test/support/testClient.js";
import type { TestResponse } from "../test/support/testClient.js";

export interface SignedInSession {
  /** The `Cookie` header value that carries this session (e.g. `sid=s%3A…`). */
  cookie: string;
  /** The session id inside the signed cookie. */
  sid: string;
}

function expect(condition: boolean, what: string, response: TestResponse): void {
  if (!condition)
    throw new Error(`sign-in failed: ${what} (HTTP ${response.status}) ${response.body.slice(0, 200)}`);
}

async function signInOne(
  app: { baseUrl: string; caCertificatePem: string },
  cookieName: string,
  index: number,
): Promise<SignedInSession> {
  const client = new TestClient(app.caCertificatePem);
  const start = await client.get(`${app.baseUrl}/auth/signin?returnTo=%2Fprofile`);
  expect(start.status === 302 && start.location !== undefined, "no redirect to the authority", start);
  const page = await client.get(start.location!);
  expect(page.status === 200, "no sign-in page at the tenant", page);
  const form = parseLoginForm(page, start.location!);
  const user = form.userIds[index % form.userIds.length];
  expect(user !== undefined, "the tenant lists no users", page);
  const chosen = await client.postForm(form.action, { ...form.fields, user: user! });
  expect(chosen.location?.startsWith(`${app.baseUrl}/auth/redirect`) === true, "no redirect back", chosen);
  const back = await client.get(chosen.location!);
  expect(back.status === 303, "the app did not complete the sign-in", back);
  const value = client.cookie(app.baseUrl, cookieName);
  expect(value !== undefined, "no session cookie", back);
  const sid = /^s:([^.]+)\./.exec(decodeURIComponent(value!))?.[1];
  expect(sid !== undefined, "the session cookie is not signed", back);
  return { cookie: `${cookieName}=${value!}`, sid: sid! };
}

/** Signs in `count` sessions, a few at a time. */
export async function signInSessions(
  app: { baseUrl: string; caCertificatePem: string },
  cookieName: string,
  count: number,
): Promise<SignedInSession[]> {
  const sessions: SignedInSession[] = [];
  const parallel = 5;
  for (let first = 0; first < count; first += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - first) }, (_, i) =>
      signInOne(app, cookieName, first + i),
    );
    sessions.push(...(await Promise.all(batch)));
  }
  return sessions;
}
