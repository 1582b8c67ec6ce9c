/**
 * One keep-alive HTTPS agent per process for calls to the identity provider and Graph. Trust comes
 * from Node's roots plus NODE_EXTRA_CA_CERTS; `extraCaPem` adds a CA in-process (the local tenant's
 * certificate). Certificate checks are never turned off.
 */
import { Agent } from "node:https";
import { createSecureContext, rootCertificates } from "node:tls";

export function createHttpsAgent(extraCaPem?: string): Agent {
  return new Agent({
    keepAlive: true,
    maxSockets: 64,
    // A `ca` replaces the default roots, so they are added back. It goes in a secure context built
    // once: as a plain `ca` option, the agent would join ~140 certificates into its pool key for
    // every request.
    ...(extraCaPem ? { secureContext: createSecureContext({ ca: [...rootCertificates, extraCaPem] }) } : {}),
  });
}
