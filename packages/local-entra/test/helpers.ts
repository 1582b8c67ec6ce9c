/**
 * Test helpers for the local tenant: HTTPS on loopback trusting only the tenant's certificate
 * (never rejectUnauthorized:false), a fresh tenant per test, PKCE, the sign-in form parser and the
 * token endpoint. Every request has a client-side deadline.
 */
import { createHash, randomBytes } from "node:crypto";
import https from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import type { TestContext } from "node:test";
import { createLocalJWKSet, jwtVerify } from "jose";
import type { JSONWebKeySet, JWTPayload } from "jose";
import { CODE_PREFIX, createTenantSigningKey, REFRESH_TOKEN_PREFIX, startLocalTenant } from "../src/index.js";
import type { LocalTenant, LocalTenantClient, LocalTenantOptions, LocalTenantUser } from "../src/index.js";
import { loginHintFor } from "../src/loginHint.js";

/** A secret client (the secret is declared present, so tests can send it without a check). */
export type SecretClient = LocalTenantClient & { clientSecret: string };

export const CLIENT: SecretClient = {
  clientId: "0b7d2a6c-3e41-4f8a-9c15-2d6e8f0a1b3c",
  clientSecret: "local~secret.value_1",
  // The second is the sign-out's post_logout_redirect_uri: a redirect URI too, as at Entra.
  redirectUris: ["https://127.0.0.1:3443/auth/redirect", "https://127.0.0.1:3443/"],
};
export const OTHER_CLIENT: SecretClient = {
  clientId: "5e9a1c3d-7b2f-4a60-8d14-c3b5a7e9f102",
  clientSecret: "other~secret.value_2",
  redirectUris: ["https://127.0.0.1:4443/auth/redirect", "https://127.0.0.1:4443/"],
};
export const REDIRECT_URI = "https://127.0.0.1:3443/auth/redirect";
/** CLIENT's sign-out target (one of its redirect URIs). */
export const POST_LOGOUT_URI = "https://127.0.0.1:3443/";
export const DEFAULT_SCOPE = "openid profile offline_access User.Read";
/** An authorization code as issued: the marker, then random base64url text, 1,000–1,200 characters. */
export const CODE_PATTERN = new RegExp(`^${CODE_PREFIX.replaceAll(".", "\\.")}[A-Za-z0-9_-]{978,1178}$`);
/** A refresh token as issued: the marker, then random base64url text, 1,300–1,500 characters. */
export const REFRESH_TOKEN_PATTERN = new RegExp(
  `^${REFRESH_TOKEN_PREFIX.replaceAll(".", "\\.")}[A-Za-z0-9_-]{1278,1478}$`,
);

/** An account's `login_hint` (its ID tokens' claim): what a sign-out sends as `logout_hint`. */
export function loginHintOf(account: LocalTenantUser): string {
  return loginHintFor({ oid: account.oid, tid: account.homeTenantId, upn: account.userPrincipalName });
}

/**
 * One token-signing key for every tenant this test process starts (LocalTenantOptions.signingKey):
 * an RSA key costs about 160 ms of CPU, and the tests start hundreds of tenants.
 */
const SIGNING_KEY_OF_THIS_PROCESS = createTenantSigningKey();

export async function startTestTenant(
  t: TestContext,
  options: LocalTenantOptions = {},
): Promise<LocalTenant> {
  const tenant = await startLocalTenant({
    clients: [CLIENT, OTHER_CLIENT],
    signingKey: await SIGNING_KEY_OF_THIS_PROCESS,
    ...options,
  });
  t.after(() => tenant.close());
  return tenant;
}

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body decoded as UTF-8 (see `bytes` for binary bodies such as photos). */
  body: string;
  /** The raw body. */
  bytes: Buffer;
  location: string | undefined;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Trust anchor; defaults to none (the system store), which must fail for the tenant. */
  ca?: string;
  timeoutMs?: number;
}

export function httpsRequest(url: string, options: RequestOptions = {}): Promise<HttpResult> {
  const target = new URL(url);
  if (target.hostname !== "127.0.0.1")
    throw new Error(`tests only talk to 127.0.0.1, not ${target.hostname}`);
  return new Promise((resolve, reject) => {
    const req = https.request(
      target,
      {
        method: options.method ?? "GET",
        headers: options.headers,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const bytes = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: bytes.toString("utf8"),
            bytes,
            location: res.headers.location,
          });
        });
      },
    );
    req.setTimeout(options.timeoutMs ?? 5000, () => req.destroy(new Error("client timeout")));
    req.on("error", reject);
    req.end(options.body);
  });
}

/** A request to the tenant (or its Graph) trusting exactly the tenant's certificate. */
export function tenantRequest(
  tenant: LocalTenant,
  url: string,
  options: RequestOptions = {},
): Promise<HttpResult> {
  return httpsRequest(url, { ...options, ca: tenant.caCertificatePem });
}

