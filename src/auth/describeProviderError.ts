/**
 * Words for a person when the identity provider answers the redirect with an `error`. The provider's
 * own description is kept (it carries the AADSTS code support staff ask for) but only as text: the
 * view escapes it.
 */
const MESSAGES: Record<string, string> = {
  access_denied: "The sign-in was cancelled or access was denied.",
  consent_required: "An administrator must approve this application before you can use it.",
  interaction_required: "The sign-in needs you to take an extra step. Please sign in again.",
  login_required: "Please sign in again.",
  invalid_scope: "The application asked for a permission that is not available.",
  temporarily_unavailable: "The sign-in service is busy. Please try again in a moment.",
  server_error: "The sign-in service had a problem. Please try again later.",
};

export function describeProviderError(error: string, description: string | undefined): string {
  const known = Object.hasOwn(MESSAGES, error) ? MESSAGES[error] : undefined;
  const message = known ?? "The sign-in service refused the sign-in.";
  const detail = description ? ` (${description.slice(0, 500)})` : ` (${error})`;
  return `${message}${detail}`;
}
