/** What checking a client assertion (certificate or federated) decides: the client, or Entra's error. */
import type { EntraError } from "./errors.js";
import type { LocalTenantClient } from "./types.js";

export type AssertionAuthResult =
  { ok: true; client: Readonly<LocalTenantClient> } | { ok: false; error: EntraError };
