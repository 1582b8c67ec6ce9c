/**
 * Random identifiers and Entra's timestamp format.
 *
 * Guarantees: every secret value (codes, refresh tokens, transaction and session ids) comes from
 * node:crypto with at least 256 bits of entropy; GUIDs are v4.
 */
import { createHash, randomBytes, randomInt, randomUUID } from "node:crypto";

export function newGuid(): string {
  return randomUUID();
}

/** An unguessable opaque string (base64url of `bytes` random bytes). */
export function newOpaqueToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** An unguessable base64url string of exactly `length` characters (6 random bits each). */
export function newOpaqueTokenOfLength(length: number): string {
  return randomBytes(Math.ceil((length * 3) / 4))
    .toString("base64url")
    .slice(0, length);
}

/** A uniformly random integer in [min, max] (both included). */
export function randomBetween(min: number, max: number): number {
  return randomInt(min, max + 1);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/** Entra writes timestamps as "2024-05-09 08:47:11Z". */
export function entraTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

/** Graph's innerError date: "2024-05-09T08:47:11". */
export function graphDate(date: Date): string {
  return date.toISOString().slice(0, 19);
}

export function sha256Base64Url(value: string): string {
  return createHash("sha256").update(value).digest("base64url");
}
