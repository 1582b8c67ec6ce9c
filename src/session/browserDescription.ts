/**
 * A short description of the browser a session signed in from ("Firefox on Linux"), for the list of
 * a person's sessions. Only the browser's and the system's names: enough to tell one's laptop from
 * one's phone, not a fingerprint (no versions, no device model). Only names from the parser's own
 * tables are shown: for an agent it does not know, the parser echoes the header's first product token,
 * which anyone can choose ("Phone (this browser)/1" would pose as the person's own browser).
 */
import Bowser from "bowser";

/** The parser's patterns run over the header: a longer one says nothing more about the browser. */
const MAX_USER_AGENT_LENGTH = 512;
/** Longest description kept: what the Session page shows, and what the session store holds. */
export const MAX_BROWSER_DESCRIPTION_LENGTH = 60;
export const UNKNOWN_BROWSER = "Unknown browser";

const KNOWN_BROWSERS: ReadonlySet<string> = new Set(Object.values(Bowser.BROWSER_MAP));
const KNOWN_SYSTEMS: ReadonlySet<string> = new Set(Object.values(Bowser.OS_MAP));

export function describeBrowser(userAgent: string | undefined): string {
  const header = (userAgent ?? "").slice(0, MAX_USER_AGENT_LENGTH).trim();
  if (header === "") return UNKNOWN_BROWSER;
  const { browser, os } = Bowser.parse(header);
  const name = known(browser.name, KNOWN_BROWSERS);
  const system = known(os.name, KNOWN_SYSTEMS);
  const description =
    name && system ? `${name} on ${system}` : name || (system ? `A browser on ${system}` : "");
  return description === "" ? UNKNOWN_BROWSER : description.slice(0, MAX_BROWSER_DESCRIPTION_LENGTH);
}

function known(name: string | undefined, names: ReadonlySet<string>): string {
  return name !== undefined && names.has(name) ? name : "";
}
