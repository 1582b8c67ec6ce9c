/**
 * Turns MSAL's errors into the app's. Error codes are compared rather than classes (`instanceof`
 * breaks across package copies): interaction-required errors mean "sign in again"; network and
 * server failures mean the identity provider is not usable right now; an answer that fails MSAL's own
 * checks (nonce, state, client_info) ends the sign-in.
 */
import {
  AppError,
  IdentityProviderBusyError,
  IdentityProviderError,
  SignInFailedError,
  SignInRequiredError,
} from "../errors.js";
import { IDENTITY_PROVIDER_BUSY } from "./createNetworkClient.js";

interface MsalLikeError {
  name?: unknown;
  errorCode?: unknown;
  subError?: unknown;
}

const SIGN_IN_AGAIN_CODES = new Set([
  "invalid_grant",
  "interaction_required",
  "consent_required",
  "login_required",
  "no_tokens_found",
  "no_account_in_silent_request",
  "bad_token",
  "token_refresh_required",
  "refresh_token_expired",
  "native_account_unavailable",
]);

/** MSAL's own checks of an answer: the answer is not to be trusted, which is not an outage. */
const UNTRUSTED_ANSWER_CODES = new Set([
  "nonce_mismatch",
  "state_mismatch",
  "invalid_state",
  "client_info_decoding_error",
  "client_info_empty_error",
  "null_or_empty_token",
  "token_claims_cnf_required_for_signedjwt",
]);

export function translateMsalError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  // By code, not instanceof: MSAL's AuthError constructor resets the prototype of subclasses.
  if (isBusy(error)) return new IdentityProviderBusyError(error.retryAfterSeconds, { cause: error });
  const msal = (typeof error === "object" && error !== null ? error : {}) as MsalLikeError;
  const code = typeof msal.errorCode === "string" ? msal.errorCode : "";
  if (msal.name === "InteractionRequiredAuthError" || SIGN_IN_AGAIN_CODES.has(code)) {
    return new SignInRequiredError(`The identity provider asks the user to sign in again (${code}).`, {
      cause: error,
    });
  }
  if (code === "invalid_client" || code === "unauthorized_client") {
    // The registration refused the app's own credential (expired secret, certificate not uploaded):
    // nothing the user can do, and the operator must read this in the log. Hidden (502): the page
    // says only that the sign-in service gave an unusable answer.
    return new IdentityProviderError(
      `The sign-in service refused this application's credentials (${code}). An administrator must check the app registration's certificate or secret.`,
      { cause: error },
    );
  }
  if (UNTRUSTED_ANSWER_CODES.has(code)) {
    return new SignInFailedError(
      `The identity provider's answer could not be trusted (${code}). Please sign in again.`,
      {
        cause: error,
      },
    );
  }
  return new IdentityProviderError(
    `The identity provider could not be reached or gave an unusable answer (${code || "no MSAL error code"}).`,
    { cause: error },
  );
}

function isBusy(error: unknown): error is { retryAfterSeconds: number } {
  if (typeof error !== "object" || error === null) return false;
  const { errorCode, retryAfterSeconds } = error as { errorCode?: unknown; retryAfterSeconds?: unknown };
  return errorCode === IDENTITY_PROVIDER_BUSY && typeof retryAfterSeconds === "number";
}
