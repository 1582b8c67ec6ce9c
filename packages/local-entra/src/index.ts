/**
 * Local test tenant: a stand-in for Microsoft Entra ID (v2.0 endpoints) plus a stand-in for
 * Microsoft Graph's /v1.0/me and /v1.0/me/photo(/$value), for tests, the local dev mode and
 * benchmarks. Local test tenant — not Microsoft Entra ID. Never used in production:
 * startLocalTenant throws when NODE_ENV=production.
 *
 * Guarantees: it enforces what Entra enforces (exact redirect URIs, one-time codes bound to client,
 * redirect URI and PKCE, client secrets and certificate assertions, refresh-token expiry and
 * revocation, scopes) and answers in Entra's and Graph's shapes (AADSTS codes, suberror,
 * client_info, v1 Graph access tokens), over HTTPS only, on loopback only, with a fresh self-signed
 * certificate and signing key per start. All state lives in the object startLocalTenant returns;
 * nothing is module-level.
 *
 * Why not oidc-provider or oauth2-mock-server: Entra's path layout (`/{tenant}/oauth2/v2.0/*`,
 * `/{tenant}/discovery/v2.0/keys`, issuer `{instance}{tenant}/v2.0`), its AADSTS error shapes with
 * `error_codes`, trace/correlation ids and `suberror`, the `client_info` response field and v1 Graph
 * access tokens (`iss https://sts.windows.net/{tid}/`, `scp`) would mean overriding most of
 * oidc-provider; oauth2-mock-server accepts replayed codes, missing PKCE verifiers, wrong redirect
 * URIs and unknown refresh tokens and cannot change its error shapes (see MSAL-NOTES.md). One small
 * file per step is easier to audit than a configured framework.
 *
 * Test switches (all off by default): `faults.token` / `faults.graph` / `faults.idToken` (see
 * types.ts; `times` makes a fault clear itself) and `strictRefreshTokenReuse`. Protocol features
 * made real: the `claims` parameter (CP1 client capability → `xms_cc`; a Graph CAE claims challenge
 * is answered only by tokens issued for a request carrying its claims — see graph.ts for the rule).
 * Marker values for leak searches: codes start with CODE_PREFIX, refresh tokens with
 * REFRESH_TOKEN_PREFIX (both `1.A…` text of Entra's size, see grants.ts), and every JWT has a `kid`
 * header and a `uti` claim (and starts with "eyJ"). Time: `now` (LocalTenantOptions) is the
 * tenant's one clock.
 *
 * Files: types (public types) · certificate · keys · users · clients · scopes · claims · errors
 * (AADSTS catalogue and shapes) · html/pages/loginPage · params · tenant · faults (test switches) ·
 * transactions/grants/sso (stores) · discovery · authorize · signIn/flowForm · authorizationResponse ·
 * clientAuth · clientAssertion/clientAssertionKey/clientCredentials/assertionReplay (certificate
 * credentials, private_key_jwt) · federatedAssertion/federatedCredentials/federatedIssuer (workload
 * identity federation, expiring secrets, app roles) · clientCertificates (test certificates and CAs) · codeGrant ·
 * refreshGrant · tokenScopes · tokenIssuer/tokenClaims/graphAccessToken · token · logout/frontChannelLogout ·
 * graph/graphAuth/graphProfile/graphPhoto/graphErrors · png/photos (profile photos) · identityProvider
 * (routes) · servers · index. Two tenants: tenantIds/directory (Contoso + Fabrikam, members, the
 * B2B guest, where a sign-in lands) · clientTenancy (single/multi-tenant apps, admin consent) ·
 * consent/consentPage/consentStore (incremental consent) · graphCalendar/calendarEvents
 * (/v1.0/me/calendarView).
 *
 * Two tenants: the primary ("Contoso", `tenantId`, users TEST_USERS) and "Fabrikam"
 * (SECOND_TENANT_ID, SECOND_TENANT_USERS, guest SECOND_TENANT_GUEST = Contoso's Alex Wilber).
 * `/{tenant}/…` takes either id, `common` or `organizations`; tokens are issued by the tenant signed
 * in to; Graph accepts both tenants' tokens. Consent: a Graph scope neither the user nor the app's
 * admin consent (`adminConsentedScopes`, default User.Read) covers shows the consent page.
 */
