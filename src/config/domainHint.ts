/**
 * DOMAIN_HINT: what Entra accepts as `domain_hint` to skip home-realm discovery, a verified domain
 * of a tenant (contoso.com) or a tenant id (a GUID). Anything else would be sent as is and ignored
 * by Entra, or worse, send every user to the wrong directory's sign-in page: refused at start-up.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An LDH label: letters, digits and inner hyphens, 1 to 63 characters. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
/** The last label names a top-level domain: letters only, or an IDN's `xn--` form. */
const TOP_LEVEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/i;
const MAX_DOMAIN_LENGTH = 253;

/** Why `value` cannot be a domain hint, in words for the operator; undefined when it can. */
export function domainHintProblem(value: string): string | undefined {
  const shape =
    "must be a domain name such as contoso.com or a tenant id (a GUID), without scheme, path, @ or spaces";
  if (GUID.test(value)) return undefined;
  // eslint-disable-next-line no-control-regex -- non-ASCII is what is looked for
  if (/[^\x00-\x7f]/.test(value)) return `${shape}; write an internationalized name in its xn-- form`;
  if (value.length > MAX_DOMAIN_LENGTH) return `must be at most ${MAX_DOMAIN_LENGTH} characters long`;
  const labels = value.split(".");
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) return shape;
  if (!TOP_LEVEL.test(labels[labels.length - 1]!)) return shape;
  return undefined;
}
