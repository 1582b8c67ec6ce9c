/**
 * The local tenant's process of the bench (started by bench/tenantProcess.ts): the identity provider
 * and the Graph stand-in on 127.0.0.1, in a process of their own so that the app process's CPU time
 * is the app's alone (a real Entra ID and Graph cost the app no CPU: an RS256 verification and the
 * TLS server side of every Graph call would otherwise be counted as the app's). It registers the
 * app's client when asked and reports its counters and its CPU time.
 */
import { startLocalTenant } from "local-entra";
import { serveParent } from "./child.js";
import type {
  Numbered,
  TenantProcessOptions,
  TenantReady,
  TenantRequest,
  TenantSnapshot,
} from "./protocol.js";

serveParent<Numbered<TenantRequest>, TenantReady>(async () => {
  const options = JSON.parse(process.env.BENCH_TENANT ?? "") as TenantProcessOptions;
  const tenant = await startLocalTenant({ accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds });
  return {
    ready: {
      type: "ready",
      cloudInstance: tenant.cloudInstance,
      tenantId: tenant.tenantId,
      graphEndpoint: tenant.graphEndpoint,
      caCertificatePem: tenant.caCertificatePem,
    },
    answer: async (request): Promise<unknown> => {
      switch (request.type) {
        case "registerClient":
          tenant.registerClient(request.client);
          return null;
        case "snapshot": {
          const { user, system } = process.cpuUsage();
          const snapshot: TenantSnapshot = {
            counters: { ...tenant.counters },
            cpu: { userMicros: user, systemMicros: system },
          };
          return snapshot;
        }
        case "close":
          await tenant.close();
          return null;
      }
    },
  };
});
