/**
 * The app registrations (confidential clients) of the tenant.
 *
 * Guarantees: a registration holds redirect URIs only — as in a v2 registration there is no
 * separate post-logout list: a post_logout_redirect_uri must be one of them (a caller still passing
 * `postLogoutRedirectUris` is told so). Redirect URIs, and the front-channel logout URL, must be
 * registrable and are matched as redirectUris.ts says (exact, bar the port of http loopback URIs).
 * The tenancy options are checked (signInAudience one of AzureADMyOrg/AzureADMultipleOrgs,
 * homeTenantId a GUID, adminConsentedScopes known Graph scopes; see clientTenancy.ts for what they
 * mean). Secrets are compared in constant time (both sides are hashed to equal length first); a
 * registration without a secret matches no secret. Every registration holds at least one credential
 * (secret, certificate or trusted certificate subject); certificates are parsed at registration (see
 * clientCredentials.ts). Registered data is copied and frozen, so later mutation by the caller
 * changes nothing.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { parseClientCredentials } from "./clientCredentials.js";
import type { ClientCredentials } from "./clientCredentials.js";
import { isGuid } from "./ids.js";
import { assertRegistrableUri, redirectUriMatches } from "./redirectUris.js";
import { GRAPH_SCOPES } from "./scopes.js";
import type { LocalTenantClient } from "./types.js";

const AUDIENCES: readonly string[] = ["AzureADMyOrg", "AzureADMultipleOrgs"];

type TenancyOptions = Pick<LocalTenantClient, "signInAudience" | "homeTenantId" | "adminConsentedScopes">;

/** Validated, normalised copies of the tenancy options (to be merged into the frozen registration). */
function tenancyOptions(client: LocalTenantClient): TenancyOptions {
  const options: TenancyOptions = {};
  if (client.signInAudience !== undefined) {
    if (!AUDIENCES.includes(client.signInAudience)) {
      throw new Error(`signInAudience must be one of ${AUDIENCES.join(", ")}`);
    }
    options.signInAudience = client.signInAudience;
  }
  if (client.homeTenantId !== undefined) {
    if (typeof client.homeTenantId !== "string" || !isGuid(client.homeTenantId)) {
      throw new Error("homeTenantId must be a tenant id (GUID)");
    }
    options.homeTenantId = client.homeTenantId.toLowerCase();
  }
  if (client.adminConsentedScopes !== undefined) {
    options.adminConsentedScopes = Object.freeze(
      client.adminConsentedScopes.map((scope) => {
        const canonical = GRAPH_SCOPES.find((known) => known.toLowerCase() === String(scope).toLowerCase());
        if (canonical === undefined) throw new Error(`adminConsentedScopes: unknown Graph scope '${scope}'`);
        return canonical;
      }),
    ) as string[];
  }
  return options;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

export class ClientRegistry {
  readonly #clients = new Map<string, Readonly<LocalTenantClient>>();
  readonly #credentials = new Map<string, ClientCredentials>();

  register(client: LocalTenantClient): void {
    if (typeof client.clientId !== "string" || client.clientId.trim() === "") {
      throw new Error("clientId must be a non-empty string");
    }
    if (
      client.clientSecret !== undefined &&
      (typeof client.clientSecret !== "string" || client.clientSecret === "")
    ) {
      throw new Error("clientSecret must be a non-empty string when given");
    }
    const credentials = parseClientCredentials(client);
    if (
      client.clientSecret === undefined &&
      credentials.certificates.length === 0 &&
      credentials.trustedSubjects.length === 0
    ) {
      throw new Error(
        "a client needs a credential: clientSecret, certificates or trustedCertificateSubjects",
      );
    }
    if ("postLogoutRedirectUris" in client) {
      throw new Error(
        "postLogoutRedirectUris: a v2 registration has no separate post-logout list; add the URI to redirectUris",
      );
    }
    for (const uri of client.redirectUris) assertRegistrableUri(uri, "redirect URI");
    if (client.frontChannelLogoutUrl !== undefined) {
      assertRegistrableUri(client.frontChannelLogoutUrl, "front-channel logout URL");
    }
    const registered: LocalTenantClient = {
      clientId: client.clientId,
      redirectUris: Object.freeze([...client.redirectUris]) as string[],
      ...tenancyOptions(client),
    };
    if (client.clientSecret !== undefined) registered.clientSecret = client.clientSecret;
    if (client.frontChannelLogoutUrl !== undefined) {
      registered.frontChannelLogoutUrl = client.frontChannelLogoutUrl;
    }
    if (client.certificates !== undefined) {
      registered.certificates = Object.freeze([...client.certificates]) as string[];
    }
    if (client.trustedCertificateSubjects !== undefined) {
      registered.trustedCertificateSubjects = Object.freeze(
        client.trustedCertificateSubjects.map((entry) => Object.freeze({ ...entry })),
      ) as LocalTenantClient["trustedCertificateSubjects"];
    }
    this.#clients.set(client.clientId.toLowerCase(), Object.freeze(registered));
    this.#credentials.set(client.clientId.toLowerCase(), credentials);
  }

  /** The parsed certificate credentials of a registered client. */
  credentials(clientId: string): ClientCredentials {
    return this.#credentials.get(clientId.toLowerCase()) ?? { certificates: [], trustedSubjects: [] };
  }

  /** Client ids are GUIDs in Entra, matched case-insensitively. */
  get(clientId: string): Readonly<LocalTenantClient> | undefined {
    return this.#clients.get(clientId.toLowerCase());
  }

  all(): Readonly<LocalTenantClient>[] {
    return [...this.#clients.values()];
  }
}

/** Whether `uri` is one of the client's redirect URIs (also the test for a post_logout_redirect_uri). */
export function hasRedirectUri(client: Readonly<LocalTenantClient>, uri: string): boolean {
  return client.redirectUris.some((registered) => redirectUriMatches(registered, uri));
}

export function secretMatches(client: Readonly<LocalTenantClient>, presented: string): boolean {
  if (client.clientSecret === undefined) return false;
  return timingSafeEqual(digest(client.clientSecret), digest(presented));
}
