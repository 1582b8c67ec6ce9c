/**
 * The app registrations (confidential clients) of the tenant.
 *
 * Guarantees: a registration holds redirect URIs only — as in a v2 registration there is no
 * separate post-logout list: a post_logout_redirect_uri must be one of them (a caller still passing
 * `postLogoutRedirectUris` is told so). Redirect URIs, and the front-channel logout URL, must be
 * registrable and are matched as redirectUris.ts says (exact, bar the port of http loopback URIs).
 * The tenancy options are checked (signInAudience one of AzureADMyOrg/AzureADMultipleOrgs,
 * homeTenantId a GUID, adminConsentedScopes known Graph scopes; see clientTenancy.ts for what they
 * mean). Secrets (`clientSecret` and every `clientSecrets` entry) are compared in constant time
 * (both sides are hashed to equal length first); a presented secret equal to an expired entry is
 * "expired" (AADSTS7000222), one equal to none is "wrong" (AADSTS7000215). Every registration holds
 * at least one credential (secret, certificate, trusted certificate subject or federated
 * credential); certificates and federated credentials are parsed at registration (see
 * clientCredentials.ts, federatedCredentials.ts). Registered data is copied and frozen, so later
 * mutation by the caller changes nothing. `update` replaces named fields of a registration
 * atomically: the merged registration is validated as a whole before it replaces the old one.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { parseClientCredentials } from "./clientCredentials.js";
import type { ClientCredentials } from "./clientCredentials.js";
import { checkAppRoles, checkClientSecrets, parseFederatedCredentials } from "./federatedCredentials.js";
import type { ParsedFederatedCredential } from "./federatedCredentials.js";
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
  readonly #federated = new Map<string, readonly ParsedFederatedCredential[]>();

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
    const secrets = checkClientSecrets(client.clientSecrets);
    const federated = parseFederatedCredentials(client.federatedCredentials);
    const appRoles = checkAppRoles(client.appRoles);
    if (
      client.clientSecret === undefined &&
      secrets.length === 0 &&
      credentials.certificates.length === 0 &&
      credentials.trustedSubjects.length === 0 &&
      federated.length === 0
    ) {
      throw new Error(
        "a client needs a credential: clientSecret, clientSecrets, certificates, trustedCertificateSubjects or federatedCredentials",
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
    if (client.clientSecrets !== undefined) registered.clientSecrets = secrets;
    if (client.federatedCredentials !== undefined) {
      registered.federatedCredentials = federated.map((entry) => entry.registered);
    }
    if (client.appRoles !== undefined) registered.appRoles = appRoles;
    const key = client.clientId.toLowerCase();
    this.#clients.set(key, Object.freeze(registered));
    this.#credentials.set(key, credentials);
    this.#federated.set(key, Object.freeze(federated));
  }

  /**
   * Replaces the named fields of a registered client (`undefined` removes a field); the result is
   * validated like a new registration and replaces the old one only when valid.
   */
  update(clientId: string, changes: Partial<Omit<LocalTenantClient, "clientId">>): void {
    const current = typeof clientId === "string" ? this.get(clientId) : undefined;
    if (current === undefined) throw new Error(`updateClient: no client '${String(clientId)}' is registered`);
    if (typeof changes !== "object" || changes === null)
      throw new Error("updateClient: changes must be an object");
    if ("clientId" in changes) throw new Error("updateClient: clientId cannot be changed");
    const merged: Record<string, unknown> = { ...current, ...changes, clientId: current.clientId };
    for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
    this.register(merged as unknown as LocalTenantClient);
  }

  /** The parsed federated identity credentials of a registered client. */
  federatedCredentials(clientId: string): readonly ParsedFederatedCredential[] {
    return this.#federated.get(clientId.toLowerCase()) ?? [];
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

/**
 * "valid": equal to `clientSecret` or to an unexpired `clientSecrets` entry; "expired": equal only to
 * an expired entry (its `expiresAtMs` is at or before `nowMs`); "wrong": equal to none.
 */
export function checkSecret(
  client: Readonly<LocalTenantClient>,
  presented: string,
  nowMs: number,
): "valid" | "expired" | "wrong" {
  const presentedDigest = digest(presented);
  const equal = (value: string): boolean => timingSafeEqual(digest(value), presentedDigest);
  let expired = false;
  let valid = client.clientSecret !== undefined && equal(client.clientSecret);
  for (const secret of client.clientSecrets ?? []) {
    if (!equal(secret.value)) continue;
    if (secret.expiresAtMs !== undefined && secret.expiresAtMs <= nowMs) expired = true;
    else valid = true;
  }
  if (valid) return "valid";
  return expired ? "expired" : "wrong";
}