import { AssertionReplayStore } from "./assertionReplay.js";
import { createCertificate } from "./certificate.js";
import { ClientRegistry } from "./clients.js";
import type { TenantContext, TenantSettings } from "./context.js";
import { v1Issuer } from "./context.js";
import { createFaultSwitches } from "./faults.js";
import { createGraphApp } from "./graph.js";
import { GrantStore } from "./grants.js";
import { isGuid } from "./ids.js";
import { createIdentityProviderApp } from "./identityProvider.js";
import { createSigningKey } from "./keys.js";
import { createUserPhotos } from "./photos.js";
import { listenHttps } from "./servers.js";
import type { RunningServer } from "./servers.js";
import { SsoStore } from "./sso.js";
import { TransactionStore } from "./transactions.js";
import type { LocalTenant, LocalTenantCounters, LocalTenantOptions } from "./types.js";
import { inTenant, TEST_USERS } from "./users.js";
import { ConsentStore } from "./consentStore.js";
import { Directory } from "./directory.js";
import { DEFAULT_TENANT_ID } from "./tenantIds.js";

export type {
  GraphClaimsChallengeFault,
  GraphFault,
  GraphHugeBodyFault,
  GraphStatusFault,
  HangFault,
  IdTokenFault,
  LocalTenant,
  LocalTenantAppRole,
  LocalTenantClient,
  LocalTenantClientSecret,
  LocalTenantCounters,
  LocalTenantFederatedCredential,
  LocalTenantFaults,
  LocalTenantGrantType,
  LocalTenantOptions,
  LocalTenantTrustedCertificateSubject,
  TenantSigningKey,
  TokenFault,
  TokenHangFault,
  TokenStatusFault,
} from "./types.js";
export type { LocalTenantUser } from "./users.js";
export { CODE_PREFIX, REFRESH_TOKEN_PREFIX } from "./grants.js";
export { createSigningKey as createTenantSigningKey } from "./keys.js";
export { CAE_ANSWER_CLAIM } from "./claims.js";
export { createCertificateAuthority, createClientCertificate } from "./clientCertificates.js";
export { createFederatedIssuer } from "./federatedIssuer.js";
export type { LocalFederatedIssuer } from "./federatedIssuer.js";
export type {
  ClientCertificateOptions,
  LocalCertificateAuthority,
  LocalClientCertificate,
} from "./clientCertificates.js";

export { DEFAULT_TENANT_ID, SECOND_TENANT_ID } from "./tenantIds.js";
export { SECOND_TENANT_GUEST, SECOND_TENANT_GUEST_OID, SECOND_TENANT_USERS, TEST_USERS } from "./users.js";
export type { LocalTenantDirectoryInfo } from "./types.js";

const LOOPBACK_HOSTS: ReadonlyMap<string, string> = new Map<string, string>([
  ["127.0.0.1", "127.0.0.1"],
  ["::1", "[::1]"],
  ["localhost", "localhost"],
]);

function zeroCounters(): LocalTenantCounters {
  return {
    discovery: 0,
    authorize: 0,
    tokenAuthorizationCode: 0,
    tokenRefresh: 0,
    tokenErrors: 0,
    jwks: 0,
    logout: 0,
    graphMe: 0,
    graphErrors: 0,
    graphPhoto: 0,
    graphCalendar: 0,
  };
}

