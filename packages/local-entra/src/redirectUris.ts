/**
 * Redirect URIs: which ones a registration may hold, and when a requested one matches.
 *
 * Guarantees, as Entra's "Redirect URI (reply URL) restrictions" describe them:
 * - registrable: an absolute URI without a fragment, https, or http on a loopback host only;
 * - matching is by exact string comparison (never prefix, never case-folded), with one exception
 *   ("Localhost exceptions", after RFC 8252 §7.3): for `http://localhost` and `http://127.0.0.1`
 *   the port is ignored, so `http://127.0.0.1/cb`, `http://127.0.0.1:5000/cb` and
 *   `http://127.0.0.1:8080/cb` are one URI. Only the port: scheme, host (localhost and 127.0.0.1 do
 *   not stand for each other), path, query and the absence of userinfo must match as strings. Not
 *   for https: every example of the exception is http, and MSAL.NET's maintainers found Entra does
 *   not accept `https://localhost` on any port; nor for `[::1]`, which the same page says Entra does
 *   not support: both are matched exactly. A port must be 1–65535.
 * The same matching serves every place Entra compares reply URLs: the authorize request's
 * redirect_uri, the token request's redirect_uri against the code's, and post_logout_redirect_uri
 * (which must be one of the registered redirect URIs).
 */

const REGISTRABLE_HTTP_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** `http://` + host, an optional port, then nothing or a path or query: what may differ is the port. */
const LOOPBACK_HTTP = /^http:\/\/(localhost|127\.0\.0\.1)(?::(\d{1,5}))?((?:[/?].*)?)$/s;

export function assertRegistrableUri(uri: string, what: string): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new Error(`${what} '${uri}' is not an absolute URI`);
  }
  if (url.hash !== "" || uri.includes("#")) throw new Error(`${what} '${uri}' must not contain a fragment`);
  const secure = url.protocol === "https:";
  const loopbackHttp = url.protocol === "http:" && REGISTRABLE_HTTP_HOSTS.has(url.hostname);
  if (!secure && !loopbackHttp)
    throw new Error(`${what} '${uri}' must use https (http only for loopback hosts)`);
}

/** The URI without its port when it is an http loopback URI Entra matches on any port, else undefined. */
function portless(uri: string): string | undefined {
  const match = LOOPBACK_HTTP.exec(uri);
  if (match === null) return undefined;
  const [, host, port, rest] = match;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return undefined;
  return `http://${host ?? ""}${rest ?? ""}`;
}

/** Whether `requested` names the `registered` redirect URI (exact, or an http loopback URI on another port). */
export function redirectUriMatches(registered: string, requested: string): boolean {
  if (registered === requested) return true;
  const left = portless(registered);
  return left !== undefined && left === portless(requested);
}
