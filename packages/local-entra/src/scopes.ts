/**
 * Scope parsing, like Entra's v2.0 endpoint.
 *
 * Guarantees: only the OIDC scopes (openid, profile, email, offline_access) and the Graph scopes
 * User.Read, User.ReadBasic.All, Calendars.Read, Calendars.ReadWrite, Mail.Read (bare or with the
 * `https://graph.microsoft.com/` prefix, case-insensitive) plus `https://graph.microsoft.com/.default`
 * are accepted. Scopes of two resources → AADSTS28000; anything unknown → AADSTS70011; `.default`
 * mixed with named Graph scopes → AADSTS70011. Granted Graph scopes are reported in canonical case
 * without prefix. The Graph access token's `aud` follows the form of the first Graph scope, as
 * Entra's v1 tokens name "the client ID or the resource URI used in the request": the URI form
 * (`https://graph.microsoft.com/User.Read`, `…/.default`) gives `https://graph.microsoft.com`; the
 * app-id form (`00000003-0000-0000-c000-000000000000/User.Read`) and the bare name (`User.Read`,
 * which Entra resolves to Graph by its app id) give Graph's app id; a request naming no Graph
 * scope gets the app id as well (Entra answers it with a token for Graph's User.Read).
 */
import { GRAPH_APP_ID } from "./wellKnown.js";
import { aadsts } from "./errors.js";
import type { EntraError } from "./errors.js";

export const OIDC_SCOPES = ["openid", "profile", "email", "offline_access"] as const;
export const GRAPH_SCOPES = [
  "User.Read",
  "User.ReadBasic.All",
  "Calendars.Read",
  "Calendars.ReadWrite",
  "Mail.Read",
] as const;
export const GRAPH_RESOURCE = "https://graph.microsoft.com";
/** The Graph permission of a sign-in that asks for no Graph scope (an app registration's default). */
export const DEFAULT_GRAPH_SCOPE = "User.Read";

export interface ParsedScopes {
  oidc: Set<string>;
  /** Canonical Graph scope names, no prefix, no duplicates. */
  graph: string[];
  /** `https://graph.microsoft.com/.default` was requested. */
  graphDefault: boolean;
  /** The Graph token's `aud` for the first Graph scope's form; undefined when none is named. */
  graphAudience: string | undefined;
}

/**
 * What a grant (a code, a refresh token) keeps of the scopes it was issued for: a later token
 * request without `scope` is answered with these.
 */
export interface GrantScopes {
  /** The OIDC scopes asked for (openid → an ID token, email → its `email` claim). */
  oidc: readonly string[];
  graphAudience: string;
}

export type ScopeResult = { ok: true; scopes: ParsedScopes } | { ok: false; error: EntraError };

const GRAPH_BY_LOWER: ReadonlyMap<string, string> = new Map<string, string>(
  GRAPH_SCOPES.map((scope) => [scope.toLowerCase(), scope]),
);
const OIDC_SET: ReadonlySet<string> = new Set<string>(OIDC_SCOPES);

function resourceOf(scope: string): string | undefined {
  const slash = scope.lastIndexOf("/");
  if (slash <= 0) return undefined;
  const resource = scope.slice(0, slash).toLowerCase();
  // "00000003-0000-0000-c000-000000000000/User.Read" is Graph by app id.
  if (resource === GRAPH_RESOURCE || resource === "00000003-0000-0000-c000-000000000000")
    return GRAPH_RESOURCE;
  return resource;
}

export function parseScopes(raw: string): ScopeResult {
  const items = raw.split(/\s+/).filter((item) => item !== "");
  const oidc = new Set<string>();
  const graph: string[] = [];
  let graphDefault = false;
  let graphAudience: string | undefined;
  const resources = new Set<string>();
  for (const item of items) {
    const lower = item.toLowerCase();
    if (OIDC_SET.has(lower)) {
      oidc.add(lower);
      continue;
    }
    const resource = resourceOf(item);
    resources.add(resource ?? GRAPH_RESOURCE); // a bare name ("User.Read") means Graph
  }
  if (resources.size > 1) return { ok: false, error: aadsts.multipleResources(raw) };
  for (const item of items) {
    const lower = item.toLowerCase();
    if (OIDC_SET.has(lower)) continue;
    const resource = resourceOf(item);
    if (resource !== undefined && resource !== GRAPH_RESOURCE) {
      return { ok: false, error: aadsts.invalidScope(item, "The resource is not known in this tenant.") };
    }
    graphAudience ??= lower.startsWith(`${GRAPH_RESOURCE}/`) ? GRAPH_RESOURCE : GRAPH_APP_ID;
    const name = resource === undefined ? lower : lower.slice(lower.lastIndexOf("/") + 1);
    if (name === ".default" && resource !== undefined) {
      graphDefault = true;
      continue;
    }
    const canonical = GRAPH_BY_LOWER.get(name);
    if (canonical === undefined) return { ok: false, error: aadsts.invalidScope(item, "") };
    if (!graph.includes(canonical)) graph.push(canonical);
  }
  if (graphDefault && graph.length > 0) {
    return {
      ok: false,
      error: aadsts.invalidScope(raw, "The .default scope can't be combined with resource-specific scopes."),
    };
  }
  return { ok: true, scopes: { oidc, graph, graphDefault, graphAudience } };
}

export function grantScopesOf(parsed: ParsedScopes): GrantScopes {
  return { oidc: [...parsed.oidc], graphAudience: parsed.graphAudience ?? GRAPH_APP_ID };
}

/**
 * The scopes a token request is answered with: its own `scope` when it sent one (the Graph
 * audience only when it names a Graph scope), else the grant's.
 */
export function scopesInForce(grant: GrantScopes, requested: ParsedScopes | undefined): GrantScopes {
  if (requested === undefined) return grant;
  return {
    oidc: [...requested.oidc],
    graphAudience: requested.graphAudience ?? grant.graphAudience,
  };
}

/** The `scope` value of a token response: "openid profile email" plus the Graph scopes. */
export function responseScope(graphScopes: readonly string[]): string {
  return ["openid", "profile", "email", ...graphScopes].join(" ");
}
