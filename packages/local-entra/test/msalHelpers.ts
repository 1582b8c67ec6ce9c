/**
 * msal-node 7 against the local tenant: a network client on https trusting only the tenant's
 * certificate (recording every request it sends), a ConfidentialClientApplication configured the
 * way the app configures it, and a sign-in through the real sign-in form.
 */
import assert from "node:assert/strict";
import { ConfidentialClientApplication } from "@azure/msal-node";
import type {
  AuthenticationResult,
  INetworkModule,
  NetworkRequestOptions,
  NetworkResponse,
} from "@azure/msal-node";
import type { LocalTenant } from "../src/index.js";
import { CLIENT, newPkce, parseLoginForm, postForm, REDIRECT_URI, tenantRequest } from "./helpers.js";

export interface SentRequest {
  method: string;
  url: string;
  body: string | undefined;
}

/** msal-node's network client on https with the tenant's certificate as the only trust anchor. */
export function networkClient(tenant: LocalTenant, sent: SentRequest[] = []): INetworkModule {
  async function send<T>(
    method: string,
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> {
    sent.push({ method, url, body: options?.body });
    const response = await tenantRequest(tenant, url, {
      method,
      headers: options?.headers ?? {},
      body: options?.body,
      timeoutMs: 5000,
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers))
      if (typeof value === "string") headers[name] = value;
    return { headers, body: JSON.parse(response.body) as T, status: response.status };
  }
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>("GET", url, options),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>("POST", url, options),
  };
}

export async function msalClient(
  tenant: LocalTenant,
  options: { clientCapabilities?: string[]; sent?: SentRequest[] } = {},
): Promise<ConfidentialClientApplication> {
  const metadata = await tenantRequest(tenant, `${tenant.authority}/v2.0/.well-known/openid-configuration`);
  return new ConfidentialClientApplication({
    auth: {
      clientId: CLIENT.clientId,
      clientSecret: CLIENT.clientSecret,
      authority: tenant.authority,
      knownAuthorities: [tenant.authorityHost],
      authorityMetadata: metadata.body,
      ...(options.clientCapabilities === undefined ? {} : { clientCapabilities: options.clientCapabilities }),
    },
    system: { networkClient: networkClient(tenant, options.sent) },
  });
}

/** getAuthCodeUrl → the sign-in form (choosing userOid) → acquireTokenByCode; `claims` go to both. */
export async function signInWithMsal(
  tenant: LocalTenant,
  cca: ConfidentialClientApplication,
  userOid: string,
  claims?: string,
): Promise<AuthenticationResult & { authorizeUrl: string }> {
  const pkce = newPkce();
  const url = await cca.getAuthCodeUrl({
    scopes: ["User.Read"],
    redirectUri: REDIRECT_URI,
    codeChallenge: pkce.challenge,
    codeChallengeMethod: "S256",
    state: "msal-state",
    nonce: "msal-nonce",
    responseMode: "query",
    ...(claims === undefined ? {} : { claims }),
  });
  assert.ok(url.startsWith(`${tenant.authority}/oauth2/v2.0/authorize?`), url);
  const page = await tenantRequest(tenant, url);
  const form = parseLoginForm(page.body);
  const answer = await postForm(tenant, form.action, { transaction: form.transaction, user: userOid });
  const params = new URL(answer.location ?? "").searchParams;
  assert.equal(params.get("state"), "msal-state");
  const result = await cca.acquireTokenByCode({
    code: params.get("code") ?? "",
    scopes: ["User.Read"],
    redirectUri: REDIRECT_URI,
    codeVerifier: pkce.verifier,
    nonce: "msal-nonce",
    ...(claims === undefined ? {} : { claims }),
  });
  return { ...result, authorizeUrl: url };
}
