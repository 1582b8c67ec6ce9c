/**
 * Public types of the local tenant (re-exported by index.ts).
 *
 * Guarantees: these are the only shapes callers depend on; everything else in this folder is internal.
 */
import type { JWK } from "jose";
import type { SigningKey } from "./keys.js";
import type { LocalTenantUser } from "./users.js";

/** Subject name + issuer ("SNI") trust: the assertion's `x5c` leaf has this subject and this issuer. */
export interface LocalTenantTrustedCertificateSubject {
  /** Distinguished name, e.g. "CN=app.example, O=Contoso" (attribute types case-insensitive). */
  subject: string;
  /** The CA certificate (PEM) that must have signed the leaf. */
  issuerCertificatePem: string;
}

/** A federated identity credential on an app registration (workload identity federation). */
export interface LocalTenantFederatedCredential {
  /** The external issuer: the `iss` of the platform's tokens, compared exactly, as at Entra. */
  issuer: string;
  /** The `sub` the platform's token must carry, compared exactly. */
  subject: string;
  /** Default ["api://AzureADTokenExchange"]. */
  audiences?: string[];
  /** The issuer's public signing keys (what Entra fetches from the issuer's jwks_uri). */
  jwks: { keys: JWK[] };
}

/** A client secret with an optional end of validity (epoch ms, on the tenant's clock). */
export interface LocalTenantClientSecret {
  value: string;
  expiresAtMs?: number;
}

/** An app role of a registration and the users (oids in the token's tenant) assigned to it. */
export interface LocalTenantAppRole {
  value: string;
  memberOids: string[];
}

/**
 * An app registration. At least one credential: a secret (clientSecret or clientSecrets), a
 * certificate, a trusted subject or a federated credential.
 */
export interface LocalTenantClient {
  clientId: string;
  /** Omit for a certificate-only registration (a secret sent to it is then a wrong secret). */
  clientSecret?: string;
  /** Secrets beyond clientSecret, e.g. during rotation; an expired one answers AADSTS7000222. */
  clientSecrets?: LocalTenantClientSecret[];
  /**
   * Federated identity credentials: a client assertion whose `iss` is not the client id is checked
   * against these (issuer, subject, audience, signature by the credential's JWKS, time).
   */
  federatedCredentials?: LocalTenantFederatedCredential[];
  /**
   * App roles of the registration and the users (oids) assigned to each: ID tokens of such a user
   * carry `roles` (the values, in this order); no `roles` claim otherwise.
   */
  appRoles?: LocalTenantAppRole[];
  /** Uploaded certificates (PEM, RSA), matched by the assertion's `x5t#S256` or `x5t` thumbprint. */
  certificates?: string[];
  trustedCertificateSubjects?: LocalTenantTrustedCertificateSubject[];
  /**
   * Compared by exact string match, like Entra, bar the port of `http://localhost` and
   * `http://127.0.0.1` URIs (Entra ignores it). As in a v2 registration there is no separate
   * post-logout list: a sign-out's post_logout_redirect_uri must be one of these too.
   */
  redirectUris: string[];
  /**
   * The registration's "Front-channel logout URL" (same rules as a redirect URI: absolute, no
   * fragment, https or http on a loopback host). When a browser signs out at the logout endpoint,
   * the sign-out page loads it in a hidden iframe as `GET <url>?sid=<sid>` (no `iss`, as at Entra)
   * for every other app signed in through that browser's SSO session; `sid` is the `sid` claim of
   * the ID tokens issued through that session.
   */
  frontChannelLogoutUrl?: string;
  /**
   * Default "AzureADMyOrg": usable only in `homeTenantId` (anywhere else → AADSTS700016, as at
   * Entra). "AzureADMultipleOrgs": usable in both tenants.
   */
  signInAudience?: "AzureADMyOrg" | "AzureADMultipleOrgs";
  /** The tenant the app is registered in. Default: the primary tenant (LocalTenant.tenantId). */
  homeTenantId?: string;
  /**
   * Graph scopes a tenant admin consented to for every user (in every tenant the app is used in):
   * asking only for these shows no consent page. Default ["User.Read"].
   */
  adminConsentedScopes?: string[];
}

/** One tenant of the running stand-in. */
export interface LocalTenantDirectoryInfo {
  tenantId: string;
  displayName: string;
  /** "contoso.test" / "fabrikam.test" */
  domain: string;
  /** cloudInstance + tenantId */
  authority: string;
  members: readonly LocalTenantUser[];
  /** Guest user objects of this tenant (own oid, `#EXT#` UPN, userType "Guest"). */
  guests: readonly LocalTenantUser[];
}

