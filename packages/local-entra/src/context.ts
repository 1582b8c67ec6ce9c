/**
 * Everything one running local tenant knows, built once by startLocalTenant.
 *
 * Guarantees: there is no module-level mutable state in this folder; every handler reads and
 * writes only the context object it was built with, so several tenants can run side by side.
 */
import type { AssertionReplayStore } from "./assertionReplay.js";
import type { ClientRegistry } from "./clients.js";
import type { ConsentStore } from "./consentStore.js";
import type { Directory } from "./directory.js";
import type { FaultSwitches } from "./faults.js";
import type { GrantStore } from "./grants.js";
import type { SigningKey } from "./keys.js";
import type { UserPhoto } from "./photos.js";
import type { SsoStore } from "./sso.js";
import type { TransactionStore } from "./transactions.js";
import type { LocalTenantCounters, LocalTenantFaults } from "./types.js";
import type { LocalTenantUser } from "./users.js";

/** Behaviour switches that are not faults (mutable through the LocalTenant object). */
export interface TenantSettings {
  strictRefreshTokenReuse: boolean;
  strictClientAssertionReplay: boolean;
}

export interface TenantContext {
  readonly tenantId: string;
  /** "https://127.0.0.1:PORT" — no trailing slash. */
  readonly origin: string;
  /** origin + "/" */
  readonly cloudInstance: string;
  /** v2.0 id token issuer: `{cloudInstance}{tenant}/v2.0` */
  readonly issuer: string;
  /** v1 access token issuer: `https://sts.windows.net/{tenant}/` */
  readonly accessTokenIssuer: string;
  /** "https://127.0.0.1:GRAPHPORT" — no trailing slash. */
  readonly graphOrigin: string;
  /** Fixed by the option; undefined: random per token in Entra's 60–90 minutes (tokenIssuer.ts). */
  readonly accessTokenLifetimeSeconds: number | undefined;
  readonly refreshTokenLifetimeSeconds: number;
  /** The tenant's clock, epoch ms (LocalTenantOptions.now): every time the stand-in reads. */
  readonly now: () => number;
  readonly signingKey: SigningKey;
  readonly clients: ClientRegistry;
  /** Client-assertion jtis already accepted (one-time use). */
  readonly assertionReplay: AssertionReplayStore;
  /** The primary tenant's members (TEST_USERS, bound to `tenantId`). */
  readonly users: readonly LocalTenantUser[];
  /** Both tenants, their members and guests (`tenantId`/`issuer`/`users` above are the primary's). */
  readonly directory: Directory;
  /** Sign-ins waiting on the consent page. */
  readonly consents: ConsentStore;
  /** oid → profile photo, for the users with `hasPhoto` (built once per start). */
  readonly photos: ReadonlyMap<string, UserPhoto>;
  readonly transactions: TransactionStore;
  readonly grants: GrantStore;
  readonly sso: SsoStore;
  readonly counters: LocalTenantCounters;
  /** The same object as `switches.faults`. */
  readonly faults: LocalTenantFaults;
  readonly switches: FaultSwitches;
  readonly settings: TenantSettings;
  readonly log: (message: string) => void;
}

// Defined in wellKnown.ts, which imports nothing: a module this file refers to (the directory, the
// client registry, the stores) must import them from there, never from here, or it makes a cycle.
export { GRAPH_APP_ID, GRAPH_AUDIENCE, v1Issuer, v2Issuer } from "./wellKnown.js";
