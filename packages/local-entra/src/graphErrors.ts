/**
 * Microsoft Graph's error shape.
 *
 * Guarantees: every Graph error is `{"error":{"code","message","innerError":{"date","request-id",
 * "client-request-id"}}}`; a 401 carries Graph's `WWW-Authenticate` header — with
 * `error="invalid_token"` when a token was presented (and for a 401 fault), without an error code
 * when none was (RFC 6750 §3.1), and `error="insufficient_claims", claims="…"` for a CAE claims
 * challenge; every error response is counted in `graphErrors`. Faults without a body get the body
 * Graph sends for that status.
 */
import type { Response } from "express";
import type { TenantContext } from "./context.js";
import { graphDate } from "./ids.js";

export const GRAPH_WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

export const GRAPH_WWW_AUTHENTICATE_INVALID_TOKEN = `${GRAPH_WWW_AUTHENTICATE}, error="invalid_token"`;

export const CAE_CHALLENGE_MESSAGE =
  "Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp";

/** The claims request a CAE challenge carries, before base64: an access token not before `nbf`. */
export function caeClaimsRequest(nbfSeconds: number): string {
  return JSON.stringify({ access_token: { nbf: { essential: true, value: String(nbfSeconds) } } });
}

/** Graph's CAE challenge header: claims = standard base64 of the claims request JSON. */
export function caeChallengeHeader(nbfSeconds: number): string {
  const claims = Buffer.from(caeClaimsRequest(nbfSeconds), "utf8").toString("base64");
  return `${GRAPH_WWW_AUTHENTICATE}, error="insufficient_claims", claims="${claims}"`;
}

export interface GraphIds {
  requestId: string;
  clientRequestId: string;
}

export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { date: string; "request-id": string; "client-request-id": string };
  };
}

/** `now`: the tenant's clock (epoch ms), which dates the error. */
export function graphErrorBody(code: string, message: string, ids: GraphIds, now: number): GraphErrorBody {
  return {
    error: {
      code,
      message,
      innerError: {
        date: graphDate(new Date(now)),
        "request-id": ids.requestId,
        "client-request-id": ids.clientRequestId,
      },
    },
  };
}

/** The code and message Graph uses for a bare status (used for faults without a body). */
export function defaultGraphError(status: number): { code: string; message: string } {
  switch (status) {
    case 400:
      return { code: "BadRequest", message: "Bad request." };
    case 401:
      return { code: "InvalidAuthenticationToken", message: "Access token validation failure." };
    case 403:
      return {
        code: "Authorization_RequestDenied",
        message: "Insufficient privileges to complete the operation.",
      };
    case 404:
      return { code: "Request_ResourceNotFound", message: "Resource not found." };
    case 429:
      return { code: "TooManyRequests", message: "Too many requests." };
    case 500:
      return { code: "generalException", message: "General exception while processing." };
    case 503:
      return {
        code: "serviceNotAvailable",
        message: "The service is temporarily unavailable. Please retry later.",
      };
    case 504:
      return { code: "UnknownError", message: "The request timed out." };
    default:
      return { code: "UnknownError", message: "" };
  }
}

export function sendGraphError(
  ctx: TenantContext,
  res: Response,
  ids: GraphIds,
  status: number,
  code: string,
  message: string,
  wwwAuthenticate: string = GRAPH_WWW_AUTHENTICATE_INVALID_TOKEN,
): void {
  ctx.counters.graphErrors += 1;
  if (status === 401) res.setHeader("WWW-Authenticate", wwwAuthenticate);
  res
    .status(status)
    .type("application/json")
    .send(JSON.stringify(graphErrorBody(code, message, ids, ctx.now())));
}
