/**
 * Stops an HTTP server the way a load balancer expects: no new connections, requests in flight run
 * to their end, idle keep-alive connections are closed, and after `graceMs` whatever is left is cut.
 */
import { once } from "node:events";
import type { Server } from "node:http";

export async function closeGracefully(server: Server, graceMs: number): Promise<void> {
  const closed = once(server, "close");
  server.close();
  server.closeIdleConnections();
  // A connection whose request ends after close() becomes idle but is not closed by Node on its own.
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  const cut = setTimeout(() => server.closeAllConnections(), graceMs);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
    clearTimeout(cut);
  }
}
