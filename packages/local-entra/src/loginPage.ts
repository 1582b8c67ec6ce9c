/**
 * The sign-in page (account picker).
 *
 * Guarantees: a plain HTML form, keyboard-usable, that carries nothing but an opaque transaction
 * id; the choice is made with buttons. The markup is a contract that tests parse — keep it stable:
 *
 *   <form method="post" action="https://127.0.0.1:PORT/{tenant}/oauth2/v2.0/authorize/complete">
 *     <input type="hidden" name="transaction" value="{opaque id}">
 *     <button type="submit" name="user" value="{oid}">{Display Name}</button>   (one per user)
 *     <button type="submit" name="cancel" value="1">Cancel</button>
 *   </form>
 *
 * The action is absolute; attributes appear in exactly this order; the button text is the display
 * name only (the UPN is shown next to it, outside the button). Submit as
 * application/x-www-form-urlencoded `transaction=…&user={oid}` or `transaction=…&cancel=1`.
 */
import type { LocalTenantUser } from "./users.js";
import { escapeHtml } from "./html.js";

export interface LoginPageModel {
  action: string;
  transactionId: string;
  clientId: string;
  users: readonly LocalTenantUser[];
  hintedUser: LocalTenantUser | undefined;
  graphScopes: readonly string[];
}

export function loginPageBody(model: LoginPageModel): string {
  const accounts = model.users
    .map(
      (user, index) =>
        `<li><button type="submit" name="user" value="${escapeHtml(user.oid)}">${escapeHtml(user.displayName)}</button>` +
        `<span class="upn" id="upn-${index}">${escapeHtml(user.userPrincipalName)}</span></li>`,
    )
    .join("\n");
  const hint =
    model.hintedUser === undefined
      ? ""
      : `<p id="login-hint">Suggested account: ${escapeHtml(model.hintedUser.userPrincipalName)}</p>\n`;
  return `<h1 id="pick-heading">Pick an account</h1>
<p>to continue to application <code>${escapeHtml(model.clientId)}</code>. No password: choosing an account signs in as that test user.</p>
${hint}<p>The application asks for: <span id="permissions">${escapeHtml(["openid", "profile", ...model.graphScopes].join(", "))}</span></p>
<form method="post" action="${escapeHtml(model.action)}" aria-labelledby="pick-heading">
<input type="hidden" name="transaction" value="${escapeHtml(model.transactionId)}">
<ul class="accounts">
${accounts}
</ul>
<button type="submit" name="cancel" value="1">Cancel</button>
</form>`;
}
