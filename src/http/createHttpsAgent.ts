/**
 * One keep-alive HTTPS agent per process for calls to the identity provider and Graph. Trust comes
 * from Node's roots plus NODE_EXTRA_CA_CERTS; `extraCaPem` adds a CA in-process (the local tenant's
 * certificate). Certificate checks are never turned off.
 */
import { Agent } from "node:https";
import { rootCertificates } from "node:tls";

export function createHttpsAgent(extraCaPem?: string): Agent {
  return new Agent({
    keepAlive: true,
    maxSockets: 64,
    // Passing `ca` replaces the default roots, so they are added back explicitly.
    ...(extraCaPem ? { ca: [...rootCertificates, extraCaPem] } : {}),
  });
}