export function postForm(
  tenant: LocalTenant,
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return tenantRequest(tenant, url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

export function parseJson<T = Record<string, unknown>>(result: HttpResult): T {
  return JSON.parse(result.body) as T;
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function newPkce(): Pkce {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export function authorizeUrl(tenant: LocalTenant, params: Record<string, string | undefined>): string {
  const url = new URL(`${tenant.authority}/oauth2/v2.0/authorize`);
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(name, value);
  return url.href;
}

export function defaultAuthorizeParams(pkce: Pkce): Record<string, string> {
  return {
    client_id: CLIENT.clientId,
    redirect_uri: REDIRECT_URI,
    response_type: "code",
    response_mode: "query",
    scope: DEFAULT_SCOPE,
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
    state: "state-123",
    nonce: "nonce-456",
  };
}

export interface LoginForm {
  action: string;
  transaction: string;
  users: { oid: string; displayName: string }[];
  hasCancel: boolean;
}

export function decodeEntities(text: string): string {
  return text
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

/** Parses the documented sign-in markup (see src/localTenant/loginPage.ts). */
export function parseLoginForm(html: string): LoginForm {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const transaction = /<input type="hidden" name="transaction" value="([^"]+)">/.exec(html)?.[1];
  if (action === undefined || transaction === undefined) throw new Error("no sign-in form in the page");
  const users = [
    ...html.matchAll(/<button type="submit" name="user" value="([^"]+)">([^<]+)<\/button>/g),
  ].map((m) => ({ oid: decodeEntities(m[1] ?? ""), displayName: decodeEntities(m[2] ?? "") }));
  const hasCancel = html.includes('<button type="submit" name="cancel" value="1">Cancel</button>');
  return { action: decodeEntities(action), transaction: decodeEntities(transaction), users, hasCancel };
}

export interface SignInResult {
  /** The tenant's answer to the form (302 for query/fragment, 200 page for form_post). */
  response: HttpResult;
  /** Query parameters of the redirect (empty unless a query-mode redirect). */
  params: URLSearchParams;
  /** The `ESTSAUTH=…` pair the tenant set, for later requests. */
  ssoCookie: string | undefined;
}

export interface ConsentForm {
  action: string;
  transaction: string;
  /** The permissions listed: `data-scope` and the description shown. */
  permissions: { scope: string; description: string }[];
}

/** Parses the documented consent markup (see src/localTenant/consentPage.ts); undefined if absent. */
export function parseConsentForm(html: string): ConsentForm | undefined {
  const action = /<form method="post" action="([^"]+)" id="consent-form"/.exec(html)?.[1];
  const transaction = /<input type="hidden" name="transaction" value="([^"]+)">/.exec(html)?.[1];
  if (action === undefined || transaction === undefined) return undefined;
  const permissions = [...html.matchAll(/<li data-scope="([^"]+)">([^<]*)<\/li>/g)].map((m) => ({
    scope: decodeEntities(m[1] ?? ""),
    description: decodeEntities(m[2] ?? ""),
  }));
  return { action: decodeEntities(action), transaction: decodeEntities(transaction), permissions };
}

/** Posts the consent form's Accept or Cancel, with the browser's ESTSAUTH cookie. */
export function submitConsent(
  tenant: LocalTenant,
  form: ConsentForm,
  decision: "accept" | "cancel",
  ssoCookie: string | undefined,
): Promise<HttpResult> {
  return postForm(
    tenant,
    form.action,
    { transaction: form.transaction, consent: decision },
    ssoCookie === undefined ? {} : { cookie: ssoCookie },
  );
}

/**
 * Signs in through the sign-in page. When the tenant then shows the consent page, it is accepted
 * (`consent: "accept"`, the default, as a user would), cancelled, or left for the caller
 * (`"stop"`: `response` is the consent page).
 */
export async function signIn(
  tenant: LocalTenant,
  authorizeParams: Record<string, string | undefined>,
  choice: { userOid?: string; cancel?: boolean; consent?: "accept" | "cancel" | "stop" } = {},
): Promise<SignInResult> {
  const page = await tenantRequest(tenant, authorizeUrl(tenant, authorizeParams));
  if (page.status !== 200)
    throw new Error(`sign-in page expected, got ${page.status}: ${page.body.slice(0, 300)}`);
  const form = parseLoginForm(page.body);
  const fields: Record<string, string> = { transaction: form.transaction };
  if (choice.cancel === true) fields.cancel = "1";
  else fields.user = choice.userOid ?? form.users[0]?.oid ?? "";
  let response = await postForm(tenant, form.action, fields);
  const setCookie = response.headers["set-cookie"] ?? [];
  const ssoCookie = setCookie.map((c) => c.split(";")[0] ?? "").find((c) => c.startsWith("ESTSAUTH="));
  const consent = response.status === 200 ? parseConsentForm(response.body) : undefined;
  if (consent !== undefined && choice.consent !== "stop") {
    response = await submitConsent(tenant, consent, choice.consent ?? "accept", ssoCookie);
  }
  const params =
    response.location === undefined ? new URLSearchParams() : new URL(response.location).searchParams;
  return { response, params, ssoCookie };
}