function checkPort(name: string, value: number | undefined): number {
  const port = value ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${name} must be an integer 0..65535`);
  return port;
}

function checkLifetime(name: string, value: number | undefined, fallback: number): number;
function checkLifetime(name: string, value: number | undefined, fallback?: number): number | undefined;
function checkLifetime(name: string, value: number | undefined, fallback?: number): number | undefined {
  const seconds = value ?? fallback;
  if (seconds === undefined) return undefined;
  if (!Number.isInteger(seconds) || seconds <= 0) throw new Error(`${name} must be a positive integer`);
  return seconds;
}

function checkClock(now: unknown): () => number {
  if (now === undefined) return Date.now;
  if (typeof now !== "function") throw new Error("now must be a function returning epoch milliseconds");
  return now as () => number;
}

export async function startLocalTenant(options: LocalTenantOptions = {}): Promise<LocalTenant> {
  if (process.env.NODE_ENV === "production") {
    throw new Error("startLocalTenant refuses to run with NODE_ENV=production: it is a local test tenant.");
  }
  const host = options.host ?? "127.0.0.1";
  const urlHost = LOOPBACK_HOSTS.get(host);
  if (urlHost === undefined) {
    throw new Error(
      `The local tenant listens on loopback only ("127.0.0.1", "::1", "localhost"), not '${host}'.`,
    );
  }
  const port = checkPort("port", options.port);
  const graphPort = checkPort("graphPort", options.graphPort);
  const tenantId = (options.tenantId ?? DEFAULT_TENANT_ID).toLowerCase();
  if (!isGuid(tenantId)) throw new Error("tenantId must be a GUID");
  const accessTokenLifetimeSeconds = checkLifetime(
    "accessTokenLifetimeSeconds",
    options.accessTokenLifetimeSeconds,
  );
  const refreshTokenLifetimeSeconds = checkLifetime(
    "refreshTokenLifetimeSeconds",
    options.refreshTokenLifetimeSeconds,
    86400,
  );
  const log = options.log ?? ((): void => undefined);
  const now = checkClock(options.now);
  const primaryUsers = inTenant(TEST_USERS, tenantId);
  const directory = new Directory(tenantId, primaryUsers);
  const clients = new ClientRegistry();
  for (const client of options.clients ?? []) clients.register(client);

  const [tls, signingKey] = await Promise.all([
    createCertificate(),
    options.signingKey ?? createSigningKey(now()),
  ]);
  const idpServer = await listenHttps(tls, host, port);
  let graphServer: RunningServer;
  try {
    graphServer = await listenHttps(tls, host, graphPort);
  } catch (error) {
    await idpServer.close();
    throw error;
  }

  const origin = `https://${urlHost}:${idpServer.port}`;
  const graphOrigin = `https://${urlHost}:${graphServer.port}`;
  const counters = zeroCounters();
  const switches = createFaultSwitches(now);
  const settings: TenantSettings = {
    strictRefreshTokenReuse: options.strictRefreshTokenReuse === true,
    strictClientAssertionReplay: options.strictClientAssertionReplay === true,
  };
  const grants = new GrantStore(refreshTokenLifetimeSeconds);
  const sso = new SsoStore();
  const ctx: TenantContext = {
    tenantId,
    origin,
    cloudInstance: `${origin}/`,
    issuer: `${origin}/${tenantId}/v2.0`,
    accessTokenIssuer: v1Issuer(tenantId),
    graphOrigin,
    accessTokenLifetimeSeconds,
    refreshTokenLifetimeSeconds,
    now,
    signingKey,
    clients,
    assertionReplay: new AssertionReplayStore(),
    users: primaryUsers,
    directory,
    consents: new ConsentStore(),
    photos: createUserPhotos(primaryUsers),
    transactions: new TransactionStore(),
    grants,
    sso,
    counters,
    faults: switches.faults,
    switches,
    settings,
    log,
  };
  idpServer.handle(createIdentityProviderApp(ctx));
  graphServer.handle(createGraphApp(ctx));
  log(`local tenant ${tenantId}: identity provider ${origin}/, Graph ${graphOrigin}/`);

  return {
    cloudInstance: `${origin}/`,
    tenantId,
    authority: `${origin}/${tenantId}`,
    authorityHost: `${urlHost}:${idpServer.port}`,
    graphEndpoint: `${graphOrigin}/`,
    caCertificatePem: tls.certPem,
    spkiSha256Base64: tls.spkiSha256Base64,
    users: primaryUsers,
    tenants: directory.tenants.map((entry) =>
      Object.freeze({ ...entry, authority: `${origin}/${entry.tenantId}` }),
    ),
    registerClient: (client) => clients.register(client),
    updateClient: (clientId, changes) => clients.update(clientId, changes),
    counters,
    resetCounters: () => Object.assign(counters, zeroCounters()),
    faults: switches.faults,
    get strictRefreshTokenReuse(): boolean {
      return settings.strictRefreshTokenReuse;
    },
    set strictRefreshTokenReuse(value: boolean) {
      settings.strictRefreshTokenReuse = value === true;
    },
    get strictClientAssertionReplay(): boolean {
      return settings.strictClientAssertionReplay;
    },
    set strictClientAssertionReplay(value: boolean) {
      settings.strictClientAssertionReplay = value === true;
    },
    revokeRefreshTokens: (userOid?: string) => {
      const oid = userOid?.toLowerCase();
      grants.revokeRefreshTokens(oid, now());
      sso.deleteForUser(oid);
      log(`revoked refresh tokens and SSO sessions of ${oid ?? "all users"}`);
    },
    close: async () => {
      await Promise.all([idpServer.close(), graphServer.close()]);
    },
  };
}
