/** A test's own HTTP server on 127.0.0.1: listened on a port the OS picks, closed with its connections. */
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Listens on 127.0.0.1 (any free port) and gives the server's base URL. */
export async function listenOnLoopback(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes the server now, keep-alive connections included. */
export function closeNow(server: Server): void {
  server.closeAllConnections();
  server.close();
}
