/**
 * The app registrations (confidential clients) of the tenant.
 *
 * Guarantees: redirect and post-logout URIs are matched by exact string comparison (never prefix,
 * never case-folded), like Entra; only absolute URIs without fragments are registrable, and plain
 * http only on loopback hosts (Entra's rule) — the front-channel logout URL too. Secrets are compared in constant time (both sides are
 * hashed to equal length first); a registration without a secret matches no secret. Every
 * registration holds at least one credential (secret, certificate or trusted certificate subject);
 * certificates are parsed at registration (see clientCredentials.ts). Registered data is copied and
 * frozen, so later mutation by the caller changes nothing.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { tenancyOptions } from "./clientTenancy.js";
import { parseClientCredentials } from "./clientCredentials.js";
import type { ClientCredentials } from "./clientCredentials.js";
import type { LocalTenantClient } from "./types.js";

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

function assertRegistrableUri(uri: string, what: string): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new Error(`${what} '${uri}' is not an absolute URI`);
  }
  if (url.hash !== "" || uri.includes("#")) throw new Error(`${what} '${uri}' must not contain a fragment`);
  const secure = url.protocol === "https:";
  const loopbackHttp = url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname);
  if (!secure && !loopbackHttp)
    throw new Error(`${what} '${uri}' must use https (http only for loopback hosts)`);
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
    for (const uri of client.redirectUris) assertRegistrableUri(uri, "redirect URI");
    for (const uri of client.postLogoutRedirectUris) assertRegistrableUri(uri, "post-logout redirect URI");
    if (client.frontChannelLogoutUrl !== undefined) {
      assertRegistrableUri(client.frontChannelLogoutUrl, "front-channel logout URL");
    }
    const registered: LocalTenantClient = {
      clientId: client.clientId,
      redirectUris: Object.freeze([...client.redirectUris]) as string[],
      postLogoutRedirectUris: Object.freeze([...client.postLogoutRedirectUris]) as string[],
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

export function hasRedirectUri(client: Readonly<LocalTenantClient>, uri: string): boolean {
  return client.redirectUris.includes(uri);
}

export function hasPostLogoutRedirectUri(client: Readonly<LocalTenantClient>, uri: string): boolean {
  return client.postLogoutRedirectUris.includes(uri);
}

export function secretMatches(client: Readonly<LocalTenantClient>, presented: string): boolean {
  if (client.clientSecret === undefined) return false;
  return timingSafeEqual(digest(client.clientSecret), digest(presented));
}
