/**
 * The process's outgoing HTTPS sockets (identity provider and Graph, one keep-alive agent): a socket
 * reused for another request costs no socket-option system call. Node skips `setKeepAlive`'s
 * setsockopt only when the delay is unchanged, and both the agent (when it frees a socket) and axios
 * (when it takes one) set it, so any mismatch between the two costs two system calls per call.
 */
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { startLocalTenant } from "local-entra";
import type { LocalTenant } from "local-entra";
import { createNetworkClient } from "../../src/auth/createNetworkClient.js";
import { createGraphClient } from "../../src/graph/createGraphClient.js";
import { createHttpsAgent } from "../../src/http/createHttpsAgent.js";

/** Counts the native keep-alive calls of every socket the agent opens. */
function countKeepAliveCalls(agent: ReturnType<typeof createHttpsAgent>) {
  const counts = { sockets: 0, nativeCalls: 0 };
  const create = agent.createConnection.bind(agent) as (...args: unknown[]) => Socket;
  (agent as unknown as { createConnection: (...args: unknown[]) => Socket }).createConnection = (...args) => {
    const socket = create(...args);
    counts.sockets += 1;
    const handle = (socket as unknown as { _handle: { setKeepAlive: (...a: unknown[]) => unknown } })._handle;
    const native = handle.setKeepAlive.bind(handle);
    handle.setKeepAlive = (...a: unknown[]) => {
      counts.nativeCalls += 1;
      return native(...a);
    };
    return socket;
  };
  return counts;
}

describe("outgoing HTTPS sockets", () => {
  let tenant: LocalTenant;
  before(async () => {
    tenant = await startLocalTenant();
  });
  after(() => tenant.close());

  const callers = [
    ["the identity provider's network client (discovery GET)", "idp"],
    ["the Graph client (GET /me, refused)", "graph"],
    ["both in turn", "both"],
  ] as const;

  for (const [name, which] of callers) {
    it(`${name}, 12 sequential calls on reused keep-alive sockets, make no setsockopt call`, async () => {
      const agent = createHttpsAgent(tenant.caCertificatePem);
      const counts = countKeepAliveCalls(agent);
      const network = createNetworkClient({ httpsAgent: agent, timeoutMs: 5000 });
      const graph = createGraphClient({ endpoint: tenant.graphEndpoint, timeoutMs: 5000 }, agent);
      const discovery = `${tenant.authority}/v2.0/.well-known/openid-configuration`;
      const call = async (i: number) => {
        if (which === "idp" || (which === "both" && i % 2 === 0)) {
          const answer = await network.sendGetRequestAsync(discovery);
          assert.equal(answer.status, 200);
        } else {
          await assert.rejects(graph.getMe("not-a-token", `test-${i}`));
        }
      };
      try {
        // The first calls open the sockets (whose set-up sets their options once).
        await call(0);
        await call(1);
        const opened = { ...counts };

        for (let i = 2; i < 14; i += 1) await call(i);

        assert.equal(counts.sockets, opened.sockets, "the sockets were reused");
        assert.equal(
          counts.nativeCalls - opened.nativeCalls,
          0,
          `setsockopt calls for 12 calls on reused sockets (${opened.nativeCalls} while opening ${opened.sockets})`,
        );
      } finally {
        agent.destroy();
      }
    });
  }
});
