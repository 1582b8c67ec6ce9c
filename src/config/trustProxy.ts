/**
 * TRUST_PROXY: whose X-Forwarded-* headers the app believes (the client's address, and whether the
 * request came over https). It takes the forms of Express's `trust proxy` setting, each entry checked
 * here: Express itself throws its own error at start-up for some typos (a host name, a /0 or /33
 * prefix) and silently trusts nobody for others (an IPv6 zone id, an IPv4-mapped subnet under /96),
 * which on an https site means no session cookie and no sign-in.
 */
import { isIP } from "node:net";
import type { TrustProxy } from "./settings.js";

const NAMED_RANGES = ["loopback", "linklocal", "uniquelocal"];
const MAX_HOPS = 100;
/** TRUST_PROXY is not a secret, but a pasted value of any size is cut short in messages. */
const MAX_ECHO = 64;

const STANDS_ALONE = "cannot be combined with other entries (true, false and a hop count stand alone)";
const NOT_AN_ADDRESS = `is not an IP address, a subnet (address/prefix) or one of ${NAMED_RANGES.join(", ")}`;

export type ParsedTrustProxy =
  | { readonly ok: true; readonly value: TrustProxy }
  | { readonly ok: false; readonly problems: readonly string[] };

const TRUST_PROXY_FORMS = `true, false, a hop count (1 to ${MAX_HOPS}), or a comma-separated list of IP addresses, subnets (address/prefix) and ${NAMED_RANGES.join(", ")}`;

export function parseTrustProxy(value: string): ParsedTrustProxy {
  const text = value.trim();
  if (text === "true" || text === "false") return { ok: true, value: text === "true" };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops >= 1 && hops <= MAX_HOPS) return { ok: true, value: hops };
    return {
      ok: false,
      problems: [`a hop count must be from 1 to ${MAX_HOPS} (false trusts no proxy)`],
    };
  }
  const entries = text.split(",").map((entry) => entry.trim());
  const problems = entries.flatMap((entry, index) => {
    const problem =
      entries.length > 1 && /^(?:true|false|\d+)$/.test(entry) ? STANDS_ALONE : entryProblem(entry);
    if (problem === undefined) return [];
    if (entries.length > 1) return [`entry ${index + 1} ${quote(entry)} ${problem}`];
    return [`${quote(entry)} ${problem === NOT_AN_ADDRESS ? `is not one of ${TRUST_PROXY_FORMS}` : problem}`];
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: entries };
}

function entryProblem(entry: string): string | undefined {
  if (entry === "") return "is empty";
  if (NAMED_RANGES.includes(entry)) return undefined;
  const [address = "", prefix, ...more] = entry.split("/");
  // Express matches addresses without a zone, so "fe80::1%eth0" would never match any peer.
  if (address.includes("%")) return "has an IPv6 zone id (%…), which Express never matches";
  const version = isIP(address);
  if (version === 0 || more.length > 0) return NOT_AN_ADDRESS;
  if (prefix === undefined) return undefined;
  // Express refuses a zero prefix (true trusts everyone), and an IPv4-mapped subnet matches IPv4
  // peers only with a prefix of 96 or more.
  const min = version === 6 && address.toLowerCase().startsWith("::ffff:") ? 96 : 1;
  const max = version === 4 ? 32 : 128;
  const length = /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
  if (!(length >= min && length <= max)) {
    return `needs a prefix length from ${min} to ${max} after the "/"`;
  }
  return undefined;
}

function quote(entry: string): string {
  return JSON.stringify(entry.length > MAX_ECHO ? `${entry.slice(0, MAX_ECHO)}…` : entry);
}
