/**
 * Where to go after sign-in. Only a path on this site is accepted: it must start with a single "/",
 * contain no backslash or control character (browsers read "/\evil" as "//evil") and survive URL
 * parsing against a dummy origin without changing origin. Anything else falls back to the home page.
 */
const DUMMY_ORIGIN = "https://app.invalid";
const MAX_RETURN_TO_LENGTH = 1024;

export function safeReturnTo(candidate: string | undefined): string {
  if (candidate === undefined || candidate.length > MAX_RETURN_TO_LENGTH) return "/";
  if (!candidate.startsWith("/") || candidate.startsWith("//")) return "/";
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(candidate)) return "/";
  let decoded: string;
  try {
    decoded = decodeURIComponent(candidate);
  } catch {
    return "/";
  }
  if (decoded.startsWith("//") || decoded.includes("\\")) return "/";
  const url = new URL(candidate, DUMMY_ORIGIN);
  if (url.origin !== DUMMY_ORIGIN) return "/";
  return `${url.pathname}${url.search}`;
}
