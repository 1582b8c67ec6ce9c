/**
 * A TLS-terminating reverse proxy on 127.0.0.1, as a production deployment puts in front of the app:
 * it speaks https to the browser and plain http to the app, adding X-Forwarded-Proto and
 * X-Forwarded-For as nginx, a cloud load balancer or an ingress does. Its certificate is made per start.
 */
import { once } from "node:events";
import { request } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { generate } from "selfsigned";

export interface TlsProxy {
  /** e.g. https://127.0.0.1:43123 */
  origin: string;
  certificatePem: string;
  /** Where requests go (the app's http origin); set once the app listens. */
  forwardTo(target: string): void;
  close(): Promise<void>;
}

export async function startTlsProxy(): Promise<TlsProxy> {
  // Its own subject name: a client trusting both this and the tenant's certificate (both self-signed)
  // finds each by its issuer name, so the two names must differ.
  const tls = await generate([{ name: "commonName", value: "test-tls-proxy" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: false, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] },
    ],
  });
  let target: URL | undefined;
  const server = createServer({ key: tls.private, cert: tls.cert }, (req, res) => {
    if (!target) {
      res.writeHead(502).end("no upstream");
      return;
    }
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: {
          ...req.headers,
          "x-forwarded-proto": "https",
          "x-forwarded-for": req.socket.remoteAddress ?? "",
        },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.writeHead(502).end("upstream failed"));
    req.pipe(upstream);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://127.0.0.1:${port}`,
    certificatePem: tls.cert,
    forwardTo: (value) => {
      target = new URL(value);
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
