/**
 * Claim values shared by ID tokens, Graph access tokens and token responses.
 *
 * Guarantees: `sub` is pairwise (a stable hash of oid and audience, 43 base64url characters, never
 * the oid); `aio` and `rh` are random and shaped like Entra's (aio standard base64 of ~100
 * characters; rh `1.A…` base64url naming tenant and resource, ending in "."); client_info is
 * base64url({"uid","utid"}) of the HOME account (MSAL's homeAccountId "uid.utid"); the sign-in name
 * of a guest is the home account's UPN.
 */
import { randomBytes } from "node:crypto";
import type { TenantContext } from "./context.js";
import { sha256Base64Url } from "./ids.js";
import type { LocalTenantUser } from "./users.js";

export function clientInfo(oid: string, tenantId: string): string {
  return Buffer.from(JSON.stringify({ uid: oid, utid: tenantId }), "utf8").toString("base64url");
}

/** Entra's `sub` is pairwise: the same user has a different, stable sub per application. */
export function pairwiseSub(oid: string, audience: string): string {
  return sha256Base64Url(`${oid.toLowerCase()}|${audience.toLowerCase()}`);
}

/** The name the user signs in with: a guest's home UPN, else the UPN. */
export function signInName(ctx: TenantContext, user: LocalTenantUser): string {
  if (user.userType !== "Guest") return user.userPrincipalName;
  return ctx.directory.findAccount(user.homeOid)?.userPrincipalName ?? user.userPrincipalName;
}

/** Entra's opaque `aio`: a short fixed-looking head, then standard base64. */
export function aioClaim(head: string, randomByteCount: number): string {
  return `${head}${randomBytes(randomByteCount).toString("base64")}`;
}

/** A GUID's bytes in Microsoft's order (the first three fields little-endian), as Entra encodes them. */
function guidBytes(guid: string): Buffer {
  const hex = guid.replaceAll("-", "");
  const bytes = Buffer.from(/^[0-9a-f]{32}$/i.test(hex) ? hex : "0".repeat(32), "hex");
  bytes.subarray(0, 4).reverse();
  bytes.subarray(4, 6).reverse();
  bytes.subarray(6, 8).reverse();
  return bytes;
}

/** Entra's opaque `rh`: "1.A", then base64url naming tenant and resource, then ".". */
export function rhClaim(tenantId: string, resourceId: string): string {
  const body = Buffer.concat([randomBytes(2), guidBytes(tenantId), guidBytes(resourceId), randomBytes(3)]);
  return `1.A${body.toString("base64url")}.`;
}
