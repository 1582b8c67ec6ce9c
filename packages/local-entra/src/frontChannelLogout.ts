/**
 * Front-channel logout, as Entra does it: the sign-out page loads, in hidden iframes, the
 * registered front-channel logout URL of every other app signed in through the ending SSO session,
 * as `GET <url>?sid=<sid>` (only `sid`: Entra sends no `iss`, unlike the OpenID spec).
 *
 * Guarantees: an app is loaded only if it was issued a code through this very session, has a
 * registered URL and is not the app that asked for the sign-out; `sid` is set with URLSearchParams,
 * keeping the registered query; the page's CSP lets frames reach exactly those URLs' origins; the
 * continuation (an already allowed post-logout redirect) runs once every frame has fired `load`, or
 * after FALLBACK_MS if one never does, and a visible link does the same without script.
 */
import type { Response } from "express";
import type { TenantContext } from "./context.js";
import { escapeHtml, scriptLiteral, sendPage } from "./html.js";
import { SIGNED_OUT_BODY } from "./pages.js";
import type { SsoSession } from "./sso.js";

/** How long the page waits for a frame that never loads before it continues anyway. */
const FALLBACK_MS = 5000;

export interface FrontChannelFrame {
  clientId: string;
  /** The registered URL with `sid` set. */
  url: string;
}

/** `initiator`: the client that asked for the sign-out (client_id or the hint's aud), if named. */
export function frontChannelFrames(
  ctx: TenantContext,
  session: SsoSession | undefined,
  initiator: string | undefined,
): FrontChannelFrame[] {
  if (session === undefined) return [];
  const frames: FrontChannelFrame[] = [];
  for (const clientId of session.clientIds) {
    if (initiator !== undefined && clientId.toLowerCase() === initiator.toLowerCase()) continue;
    const registered = ctx.clients.get(clientId)?.frontChannelLogoutUrl;
    if (registered === undefined) continue;
    const url = new URL(registered);
    url.searchParams.set("sid", session.sid);
    frames.push({ clientId, url: url.href });
  }
  return frames;
}

function continueScript(frameCount: number, target: string): string {
  // Runs from the head with a capturing listener, so no frame can load before it listens.
  return `
const target = ${scriptLiteral(target)};
const loaded = new Set();
let done = false;
const go = () => { if (!done) { done = true; location.replace(target); } };
document.addEventListener("load", (event) => {
  if (!(event.target instanceof HTMLIFrameElement)) return;
  loaded.add(event.target);
  if (loaded.size >= ${frameCount}) go();
}, true);
setTimeout(go, ${FALLBACK_MS});
`;
}

/** `continueTo`: the post-logout redirect (with state) when one was allowed, else undefined. */
export function sendFrontChannelLogoutPage(
  ctx: TenantContext,
  res: Response,
  frames: readonly FrontChannelFrame[],
  continueTo: string | undefined,
): void {
  const iframes = frames
    .map(
      (frame) =>
        `<iframe hidden title="${escapeHtml(`Signing out of application ${frame.clientId}`)}" src="${escapeHtml(frame.url)}"></iframe>`,
    )
    .join("\n");
  const link =
    continueTo === undefined
      ? ""
      : `\n<p><a id="continue" href="${escapeHtml(continueTo)}">Continue to the application</a></p>`;
  sendPage(res, 200, {
    title: "Signed out",
    body: `${SIGNED_OUT_BODY}
<p>Signing you out of the other applications you used.</p>${link}
${iframes}`,
    frameOrigins: frames.map((frame) => new URL(frame.url).origin),
    ...(continueTo === undefined
      ? {}
      : { script: continueScript(frames.length, continueTo), scriptInHead: true }),
  });
  // The registered URLs only: the sid identifies a session and stays out of the log.
  const loaded = frames.map((frame) => {
    const url = new URL(frame.url);
    return `${frame.clientId} (${url.origin}${url.pathname})`;
  });
  ctx.log(`logout: front-channel logout URLs loaded for ${loaded.join(", ")}`);
}
