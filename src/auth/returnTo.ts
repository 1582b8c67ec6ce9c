/**
 * Where to go after sign-in: only a path on this site. The check runs on what will be sent as the
 * `Location`, after the URL parser has resolved dot segments and encodings (`/.//evil` becomes
 * `//evil`, which a browser follows to another site), not on the raw value. Anything else, and
 * anything that a browser, a proxy or a second decoding could read as another host, becomes "/".
 */
const DUMMY_ORIGIN = "https://app.invalid";
export const MAX_RETURN_TO_LENGTH = 512;
/** Double and triple encodings (`%252f`) are decoded too: a proxy or framework may decode again. */
const MAX_DECODING_ROUNDS = 3;

/** The path to redirect to after sign-in: `candidate` normalized, or "/" when it is not a site path. */
export function safeReturnTo(candidate: unknown): string {
  if (typeof candidate !== "string" || !isPlainText(candidate) || !candidate.startsWith("/")) return "/";
  let url: URL;
  try {
    url = new URL(candidate, DUMMY_ORIGIN);
  } catch {
    return "/";
  }
  const location = `${url.pathname}${url.search}`;
  return isSitePath(location) ? location : "/";
}

/**
 * True when a browser given `location` as a redirect stays on this site at the same path: one leading
 * "/", no second "/" or "\" after it, no whitespace or control character, nothing the URL parser
 * would still change; and decoding its path again (as a proxy or a framework might) never yields
 * another host either.
 */
export function isSitePath(location: string): boolean {
  if (location.length > MAX_RETURN_TO_LENGTH || !isPlainText(location) || !staysOnSite(location))
    return false;
  const resolved = new URL(location, DUMMY_ORIGIN);
  if (`${resolved.pathname}${resolved.search}` !== location) return false;
  let path = pathOf(location);
  for (let round = 0; round < MAX_DECODING_ROUNDS; round += 1) {
    const decoded = safeDecode(path);
    if (decoded === undefined) return false;
    if (decoded === path) return true;
    // eslint-disable-next-line no-control-regex
    if (/[\\\u0000-\u001f\u007f]/.test(decoded) || !staysOnSite(decoded)) return false;
    path = decoded;
  }
  return safeDecode(path) === path;
}

function staysOnSite(text: string): boolean {
  if (!/^\/(?![/\\])/.test(text)) return false;
  try {
    const url = new URL(text, DUMMY_ORIGIN);
    return url.origin === DUMMY_ORIGIN && !/^\/[/\\]/.test(url.pathname);
  } catch {
    return false;
  }
}

const pathOf = (location: string) => location.split("?", 1)[0]!;

/** No backslash (browsers read it as "/"), no control character, no whitespace of any script. */
function isPlainText(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\\\s\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/u.test(text);
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
