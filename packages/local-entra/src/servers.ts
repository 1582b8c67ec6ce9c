/**
 * HTTPS listeners that can be closed for real.
 *
 * Guarantees: the server listens before any request handler is attached (so handlers are built
 * with the final port); close() stops accepting, destroys every open socket — idle keep-alive
 * connections and requests held open by a hang fault alike — and resolves once the server is
 * closed. close() is idempotent.
 */
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { RequestListener } from "node:http";
import type { TlsMaterial } from "./certificate.js";

export interface RunningServer {
  port: number;
  handle(listener: RequestListener): void;
  close(): Promise<void>;
}

export async function listenHttps(tls: TlsMaterial, host: string, port: number): Promise<RunningServer> {
  const server = https.createServer({ key: tls.keyPem, cert: tls.certPem });
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    handle(listener: RequestListener): void {
      server.on("request", listener);
    },
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