export interface LocalTenantOptions {
  /** Default "127.0.0.1". Only "127.0.0.1", "::1" and "localhost" are accepted. */
  host?: string;
  /** Identity provider port, default 0 (random). */
  port?: number;
  /** Graph stand-in port, default 0 (random). */
  graphPort?: number;
  /** Default: a fixed GUID (DEFAULT_TENANT_ID). */
  tenantId?: string;
  clients?: LocalTenantClient[];
  /**
   * Fixes every access token's lifetime. Default: like Entra, random per token between 60 and 90
   * minutes (3600–5400 s; `expires_in` and `ext_expires_in` say which). MSAL treats tokens as expired
   * 300 s early, so tests use e.g. 305.
   */
  accessTokenLifetimeSeconds?: number;
  /** Default 86400. */
  refreshTokenLifetimeSeconds?: number;
  /** Initial value of LocalTenant.strictRefreshTokenReuse (default false). */
  strictRefreshTokenReuse?: boolean;
  /** Initial value of LocalTenant.strictClientAssertionReplay (default false). */
  strictClientAssertionReplay?: boolean;
  log?: (message: string) => void;
  /**
   * The tenant's clock, epoch milliseconds (default `Date.now`). Everything the stand-in dates or
   * expires reads it: token iat/nbf/exp, code, refresh-token, SSO-session and sign-in-transaction
   * expiry, client-assertion time checks, error timestamps and Graph's token-lifetime check. A test
   * moves it forward to pass an expiry without waiting. Only the TLS certificate (which clients check
   * against their own clock) is dated by the real clock.
   */
  now?: () => number;
  /**
   * The token-signing key (createTenantSigningKey), default a fresh one. Entra keeps a signing key
   * for weeks, so tenants started one after another may share one; generating an RSA key costs
   * about 160 ms of CPU, which a suite starting hundreds of tenants saves this way.
   */
  signingKey?: TenantSigningKey;
}

/** A token-signing key as createTenantSigningKey makes it; only the tenant reads it. */
export type TenantSigningKey = SigningKey;

/**
 * Live counts of requests received (incremented when a request arrives, errors included).
 * `tokenErrors` and `graphErrors` count every error answer (status >= 400), fault answers included
 * (a hang is never answered, so it is not counted there). `graphMe` counts requests to /v1.0/me
 * only; `graphPhoto` counts requests to /v1.0/me/photo and /v1.0/me/photo/$value (any method).
 */
export interface LocalTenantCounters {
  discovery: number;
  authorize: number;
  tokenAuthorizationCode: number;
  tokenRefresh: number;
  tokenErrors: number;
  jwks: number;
  logout: number;
  graphMe: number;
  graphErrors: number;
  graphPhoto: number;
  /** Requests to /v1.0/me/calendarView (any method). */
  graphCalendar: number;
}

export type LocalTenantGrantType = "authorization_code" | "refresh_token";

/** Never answers (the socket stays open until the client gives up or close() runs). */
export interface HangFault {
  hang: true;
  /** Apply to this many requests, then clear the fault (set it back to null). Default: until cleared. */
  times?: number;
}

export interface GraphStatusFault {
  status: number;
  /** A string is sent as-is (lets tests send malformed JSON); anything else is sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Apply to this many requests, then clear the fault. Default: until cleared. */
  times?: number;
}

/**
 * Graph answers 401 with a CAE claims challenge (`error="insufficient_claims"`, `claims=` base64 of
 * `{"access_token":{"nbf":{"essential":true,"value":"<T>"}}}`, T = epoch seconds when the fault was
 * set) to every request whose access token does not answer that challenge. A token answers it only
 * if it was issued by a token request (or the authorize request behind the code) whose `claims`
 * parameter asked for `access_token.nbf` with a value >= T; such tokens carry `lt_cae_nbf`.
 * `times` counts challenged requests only.
 */
export interface GraphClaimsChallengeFault {
  claimsChallenge: true;
  times?: number;
}

/**
 * Graph answers 200 with a valid JSON /me profile padded (in `aboutMe`) to at least this many bytes.
 * On GET /v1.0/me/photo/$value it answers 200 `image/png` instead: a valid PNG (the token's user's
 * photo, else the first test user's with one) padded with a private ancillary chunk to at least this
 * many bytes. The photo metadata path (/v1.0/me/photo) ignores this fault: it is answered normally
 * and does not use up `times`.
 */
export interface GraphHugeBodyFault {
  hugeBodyBytes: number;
  times?: number;
}

export type GraphFault = GraphStatusFault | HangFault | GraphClaimsChallengeFault | GraphHugeBodyFault;

