/**
 * Entra ID's error shapes and the AADSTS codes this stand-in uses.
 *
 * Guarantees: every identity-provider error carries an AADSTS code and is rendered the way Entra
 * renders it: as JSON for the token and metadata endpoints
 * (`{ error, error_description: "AADSTSnnnn: text\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …",
 * error_codes, timestamp, trace_id, correlation_id, error_uri, suberror? }`), or as redirect
 * parameters (`error`, `error_description`, `error_uri`, `state`) for the authorize endpoint. The
 * correlation id is the caller's `client-request-id` when that is a GUID, like Entra. `suberror`
 * only where Entra sends one: `bad_token` with a refresh token that expired (AADSTS700082) or was
 * revoked (AADSTS50173), `consent_required` with AADSTS65001 at the token endpoint — not with a
 * refresh token or code Entra cannot read (AADSTS9002313 carries none), nor on authorize redirects.
 */
import type { Response } from "express";
import { entraTimestamp, isGuid, newGuid } from "./ids.js";

export interface EntraError {
  /** OAuth error, e.g. "invalid_grant". */
  error: string;
  /** AADSTS number. */
  code: number;
  /** Text after "AADSTSnnnn: ". */
  text: string;
  httpStatus: number;
  suberror?: string;
}

export interface RequestIds {
  traceId: string;
  correlationId: string;
  time: Date;
  /** The caller's client-request-id as sent (echoed even when it is not a GUID). */
  clientRequestId?: string;
}

function entraError(
  error: string,
  code: number,
  text: string,
  httpStatus = 400,
  suberror?: string,
): EntraError {
  return suberror === undefined
    ? { error, code, text, httpStatus }
    : { error, code, text, httpStatus, suberror };
}

const WORKLOAD_IDENTITY_DOC = "https://learn.microsoft.com/entra/workload-id/workload-identity-federation";

/** Entra's AADSTS70021x texts (recorded answers of 2024–2025, see the package README). */
function noFederatedRecord(
  code: number,
  claim: "issuer" | "audience" | "subject",
  value: string,
): EntraError {
  return entraError(
    "invalid_client",
    code,
    `No matching federated identity record found for presented assertion ${claim} '${value}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${WORKLOAD_IDENTITY_DOC}`,
    401,
  );
}

const CERTIFICATE_CREDENTIALS_DOC =
  "https://learn.microsoft.com/entra/identity-platform/certificate-credentials";

/** Entra's AADSTS700024 times: "2024-05-28T06:01:42.5850000Z" (seven fractional digits). */
function assertionTime(date: Date): string {
  return `${date.toISOString().slice(0, 23)}0000Z`;
}

