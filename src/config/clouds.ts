/**
 * Microsoft's clouds: their sign-in hosts (MSAL ships their instance metadata, see
 * auth/knownAuthorities.ts) and which Graph host goes with which sign-in host. Only a known pair from two
 * different clouds is refused (tokens of one cloud are never accepted by another's Graph); any other
 * host is somebody's own deployment and is left alone.
 * Source: learn.microsoft.com/graph/deployments and /entra/identity-platform/authentication-national-cloud.
 */
export interface MicrosoftCloud {
  name: string;
  loginHosts: readonly string[];
  graphHosts: readonly string[];
}

export const MICROSOFT_CLOUDS: readonly MicrosoftCloud[] = [
  {
    name: "the global cloud",
    loginHosts: ["login.microsoftonline.com", "login.microsoft.com", "login.windows.net", "sts.windows.net"],
    graphHosts: ["graph.microsoft.com"],
  },
  {
    name: "Azure US Government",
    loginHosts: ["login.microsoftonline.us", "login.usgovcloudapi.net", "login-us.microsoftonline.com"],
    graphHosts: ["graph.microsoft.us", "dod-graph.microsoft.us"],
  },
  {
    name: "Microsoft Azure operated by 21Vianet (China)",
    loginHosts: ["login.chinacloudapi.cn", "login.partner.microsoftonline.cn"],
    graphHosts: ["microsoftgraph.chinacloudapi.cn"],
  },
];

/** A problem when CLOUD_INSTANCE and GRAPH_API_ENDPOINT belong to two different Microsoft clouds. */
export function cloudMismatch(cloudInstance: string, graphEndpoint: string): string | undefined {
  const loginHost = new URL(cloudInstance).hostname;
  const graphHost = new URL(graphEndpoint).hostname;
  const login = MICROSOFT_CLOUDS.find((cloud) => cloud.loginHosts.includes(loginHost));
  const graph = MICROSOFT_CLOUDS.find((cloud) => cloud.graphHosts.includes(graphHost));
  if (!login || !graph || login === graph) return undefined;
  return `GRAPH_API_ENDPOINT: ${graphHost} is Microsoft Graph in ${graph.name}, but CLOUD_INSTANCE ${loginHost} signs in to ${login.name}; use https://${login.graphHosts[0]}/`;
}
