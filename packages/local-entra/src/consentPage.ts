/**
 * The consent page ("Permissions requested").
 *
 * Guarantees: a plain HTML form, keyboard-usable, that carries nothing but an opaque one-time
 * transaction id; every interpolated value is escaped. The markup is a contract tests parse — keep
 * it stable:
 *
 *   <ul id="consent-permissions">
 *     <li data-scope="{Scope}">{human description}</li>            (one per permission)
 *   </ul>
 *   <form method="post" action="https://127.0.0.1:PORT/{tenant}/oauth2/v2.0/authorize/consent" id="consent-form">
 *     <input type="hidden" name="transaction" value="{opaque id}">
 *     <button type="submit" name="consent" value="accept">Accept</button>
 *     <button type="submit" name="consent" value="cancel">Cancel</button>
 *   </form>
 *
 * Submit as application/x-www-form-urlencoded `transaction=…&consent=accept` (or `consent=cancel`)
 * together with the `ESTSAUTH` cookie of the sign-in (see consent.ts).
 */
import { escapeHtml } from "./html.js";

/** Entra's user-facing descriptions of the delegated permissions this stand-in knows. */
export const PERMISSION_DESCRIPTIONS: ReadonlyMap<string, string> = new Map<string, string>([
  ["User.Read", "Sign you in and read your profile"],
  ["User.ReadBasic.All", "Read all users' basic profiles"],
  ["Calendars.Read", "Read your calendars"],
  ["Calendars.ReadWrite", "Have full access to your calendars"],
  ["Mail.Read", "Read your mail"],
  ["offline_access", "Maintain access to data you have given it access to"],
]);

export interface ConsentPageModel {
  action: string;
  transactionId: string;
  clientId: string;
  /** The account signing in (home UPN) and the organization signed in to. */
  accountName: string;
  tenantName: string;
  /** Permissions to list, in order (Graph scope names, and offline_access). */
  permissions: readonly string[];
}

export function consentPageBody(model: ConsentPageModel): string {
  const items = model.permissions
    .map(
      (scope) =>
        `<li data-scope="${escapeHtml(scope)}">${escapeHtml(PERMISSION_DESCRIPTIONS.get(scope) ?? scope)}</li>`,
    )
    .join("\n");
  return `<h1 id="consent-heading">Permissions requested</h1>
<p id="consent-account">${escapeHtml(model.accountName)} — ${escapeHtml(model.tenantName)}</p>
<p>Application <code id="consent-app">${escapeHtml(model.clientId)}</code> (unverified) would like to:</p>
<ul id="consent-permissions">
${items}
</ul>
<p>Accepting lets this app use your data as its terms of service and privacy statement say. This local test tenant records the consent until it stops.</p>
<form method="post" action="${escapeHtml(model.action)}" id="consent-form" aria-labelledby="consent-heading">
<input type="hidden" name="transaction" value="${escapeHtml(model.transactionId)}">
<button type="submit" name="consent" value="accept">Accept</button>
<button type="submit" name="consent" value="cancel">Cancel</button>
</form>`;
}
