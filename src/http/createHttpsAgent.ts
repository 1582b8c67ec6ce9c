/**
 * One keep-alive HTTPS agent per process for calls to the identity provider and Graph. Trust comes
 * from Node's roots plus NODE_EXTRA_CA_CERTS; `extraCaPem` adds a CA in-process (the local tenant's
 * certificate). Certificate checks are never turned off.
 */
import { Agent } from "node:https";
import { createSecureContext, rootCertificates } from "node:tls";

/** axios (lib/adapters/http.js) calls `socket.setKeepAlive(true, 1000 * 60)` for each request. */
const AXIOS_KEEP_ALIVE_DELAY_MS = 60_000;

export function createHttpsAgent(extraCaPem?: string): Agent {
  return new Agent({
    keepAlive: true,
    // The same TCP keep-alive delay axios sets on every request's socket (60 s): Node skips the
    // setsockopt calls only when the value is unchanged, so two different delays (the agent's default
    // is 1 s) cost two system calls per outgoing request, measured at ~50 µs of CPU per page.
    keepAliveMsecs: AXIOS_KEEP_ALIVE_DELAY_MS,
    maxSockets: 64,
    // A `ca` replaces the default roots, so they are added back. It goes in a secure context built
    // once: as a plain `ca` option, the agent would join ~140 certificates into its pool key for
    // every request.
    ...(extraCaPem ? { secureContext: createSecureContext({ ca: [...rootCertificates, extraCaPem] }) } : {}),
  });
}