export interface TokenStatusFault {
  status: number;
  /** A string is sent as-is; anything else as JSON. Default: Entra's body for the status. */
  body?: unknown;
  /** Added to (and overriding) the default headers, e.g. `{ "Retry-After": "30" }`. */
  headers?: Record<string, string>;
  /** Only requests of this grant type are hit; others are answered normally. Default: all. */
  grantType?: LocalTenantGrantType;
  /** Apply to this many matching requests, then clear the fault. Default: until cleared. */
  times?: number;
}

export interface TokenHangFault extends HangFault {
  grantType?: LocalTenantGrantType;
}

export type TokenFault = TokenStatusFault | TokenHangFault;

/**
 * Applied to every id token the token endpoint issues while set (signed with the real key; the
 * access token, refresh token and `client_info` stay those of the real user).
 */
export interface IdTokenFault {
  /** wrong: a different random nonce (also on refresh); missing: no nonce claim. */
  nonce?: "wrong" | "missing";
  /** Replaces `iss`. */
  issuer?: string;
  /** Replaces `aud`. */
  audience?: string | string[];
  /** exp = now - n, iat = nbf = exp - 3600. */
  expiredSecondsAgo?: number;
  /** iat = nbf = now + n, exp = iat + 3600. */
  issuedInFutureSeconds?: number;
  /**
   * Replaces `oid`. When it names a test user, name / preferred_username / email are that user's too
   * and `sub` is that user's pairwise sub (unless `sub` is given).
   */
  oid?: string;
  /** Replaces `sub`. */
  sub?: string;
  /** Replaces `tid`. */
  tid?: string;
  /** Only id tokens issued for this grant type. Default: both. */
  grantType?: LocalTenantGrantType;
}

/**
 * Test switches; null means normal behaviour. A fault stays in force until set back to null, or
 * until it has been applied `times` times (then the tenant sets it back to null itself).
 */
export interface LocalTenantFaults {
  graph: null | GraphFault;
  token: null | TokenFault;
  idToken: null | IdTokenFault;
}

export interface LocalTenant {
  /** "https://127.0.0.1:PORT/" */
  cloudInstance: string;
  tenantId: string;
  /** cloudInstance + tenantId */
  authority: string;
  /** "127.0.0.1:PORT" (for MSAL knownAuthorities) */
  authorityHost: string;
  /**
   * "https://127.0.0.1:GRAPHPORT/" (the app calls `${graphEndpoint}v1.0/me`; also served:
   * `v1.0/me/photo` and `v1.0/me/photo/$value`, see LocalTenantUser.hasPhoto)
   */
  graphEndpoint: string;
  /** The PEM the app and tests must trust (self-signed, its own trust anchor). */
  caCertificatePem: string;
  /** base64 sha256 of the certificate's SPKI, for Chromium --ignore-certificate-errors-spki-list. */
  spkiSha256Base64: string;
  users: readonly LocalTenantUser[];
  /**
   * Both tenants, primary ("Contoso", `tenantId`) first, then "Fabrikam" (SECOND_TENANT_ID). Every
   * identity-provider path also accepts `common` and `organizations` (sign-in to the home tenant).
   */
  tenants: readonly LocalTenantDirectoryInfo[];
  registerClient(client: LocalTenantClient): void;
  /**
   * Replaces the named fields of a registration at once (e.g. its credentials, during a rotation);
   * a field given as `undefined` is removed. Takes effect for the next request. Throws for an
   * unknown clientId. Validated like registerClient (an invalid change leaves the registration as it
   * was).
   */
  updateClient(clientId: string, changes: Partial<Omit<LocalTenantClient, "clientId">>): void;
  counters: LocalTenantCounters;
  resetCounters(): void;
  faults: LocalTenantFaults;
  /**
   * Default false: like Entra, a used refresh token stays valid until it expires. True: presenting a
   * refresh token that was already used once revokes its whole family (every refresh token descended
   * from the same authorization code); that request and every later use of any of them answer
   * invalid_grant, suberror bad_token, AADSTS50173.
   */
  strictRefreshTokenReuse: boolean;
  /**
   * Default false: like Entra, a client assertion is accepted again until its `exp` (msal-node signs
   * one per client instance and reuses it for 600 s; the app keeps one per process). True: a second
   * use of the same `jti` answers invalid_client AADSTS50027 (a stricter server's replay check).
   */
  strictClientAssertionReplay: boolean;
  /** Makes outstanding refresh tokens (of one user, or all) dead, and ends their SSO sessions. */
  revokeRefreshTokens(userOid?: string): void;
  /** Closes both servers, destroying open (including hung) sockets. Safe to call twice. */
  close(): Promise<void>;
}