/** The catalogue. Texts follow Entra's wording where it is known. */
export const aadsts = {
  /** Discovery and keys answer "invalid_tenant"; the OAuth endpoints "invalid_request". */
  tenantNotFound: (tenant: string, error = "invalid_request") =>
    entraError(
      error,
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  missingParameter: (name: string) =>
    entraError(
      "invalid_request",
      900144,
      `The request body must contain the following parameter: '${name}'.`,
    ),
  duplicateParameter: (name: string) =>
    entraError(
      "invalid_request",
      9000411,
      `The request is not properly formatted. The parameter '${name}' is duplicated.`,
    ),
  malformed: () =>
    entraError("invalid_request", 9002313, "Invalid request. Request is malformed or invalid."),
  notFound: () =>
    entraError("invalid_request", 9002313, "Invalid request. Request is malformed or invalid.", 404),
  getOnPostEndpoint: () =>
    entraError("invalid_request", 900561, "The endpoint only accepts POST requests. Received a GET request."),
  unknownClient: (clientId: string, tenant: string, httpStatus = 400) =>
    entraError(
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      httpStatus,
    ),
  /** A single-tenant app through common/organizations. This stand-in's apps have no display name: the id again. */
  notMultiTenant: (clientId: string) =>
    entraError(
      "invalid_request",
      50194,
      `Application '${clientId}'(${clientId}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.`,
    ),
  redirectUriMismatch: (redirectUri: string, clientId: string) =>
    entraError(
      "invalid_request",
      50011,
      `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
    ),
  unsupportedResponseType: (responseType: string) =>
    entraError(
      "unsupported_response_type",
      700054,
      `response_type '${responseType}' is not enabled for the application.`,
    ),
  unsupportedResponseMode: (mode: string) =>
    entraError(
      "invalid_request",
      9002313,
      `Invalid request. Request is malformed or invalid. The response_mode '${mode}' is not supported.`,
    ),
  invalidScope: (scope: string, reason: string) =>
    entraError(
      "invalid_scope",
      70011,
      `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope '${scope}' is not valid. ${reason}`.trim(),
    ),
  multipleResources: (scope: string) =>
    entraError(
      "invalid_scope",
      28000,
      `Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scope} is not valid.`,
    ),
  pkceRequired: () =>
    entraError("invalid_request", 9002325, "Proof Key for Code Exchange is required. Send a code_challenge."),
  invalidCodeChallengeMethod: () =>
    entraError("invalid_request", 50149, "Invalid Code_Challenge_method parameter."),
  invalidCodeChallengeSize: () =>
    entraError("invalid_request", 501491, "Invalid size of Code_Challenge parameter."),
  /** Any value but none/login/select_account/consent, combined values ("consent select_account") included. */
  invalidPrompt: () => entraError("invalid_request", 90023, "Unsupported 'prompt' value."),
  loginRequired: () =>
    entraError("login_required", 50058, "A silent sign-in request was sent but no user is signed in."),
  userDeclined: () => entraError("access_denied", 65004, "User declined to consent to access the app."),
  /** prompt=none, but the user has not consented to a requested scope (redirect, not a token error). */
  consentRequiredSilent: (clientId: string) =>
    entraError(
      "consent_required",
      65001,
      `The user or administrator has not consented to use the application with ID '${clientId}'. Send an interactive authorization request for this user and resource.`,
    ),
  userNotInTenant: (upn: string, idp: string, tenant: string, clientId: string) =>
    entraError(
      "invalid_request",
      50020,
      `User account '${upn}' from identity provider '${idp}' does not exist in tenant '${tenant}' and cannot access the application '${clientId}' in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.`,
    ),
  grantOfOtherTenant: () =>
    entraError(
      "invalid_grant",
      700005,
      "Provided Authorization Code is intended to use against other tenant, thus rejected.",
    ),
  flowExpired: () =>
    entraError(
      "invalid_request",
      50089,
      "Authentication failed due to flow token expired. Start the sign-in again from the application.",
    ),
  missingClientCredential: () =>
    entraError(
      "invalid_client",
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      401,
    ),
  wrongClientSecret: (clientId: string) =>
    entraError(
      "invalid_client",
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      401,
    ),
  /** The presented secret equals only secrets whose end date has passed. */
  clientSecretExpired: (clientId: string) =>
    entraError(
      "invalid_client",
      7000222,
      `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
      401,
    ),
  /** A federated assertion whose `iss` no federated credential of the app names. */
  federatedIssuerMismatch: (issuer: string) => noFederatedRecord(700211, "issuer", issuer),
  /** The issuer matches, but no credential of that issuer names the assertion's `sub`. */
  federatedSubjectMismatch: (subject: string) => noFederatedRecord(700213, "subject", subject),
  /** Issuer and subject match, but the assertion's `aud` is not among that credential's audiences. */
  federatedAudienceMismatch: (audience: string) => noFederatedRecord(700212, "audience", audience),
  /** The federated token's `kid` is not among the issuer's published keys. */
  federatedKeyNotFound: (kid: string, issuer: string) =>
    entraError(
      "invalid_client",
      7000272,
      `The certificate with identifier ${kid} used to sign the federated credential could not be found in the metadata of identity provider ${issuer}. Please validate that your Identity Provider's metadata exposes the key used to sign the incoming token.`,
      401,
    ),
  /** Neither an uploaded certificate (by thumbprint) nor a trusted subject (by x5c) matches. */
  assertionKeyNotFound: (clientId: string, thumbprintHex: string | undefined) =>
    entraError(
      "invalid_client",
      700027,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., ${thumbprintHex === undefined ? "" : `Thumbprint of key used by client: '${thumbprintHex.toUpperCase()}', `}Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${clientId}'.]`,
      401,
    ),
  assertionSignatureInvalid: (reason: string, thumbprintHex: string | undefined) =>
    entraError(
      "invalid_client",
      700027,
      `Client assertion failed signature validation. [Reason - ${reason}${thumbprintHex === undefined ? "" : `, Thumbprint of key used by client: '${thumbprintHex.toUpperCase()}'`}]`,
      401,
    ),
  assertionKeyNotValidNow: (thumbprintHex: string, validFrom: Date, validTo: Date, now: Date) =>
    entraError(
      "invalid_client",
      700027,
      `Client assertion contains an invalid signature. [Reason - ${now < validFrom ? "The key used is not yet valid." : "The key used is expired."}, Thumbprint of key used by client: '${thumbprintHex.toUpperCase()}', Found key 'Start=${validFrom.toISOString()}, End=${validTo.toISOString()}']`,
      401,
    ),
  assertionMalformed: (detail?: string) =>
    entraError(
      "invalid_client",
      50027,
      `JWT token is invalid or malformed.${detail === undefined ? "" : ` (local test tenant: ${detail})`}`,
      401,
    ),
  assertionTimeRange: (now: Date, validFrom: Date | undefined, expiry: Date | undefined, detail?: string) =>
    entraError(
      "invalid_client",
      700024,
      `Client assertion is not within its valid time range. Current time: ${assertionTime(now)}, assertion valid from ${assertionTime(validFrom ?? new Date(0))}, expiry time of assertion ${expiry === undefined ? "(none)" : assertionTime(expiry)}.${detail === undefined ? "" : ` (local test tenant: ${detail})`} Review the documentation at ${CERTIFICATE_CREDENTIALS_DOC} .`,
      401,
    ),
  assertionClientIdMismatch: () =>
    entraError(
      "invalid_client",
      700021,
      `Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at ${CERTIFICATE_CREDENTIALS_DOC} .`,
      401,
    ),
  assertionAudienceMismatch: () =>
    entraError(
      "invalid_client",
      700023,
      `Client assertion audience claim does not match Realm issuer. Review the documentation at ${CERTIFICATE_CREDENTIALS_DOC} .`,
      401,
    ),
  assertionReplayed: () =>
    entraError(
      "invalid_client",
      50027,
      "JWT token is invalid or malformed. (local test tenant: this client assertion's jti was already used; send a new assertion for every token request.)",
      401,
    ),
  invalidCertificateChain: () => entraError("invalid_client", 7000213, "Invalid certificate chain.", 401),
  unexpectedAssertionType: () => entraError("invalid_request", 90011, "Unexpected client assertion type."),
  conflictingClientIds: () =>
    entraError(
      "invalid_request",
      9002313,
      "Invalid request. Request is malformed or invalid. The client_id in the body differs from the one in the Authorization header.",
    ),
  unsupportedGrantType: (grantType: string) =>
    entraError(
      "unsupported_grant_type",
      70003,
      `The app requested an unsupported grant type '${grantType}'.`,
    ),
  /** A code or refresh token Entra cannot read: no suberror (a recorded Entra answer has none). */
  unknownGrant: () =>
    entraError("invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."),
  codeRedeemed: () =>
    entraError(
      "invalid_grant",
      54005,
      "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
    ),
  codeExpired: () =>
    entraError(
      "invalid_grant",
      70008,
      "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
    ),
  grantOfOtherClient: () =>
    entraError(
      "invalid_grant",
      70000,
      "Provided grant is invalid or malformed. It was issued to another client.",
    ),
  redirectUriMismatchAtToken: (sent: string, expected: string) =>
    entraError(
      "invalid_grant",
      50011,
      `The reply address '${sent}' does not match the reply address '${expected}' provided when requesting Authorization code.`,
    ),
  codeVerifierMissing: () =>
    entraError(
      "invalid_request",
      501481,
      "The Code_Verifier is missing, but a code_challenge was supplied in the authorization request.",
    ),
  codeVerifierMismatch: () =>
    entraError(
      "invalid_grant",
      501481,
      "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
    ),
  refreshTokenExpired: (issued: Date, now: Date) =>
    entraError(
      "invalid_grant",
      700082,
      `The refresh token has expired due to inactivity. The token was issued on ${issued.toISOString()} and was inactive for ${Math.round((now.getTime() - issued.getTime()) / 1000)} seconds.`,
      400,
      "bad_token",
    ),
  refreshTokenRevoked: (issued: Date, validFrom: Date) =>
    entraError(
      "invalid_grant",
      50173,
      `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${issued.toISOString()}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${validFrom.toISOString()}'.`,
      400,
      "bad_token",
    ),
  consentRequired: (clientId: string, scopes: string) =>
    entraError(
      "invalid_grant",
      65001,
      `The user or administrator has not consented to use the application with ID '${clientId}'. Send an interactive authorization request for this user and resource. Scopes not consented: ${scopes}.`,
      400,
      "consent_required",
    ),
  transient: (httpStatus: number) =>
    entraError(
      "temporarily_unavailable",
      90033,
      "A transient error has occurred. Please try again.",
      httpStatus,
    ),
  serverError: (httpStatus = 500) =>
    entraError(
      "server_error",
      50000,
      "There was an error issuing a token or an issue with our sign-in service.",
      httpStatus,
    ),
  invalidClaims: () =>
    entraError(
      "invalid_request",
      9002313,
      "Invalid request. Request is malformed or invalid. The 'claims' parameter is not a valid JSON object.",
    ),
  refreshTokenReused: (issued: Date, revokedAt: Date) =>
    entraError(
      "invalid_grant",
      50173,
      `The provided grant has expired due to it being revoked, a fresh auth token is needed. The refresh token was already used (local test tenant: strict refresh-token reuse detection revoked every refresh token of its sign-in). The grant was issued on '${issued.toISOString()}' and was revoked on '${revokedAt.toISOString()}'.`,
      400,
      "bad_token",
    ),
} as const;

