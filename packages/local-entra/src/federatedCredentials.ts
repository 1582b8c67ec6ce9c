/**
 * The newer parts of an app registration, checked and copied when the client is registered:
 * federated identity credentials, extra (expiring) client secrets and app-role assignments.
 *
 * Guarantees: a federated credential has a non-empty `issuer` and `subject` (kept exactly as given:
 * Entra compares both case-sensitively), `audiences` (default ["api://AzureADTokenExchange"], at
 * least one, non-empty strings) and a JWKS of public RSA keys, each with a `kid` unique within it,
 * parsed here with node:crypto (a private key, a key without `kid` or a non-RSA key throws at
 * registration, not at the first token request); the issuer + subject pair is unique on the
 * registration, as Entra requires; at most 20 credentials, Entra's limit per application. A secret
 * has a non-empty `value` and an optional finite `expiresAtMs`. An app role has a non-empty `value`
 * (unique on the registration) and member oids that are GUIDs (kept lower-case). Everything
 * returned is frozen.
 */
import { createPublicKey } from "node:crypto";
import type { JsonWebKey, KeyObject } from "node:crypto";
import type { JWK } from "jose";
import { isGuid } from "./ids.js";
import type { LocalTenantAppRole, LocalTenantClientSecret, LocalTenantFederatedCredential } from "./types.js";

export const DEFAULT_FEDERATED_AUDIENCE = "api://AzureADTokenExchange";
const MAX_FEDERATED_CREDENTIALS = 20;

export interface ParsedFederatedCredential {
  /** The frozen copy kept on the registration. */
  registered: LocalTenantFederatedCredential;
  issuer: string;
  subject: string;
  audiences: readonly string[];
  /** Public keys by `kid`. */
  keys: ReadonlyMap<string, KeyObject>;
}

function nonEmpty(value: unknown, what: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new Error(`${what} must be a non-empty string`);
  return value;
}

function parseKeys(jwks: unknown, what: string): Map<string, KeyObject> {
  const keys = (jwks as { keys?: unknown } | null | undefined)?.keys;
  if (!Array.isArray(keys) || keys.length === 0)
    throw new Error(`${what}.jwks.keys must be a non-empty array`);
  const parsed = new Map<string, KeyObject>();
  keys.forEach((jwk: unknown, i) => {
    const where = `${what}.jwks.keys[${i}]`;
    if (typeof jwk !== "object" || jwk === null) throw new Error(`${where} must be a JWK`);
    const { kid, kty, d } = jwk as JWK;
    const id = nonEmpty(kid, `${where}.kid`);
    if (kty !== "RSA") throw new Error(`${where} must be an RSA key (federated tokens are RS256)`);
    if (d !== undefined) throw new Error(`${where} is a private key; register the public key only`);
    if (parsed.has(id)) throw new Error(`${where}.kid '${id}' appears twice`);
    try {
      parsed.set(id, createPublicKey({ key: jwk as JsonWebKey, format: "jwk" }));
    } catch {
      throw new Error(`${where} is not a valid RSA public JWK`);
    }
  });
  return parsed;
}

export function parseFederatedCredentials(
  credentials: readonly LocalTenantFederatedCredential[] | undefined,
): ParsedFederatedCredential[] {
  if (credentials === undefined) return [];
  if (!Array.isArray(credentials)) throw new Error("federatedCredentials must be an array");
  if (credentials.length > MAX_FEDERATED_CREDENTIALS) {
    throw new Error(
      `federatedCredentials: at most ${MAX_FEDERATED_CREDENTIALS} per application, as at Entra`,
    );
  }
  const seen = new Set<string>();
  return credentials.map((credential: LocalTenantFederatedCredential, i: number) => {
    const what = `federatedCredentials[${i}]`;
    const issuer = nonEmpty(credential.issuer, `${what}.issuer`);
    const subject = nonEmpty(credential.subject, `${what}.subject`);
    const pair = JSON.stringify([issuer, subject]);
    if (seen.has(pair))
      throw new Error(`${what}: the issuer and subject pair must be unique on the application`);
    seen.add(pair);
    const audiences = credential.audiences ?? [DEFAULT_FEDERATED_AUDIENCE];
    if (!Array.isArray(audiences) || audiences.length === 0) {
      throw new Error(`${what}.audiences must be a non-empty array when given`);
    }
    audiences.forEach((audience, j) => nonEmpty(audience, `${what}.audiences[${j}]`));
    const keys = parseKeys(credential.jwks, what);
    const frozenAudiences = Object.freeze([...audiences]);
    const registered: LocalTenantFederatedCredential = Object.freeze({
      issuer,
      subject,
      audiences: frozenAudiences as string[],
      jwks: Object.freeze({
        keys: Object.freeze(credential.jwks.keys.map((key: JWK) => Object.freeze({ ...key }))) as JWK[],
      }),
    });
    return Object.freeze({ registered, issuer, subject, audiences: frozenAudiences, keys });
  });
}

export function checkClientSecrets(
  secrets: readonly LocalTenantClientSecret[] | undefined,
): LocalTenantClientSecret[] {
  if (secrets === undefined) return [];
  if (!Array.isArray(secrets)) throw new Error("clientSecrets must be an array");
  return Object.freeze(
    secrets.map((secret: LocalTenantClientSecret, i: number) => {
      const value = nonEmpty(secret.value, `clientSecrets[${i}].value`);
      if (secret.expiresAtMs === undefined) return Object.freeze({ value });
      if (typeof secret.expiresAtMs !== "number" || !Number.isFinite(secret.expiresAtMs)) {
        throw new Error(`clientSecrets[${i}].expiresAtMs must be epoch milliseconds`);
      }
      return Object.freeze({ value, expiresAtMs: secret.expiresAtMs });
    }),
  ) as LocalTenantClientSecret[];
}

export function checkAppRoles(roles: readonly LocalTenantAppRole[] | undefined): LocalTenantAppRole[] {
  if (roles === undefined) return [];
  if (!Array.isArray(roles)) throw new Error("appRoles must be an array");
  const values = new Set<string>();
  return Object.freeze(
    roles.map((role: LocalTenantAppRole, i: number) => {
      const value = nonEmpty(role.value, `appRoles[${i}].value`);
      if (/\s/.test(value)) throw new Error(`appRoles[${i}].value must not contain spaces, as at Entra`);
      if (values.has(value)) throw new Error(`appRoles[${i}].value '${value}' appears twice`);
      values.add(value);
      if (!Array.isArray(role.memberOids)) throw new Error(`appRoles[${i}].memberOids must be an array`);
      const memberOids = role.memberOids.map((oid: unknown, j: number) => {
        if (typeof oid !== "string" || !isGuid(oid)) {
          throw new Error(`appRoles[${i}].memberOids[${j}] must be a user's object id (GUID)`);
        }
        return oid.toLowerCase();
      });
      return Object.freeze({ value, memberOids: Object.freeze(memberOids) as string[] });
    }),
  ) as LocalTenantAppRole[];
}

/** The values of the client's app roles assigned to the user object `oid`, in registration order. */
export function assignedRoles(roles: readonly LocalTenantAppRole[] | undefined, oid: string): string[] {
  const wanted = oid.toLowerCase();
  return (roles ?? []).filter((role) => role.memberOids.includes(wanted)).map((role) => role.value);
}
