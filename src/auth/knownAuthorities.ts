/**
 * Which authority hosts MSAL must be told to trust as they are. For Microsoft's own clouds MSAL ships
 * instance metadata; for any other host (a custom or private Entra-compatible authority) it would call
 * Microsoft's instance discovery endpoint unless the host, with its port, is a known authority.
 */
const MICROSOFT_CLOUD_HOSTS = new Set([
  "login.microsoftonline.com",
  "login.microsoft.com",
  "login.windows.net",
  "sts.windows.net",
  "login.microsoftonline.us",
  "login.usgovcloudapi.net",
  "login-us.microsoftonline.com",
  "login.chinacloudapi.cn",
  "login.partner.microsoftonline.cn",
]);

export function knownAuthoritiesFor(authority: string): string[] {
  const { host, hostname } = new URL(authority);
  return MICROSOFT_CLOUD_HOSTS.has(hostname) ? [] : [host];
}
