/**
 * Turns MSAL's errors into the app's. Error codes are compared rather than classes (`instanceof`
 * breaks across package copies): interaction-required errors mean "sign in again"; network and
 * server failures mean the identity provider is not usable right now.
 */
import {
  AppError,
  IdentityProviderBusyError,
  IdentityProviderError,
  SignInRequiredError,
} from "../errors.js";
import { IdentityProviderBusyAuthError } from "./createNetworkClient.js";

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

export function translateMsalError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof IdentityProviderBusyAuthError) {
    return new IdentityProviderBusyError(error.retryAfterSeconds, { cause: error });
  }
  const msal = (typeof error === "object" && error !== null ? error : {}) as MsalLikeError;
  const code = typeof msal.errorCode === "string" ? msal.errorCode : "";
  if (msal.name === "InteractionRequiredAuthError" || SIGN_IN_AGAIN_CODES.has(code)) {
    return new SignInRequiredError(`The identity provider asks the user to sign in again (${code}).`, {
      cause: error,
    });
  }
  return new IdentityProviderError("The sign-in service could not be reached or gave an unusable answer.", {
    cause: error,
  });
}