/** `now`: the tenant's clock (epoch ms), which dates the error. */
export function newRequestIds(clientRequestId: string | undefined, now: number): RequestIds {
  const ids: RequestIds = {
    traceId: newGuid(),
    correlationId: clientRequestId !== undefined && isGuid(clientRequestId) ? clientRequestId : newGuid(),
    time: new Date(now),
  };
  if (clientRequestId !== undefined) ids.clientRequestId = clientRequestId.slice(0, 128);
  return ids;
}

export function errorUri(origin: string, err: EntraError): string {
  return `${origin}/error?code=${err.code}`;
}

/** "AADSTSnnnn: text" — the first line of error_description. */
export function headline(err: EntraError): string {
  return `AADSTS${err.code}: ${err.text}`;
}

export function errorDescription(err: EntraError, ids: RequestIds): string {
  return [
    headline(err),
    `Trace ID: ${ids.traceId}`,
    `Correlation ID: ${ids.correlationId}`,
    `Timestamp: ${entraTimestamp(ids.time)}`,
  ].join("\r\n");
}

export interface EntraErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
  suberror?: string;
}

export function entraErrorBody(err: EntraError, ids: RequestIds, origin: string): EntraErrorBody {
  const body: EntraErrorBody = {
    error: err.error,
    error_description: errorDescription(err, ids),
    error_codes: [err.code],
    timestamp: entraTimestamp(ids.time),
    trace_id: ids.traceId,
    correlation_id: ids.correlationId,
    error_uri: errorUri(origin, err),
  };
  if (err.suberror !== undefined) body.suberror = err.suberror;
  return body;
}

/** Headers Entra puts on every token-endpoint style JSON answer. */
export function setEntraJsonHeaders(res: Response, ids: RequestIds): void {
  res.setHeader("Cache-Control", "no-store, no-cache");
  res.setHeader("Pragma", "no-cache");
  res.setHeader("x-ms-request-id", ids.traceId);
  res.setHeader("client-request-id", ids.clientRequestId ?? ids.correlationId);
}

export function sendEntraJsonError(res: Response, origin: string, err: EntraError, ids: RequestIds): void {
  setEntraJsonHeaders(res, ids);
  res.status(err.httpStatus).json(entraErrorBody(err, ids, origin));
}

/** Parameters of an error sent back to the redirect URI. `state` is echoed only when it was sent. */
export function redirectErrorParams(
  err: EntraError,
  ids: RequestIds,
  origin: string,
  state: string | undefined,
): Record<string, string> {
  const params: Record<string, string> = {
    error: err.error,
    error_description: errorDescription(err, ids),
    error_uri: errorUri(origin, err),
  };
  if (state !== undefined) params.state = state;
  return params;
}
