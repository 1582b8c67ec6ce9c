/**
 * Reads the authority's OpenID configuration once per process. Each per-request MSAL client is then
 * handed this document (`authorityMetadata`), so a request served from the cache makes no call to the
 * identity provider. Its errors name the URL and the reason: they are for the operator (start-up
 * prints them; were one to reach a request, the page would show only a fixed sentence).
 */
import { z } from "zod";
import { IdentityProviderError } from "../errors.js";
import type { NetworkModule } from "./createNetworkClient.js";

const httpsUrl = z
  .string()
  .url()
  .refine((v) => v.startsWith("https://"));

const openIdConfigurationSchema = z.looseObject({
  issuer: httpsUrl,
  authorization_endpoint: httpsUrl,
  token_endpoint: httpsUrl,
  end_session_endpoint: httpsUrl,
  jwks_uri: httpsUrl,
});

export interface AuthorityMetadata {
  /** The document as MSAL expects it in `auth.authorityMetadata`. */
  readonly json: string;
  readonly issuer: string;
  readonly endSessionEndpoint: string;
  readonly authorizationOrigin: string;
}

export async function discoverAuthority(
  authority: string,
  network: NetworkModule,
): Promise<AuthorityMetadata> {
  const url = `${authority}/v2.0/.well-known/openid-configuration`;
  let response;
  try {
    response = await network.sendGetRequestAsync<unknown>(url);
  } catch (error) {
    throw new IdentityProviderError(`Could not read ${url}: ${(error as Error).message}`, { cause: error });
  }
  if (response.status !== 200) {
    throw new IdentityProviderError(`${url} answered HTTP ${response.status}`);
  }
  const parsed = openIdConfigurationSchema.safeParse(response.body);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join(".") || "(document)").join(", ");
    throw new IdentityProviderError(`${url} is not a usable OpenID configuration document (${fields})`);
  }
  const document = parsed.data;
  return Object.freeze({
    json: JSON.stringify(document),
    issuer: document.issuer,
    endSessionEndpoint: document.end_session_endpoint,
    authorizationOrigin: new URL(document.authorization_endpoint).origin,
  });
}