/** Signs in (query mode) and returns the code plus the PKCE pair used. */
export async function obtainCode(
  tenant: LocalTenant,
  overrides: Record<string, string | undefined> = {},
  userOid?: string,
): Promise<{ code: string; pkce: Pkce; params: URLSearchParams; ssoCookie: string | undefined }> {
  const pkce = newPkce();
  const result = await signIn(tenant, { ...defaultAuthorizeParams(pkce), ...overrides }, { userOid });
  const code = result.params.get("code");
  if (code === null)
    throw new Error(`no code in redirect: ${result.response.location ?? result.response.status}`);
  return { code, pkce, params: result.params, ssoCookie: result.ssoCookie };
}

export function tokenEndpoint(tenant: LocalTenant): string {
  return `${tenant.authority}/oauth2/v2.0/token`;
}

export function redeemCode(
  tenant: LocalTenant,
  fields: Record<string, string | undefined>,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const body: Record<string, string> = {};
  const merged: Record<string, string | undefined> = {
    grant_type: "authorization_code",
    client_id: CLIENT.clientId,
    client_secret: CLIENT.clientSecret,
    redirect_uri: REDIRECT_URI,
    scope: DEFAULT_SCOPE,
    // msal-node sends it on every token request; Entra answers client_info only when asked.
    client_info: "1",
    ...fields,
  };
  for (const [name, value] of Object.entries(merged)) if (value !== undefined) body[name] = value;
  return postForm(tenant, tokenEndpoint(tenant), body, headers);
}

export function refresh(
  tenant: LocalTenant,
  refreshToken: string,
  fields: Record<string, string | undefined> = {},
): Promise<HttpResult> {
  return redeemCode(tenant, {
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    redirect_uri: undefined,
    ...fields,
  });
}

export interface TokenResponse {
  token_type: string;
  scope: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token: string;
  client_info: string;
}

export interface EntraErrorResponse {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
  suberror?: string;
}

/** Signs in and redeems the code: a complete token response. */
export async function obtainTokens(tenant: LocalTenant, userOid?: string): Promise<TokenResponse> {
  const { code, pkce } = await obtainCode(tenant, {}, userOid);
  const response = await redeemCode(tenant, { code, code_verifier: pkce.verifier });
  if (response.status !== 200) throw new Error(`token redemption failed: ${response.body}`);
  return parseJson<TokenResponse>(response);
}

export async function verifyWithTenantKeys(
  tenant: LocalTenant,
  jwt: string,
  /** `currentDate`: the tenant's clock, when the test set one. */
  options: { issuer: string; audience: string; currentDate?: Date },
): Promise<JWTPayload> {
  const jwks = parseJson<JSONWebKeySet>(
    await tenantRequest(tenant, `${tenant.authority}/discovery/v2.0/keys`),
  );
  const { payload } = await jwtVerify(jwt, createLocalJWKSet(jwks), { ...options, algorithms: ["RS256"] });
  return payload;
}

export function graphMe(
  tenant: LocalTenant,
  accessToken: string | undefined,
  query = "",
): Promise<HttpResult> {
  return tenantRequest(tenant, `${tenant.graphEndpoint}v1.0/me${query}`, {
    headers: accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` },
  });
}

/** GET `${graphEndpoint}${path}` (path without the leading slash, e.g. "v1.0/me/photo/$value"). */
export function graphGet(
  tenant: LocalTenant,
  accessToken: string | undefined,
  path: string,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return tenantRequest(tenant, `${tenant.graphEndpoint}${path}`, {
    headers: accessToken === undefined ? headers : { ...headers, authorization: `Bearer ${accessToken}` },
  });
}

/** Signs in and redeems the code, with extra authorize parameters and token fields (e.g. `claims`). */
export async function obtainTokensWith(
  tenant: LocalTenant,
  options: {
    authorize?: Record<string, string | undefined>;
    token?: Record<string, string | undefined>;
    userOid?: string;
  } = {},
): Promise<TokenResponse> {
  const { code, pkce } = await obtainCode(tenant, options.authorize ?? {}, options.userOid);
  const response = await redeemCode(tenant, { code, code_verifier: pkce.verifier, ...options.token });
  if (response.status !== 200) throw new Error(`token redemption failed: ${response.body}`);
  return parseJson<TokenResponse>(response);
}

/** The `claims` request of a Graph CAE challenge (its WWW-Authenticate `claims="…"`, base64-decoded). */
export function challengeClaims(response: HttpResult): string {
  const header = String(response.headers["www-authenticate"] ?? "");
  const encoded = /claims="([^"]+)"/.exec(header)?.[1];
  if (encoded === undefined) throw new Error(`no claims challenge in '${header}'`);
  return Buffer.from(encoded, "base64").toString("utf8");
}
