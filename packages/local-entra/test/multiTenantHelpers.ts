/**
 * Helpers for the two-tenant, consent and calendar tests: app registrations of each kind, the
 * authorize → sign-in → (consent) → code flow at any tenant segment, and msal-node clients for any
 * authority (metadata fetched once and passed in, as the app does).
 */
import { ConfidentialClientApplication } from "@azure/msal-node";
import type { LocalTenant, LocalTenantClient } from "../src/index.js";
import { SECOND_TENANT_ID } from "../src/index.js";
import type { HttpResult, Pkce } from "./helpers.js";
import {
  newPkce,
  parseConsentForm,
  parseJson,
  parseLoginForm,
  postForm,
  submitConsent,
  tenantRequest,
} from "./helpers.js";
import type { TokenResponse } from "./helpers.js";
import { networkClient } from "./msalHelpers.js";

export type SecretApp = LocalTenantClient & { clientSecret: string; redirectUris: [string] };

/** Multi-tenant app registered in Contoso. */
export const MULTI_APP: SecretApp = {
  clientId: "3a1f5c7e-9b2d-4e6f-8a0c-1b3d5f7a9c21",
  clientSecret: "multi~secret.value_3",
  redirectUris: ["https://127.0.0.1:5443/auth/redirect"],
  signInAudience: "AzureADMultipleOrgs",
};

/** Single-tenant app registered in Fabrikam. */
export const FABRIKAM_APP: SecretApp = {
  clientId: "7c9e1a3b-5d2f-4a6e-8b0c-2d4f6a8c0e32",
  clientSecret: "fabrikam~secret.value_4",
  redirectUris: ["https://127.0.0.1:6443/auth/redirect"],
  homeTenantId: SECOND_TENANT_ID,
};

export function authorizeAt(
  tenant: LocalTenant,
  segment: string,
  params: Record<string, string | undefined>,
): string {
  const url = new URL(`${tenant.cloudInstance}${segment}/oauth2/v2.0/authorize`);
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(name, value);
  return url.href;
}

export function appAuthorizeParams(app: SecretApp, pkce: Pkce, scope: string): Record<string, string> {
  return {
    client_id: app.clientId,
    redirect_uri: app.redirectUris[0],
    response_type: "code",
    response_mode: "query",
    scope,
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
    state: "mt-state",
    nonce: "mt-nonce",
  };
}

export interface FlowResult {
  pkce: Pkce;
  /** The sign-in page (or the tenant's direct answer without one). */
  page: HttpResult;
  /** The answer to the sign-in form (a redirect, an error page, or the consent page). */
  answer: HttpResult;
  ssoCookie: string | undefined;
  /** Query parameters of `answer`'s redirect, if any. */
  params: URLSearchParams;
}

/** authorize at `segment` → choose `userOid` on the sign-in page; the consent page is left as is. */
export async function signInAt(
  tenant: LocalTenant,
  segment: string,
  app: SecretApp,
  userOid: string,
  options: { scope?: string; extra?: Record<string, string> } = {},
): Promise<FlowResult> {
  const pkce = newPkce();
  const query = {
    ...appAuthorizeParams(app, pkce, options.scope ?? "openid profile offline_access User.Read"),
    ...options.extra,
  };
  const page = await tenantRequest(tenant, authorizeAt(tenant, segment, query));
  if (page.status !== 200)
    throw new Error(`sign-in page expected, got ${page.status}: ${page.body.slice(0, 300)}`);
  const form = parseLoginForm(page.body);
  const answer = await postForm(tenant, form.action, { transaction: form.transaction, user: userOid });
  const ssoCookie = (answer.headers["set-cookie"] ?? [])
    .map((c) => c.split(";")[0] ?? "")
    .find((c) => c.startsWith("ESTSAUTH="));
  const params =
    answer.location === undefined ? new URLSearchParams() : new URL(answer.location).searchParams;
  return { pkce, page, answer, ssoCookie, params };
}

/** Accepts the consent page of a flow (which must show one) and returns the redirect's parameters. */
export async function acceptConsent(tenant: LocalTenant, flow: FlowResult): Promise<URLSearchParams> {
  const form = parseConsentForm(flow.answer.body);
  if (form === undefined) throw new Error(`consent page expected, got ${flow.answer.status}`);
  const answer = await submitConsent(tenant, form, "accept", flow.ssoCookie);
  return new URL(answer.location ?? "").searchParams;
}

export function redeemAt(
  tenant: LocalTenant,
  segment: string,
  app: SecretApp,
  fields: Record<string, string>,
): Promise<HttpResult> {
  return postForm(tenant, `${tenant.cloudInstance}${segment}/oauth2/v2.0/token`, {
    client_id: app.clientId,
    client_secret: app.clientSecret,
    ...fields,
  });
}

/** Signs in at `segment` and redeems the code there (no consent page expected). */
export async function tokensAt(
  tenant: LocalTenant,
  segment: string,
  app: SecretApp,
  userOid: string,
  scope = "openid profile offline_access User.Read",
): Promise<TokenResponse> {
  const flow = await signInAt(tenant, segment, app, userOid, { scope });
  const code = flow.params.get("code");
  if (code === null) throw new Error(`no code: ${flow.answer.status} ${flow.answer.body.slice(0, 300)}`);
  const response = await redeemAt(tenant, segment, app, {
    grant_type: "authorization_code",
    code,
    redirect_uri: app.redirectUris[0],
    code_verifier: flow.pkce.verifier,
    client_info: "1",
  });
  if (response.status !== 200) throw new Error(`token redemption failed: ${response.body}`);
  return parseJson<TokenResponse>(response);
}

export async function msalAt(
  tenant: LocalTenant,
  segment: string,
  app: SecretApp,
): Promise<ConfidentialClientApplication> {
  const authority = `${tenant.cloudInstance}${segment}`;
  const metadata = await tenantRequest(tenant, `${authority}/v2.0/.well-known/openid-configuration`);
  return new ConfidentialClientApplication({
    auth: {
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      authority,
      knownAuthorities: [tenant.authorityHost],
      authorityMetadata: metadata.body,
    },
    system: { networkClient: networkClient(tenant) },
  });
}

/** getAuthCodeUrl → the sign-in form (choosing userOid) → acquireTokenByCode. */
export async function msalSignIn(
  tenant: LocalTenant,
  cca: ConfidentialClientApplication,
  app: SecretApp,
  userOid: string,
): Promise<
  Awaited<ReturnType<ConfidentialClientApplication["acquireTokenByCode"]>> & { authorizeUrl: string }
> {
  const pkce = newPkce();
  const url = await cca.getAuthCodeUrl({
    scopes: ["User.Read"],
    redirectUri: app.redirectUris[0],
    codeChallenge: pkce.challenge,
    codeChallengeMethod: "S256",
    state: "msal-state",
    nonce: "msal-nonce",
    responseMode: "query",
  });
  const page = await tenantRequest(tenant, url);
  const form = parseLoginForm(page.body);
  const answer = await postForm(tenant, form.action, { transaction: form.transaction, user: userOid });
  const params = new URL(answer.location ?? `https://invalid.invalid/?status=${answer.status}`).searchParams;
  const result = await cca.acquireTokenByCode({
    code: params.get("code") ?? "",
    scopes: ["User.Read"],
    redirectUri: app.redirectUris[0],
    codeVerifier: pkce.verifier,
    nonce: "msal-nonce",
  });
  return { ...result, authorizeUrl: url };
}
