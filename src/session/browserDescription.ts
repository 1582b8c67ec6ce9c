/**
 * A short description of the browser a session signed in from ("Firefox on Linux"), for the list of
 * a person's sessions. Only the browser's and the system's names: enough to tell one's laptop from
 * one's phone, not a fingerprint (no versions, no device model).
 */
import Bowser from "bowser";

/** The parser's patterns run over the header: a longer one says nothing more about the browser. */
const MAX_USER_AGENT_LENGTH = 512;
/** Longest description kept: what the Session page shows, and what the session store holds. */
export const MAX_BROWSER_DESCRIPTION_LENGTH = 60;
export const UNKNOWN_BROWSER = "Unknown browser";
/** The parser's fallback takes the header's first product token, which for most agents says nothing. */
const UNINFORMATIVE_NAMES: ReadonlySet<string> = new Set(["Mozilla"]);

export function describeBrowser(userAgent: string | undefined): string {
  const header = (userAgent ?? "").slice(0, MAX_USER_AGENT_LENGTH).trim();
  if (header === "") return UNKNOWN_BROWSER;
  const { browser, os } = Bowser.parse(header);
  const name = UNINFORMATIVE_NAMES.has(browser.name ?? "") ? "" : printable(browser.name);
  const system = printable(os.name);
  const description =
    name && system ? `${name} on ${system}` : name || (system ? `A browser on ${system}` : "");
  return description === "" ? UNKNOWN_BROWSER : description.slice(0, MAX_BROWSER_DESCRIPTION_LENGTH);
}

/** The parser's names come from its own table, but parts of them can echo the header: keep text only. */
function printable(value: string | undefined): string {
  return (value ?? "").replace(/[^\p{L}\p{N} .()_-]/gu, "").trim();
}
