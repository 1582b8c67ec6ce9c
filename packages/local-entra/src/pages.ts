/**
 * The non-sign-in pages: error page, signed-out page, sign-out account picker, form_post page,
 * /error lookup page.
 *
 * Guarantees: an error page never redirects and shows the AADSTS code with trace id, correlation id
 * and timestamp like Entra's; the form_post page posts only the given parameters to the given
 * (already validated) redirect URI, with a visible Continue button that works without script; the
 * account picker (Entra's "Pick an account" at sign-out) posts only the given parameters, as hidden
 * fields, and the chosen account's logout_hint to the logout endpoint, and works without script.
 * All values are HTML-escaped.
 */
import type { Response } from "express";
import { entraTimestamp } from "./ids.js";
import { headline } from "./errors.js";
import type { EntraError, RequestIds } from "./errors.js";
import { escapeHtml, sendPage } from "./html.js";
import type { LocalTenantUser } from "./users.js";

/** Error pages answer 400 (Entra answers 200; the status is easier for tests and changes nothing for browsers). */
export function sendErrorPage(res: Response, err: EntraError, ids: RequestIds): void {
  res.setHeader("x-ms-request-id", ids.traceId);
  sendPage(res, 400, {
    title: "Sign in error",
    body: `<h1>Sign in</h1>
<p>Sorry, but we’re having trouble signing you in.</p>
<p class="error" id="error-code" data-error="${escapeHtml(err.error)}" data-code="AADSTS${err.code}">${escapeHtml(headline(err))}</p>
<dl class="details">
<dt>Request Id</dt><dd id="trace-id">${escapeHtml(ids.traceId)}</dd>
<dt>Correlation Id</dt><dd id="correlation-id">${escapeHtml(ids.correlationId)}</dd>
<dt>Timestamp</dt><dd id="timestamp">${escapeHtml(entraTimestamp(ids.time))}</dd>
</dl>`,
  });
}

/** The signed-out page's text (frontChannelLogout.ts adds its frames to it). */
export const SIGNED_OUT_BODY = `<h1>You have signed out of your account</h1>
<p>It’s a good idea to close all browser windows.</p>`;

export function sendSignedOutPage(res: Response): void {
  sendPage(res, 200, { title: "Signed out", body: SIGNED_OUT_BODY });
}

export interface LogoutPickerModel {
  /** The logout endpoint the form posts to (this origin, the request's tenant segment). */
  action: string;
  /** The account of this browser's SSO session. */
  account: Pick<LocalTenantUser, "displayName" | "userPrincipalName">;
  /** Its login_hint: what choosing it sends as `logout_hint`. */
  logoutHint: string;
  /** The sign-out request's own parameters, carried on unchanged. */
  carried: Record<string, string>;
  /** Where the logout may then redirect (CSP form-action covers redirects after a post). */
  redirectOrigins: string[];
}

/**
 * Markup (stable, for tests):
 *   <form method="post" action="{logout endpoint}" id="logout-picker">
 *     <input type="hidden" name="{parameter}" value="{value}">          (one per carried parameter)
 *     <button type="submit" name="logout_hint" value="{hint}">{Display Name}</button>
 */
export function sendLogoutPickerPage(res: Response, model: LogoutPickerModel): void {
  const fields = Object.entries(model.carried)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("\n");
  sendPage(res, 200, {
    title: "Sign out",
    body: `<h1>Pick an account</h1>
<p>Which account do you want to sign out of?</p>
<form method="post" action="${escapeHtml(model.action)}" id="logout-picker">
${fields}
<ul class="accounts">
<li><button type="submit" name="logout_hint" value="${escapeHtml(model.logoutHint)}">${escapeHtml(model.account.displayName)}</button><span class="upn">${escapeHtml(model.account.userPrincipalName)}</span></li>
</ul>
</form>`,
    formActionOrigins: model.redirectOrigins,
  });
}

export function sendFormPostPage(res: Response, redirectUri: string, params: Record<string, string>): void {
  const fields = Object.entries(params)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("\n");
  sendPage(res, 200, {
    title: "Working...",
    body: `<h1>Returning to the application</h1>
<form method="post" action="${escapeHtml(redirectUri)}" id="response">
${fields}
<button type="submit">Continue</button>
</form>`,
    script: `document.getElementById("response").submit();`,
    formActionOrigins: [new URL(redirectUri).origin],
  });
}

export function sendErrorLookupPage(res: Response, code: string): void {
  sendPage(res, 200, {
    title: "Error lookup",
    body: `<h1>Error code lookup</h1>
<p>Error code: <code>AADSTS${escapeHtml(code)}</code></p>
<p>This local test tenant imitates Microsoft Entra ID's error codes; see Microsoft's documentation for their meaning.</p>`,
  });
}
