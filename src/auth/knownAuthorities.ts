/**
 * Which authority hosts MSAL must be told to trust as they are. For Microsoft's own clouds MSAL ships
 * instance metadata; for any other host (a custom or private Entra-compatible authority) it would call
 * Microsoft's instance discovery endpoint unless the host, with its port, is a known authority.
 */
import { MICROSOFT_CLOUDS } from "../config/clouds.js";

const MICROSOFT_CLOUD_HOSTS: ReadonlySet<string> = new Set(
  MICROSOFT_CLOUDS.flatMap((cloud) => cloud.loginHosts),
);

export function knownAuthoritiesFor(authority: string): string[] {
  const { host, hostname } = new URL(authority);
  return MICROSOFT_CLOUD_HOSTS.has(hostname) ? [] : [host];
}
