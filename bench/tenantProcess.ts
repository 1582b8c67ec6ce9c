/** The parent's handle on bench/tenantServer.ts (the local tenant in a child process). */
import type { LocalTenantClient } from "local-entra";
import { startChild } from "./child.js";
import type {
  TenantEndpoints,
  TenantProcessOptions,
  TenantReady,
  TenantRequest,
  TenantSnapshot,
} from "./protocol.js";

export interface TenantProcess {
  pid: number;
  endpoints: TenantEndpoints;
  registerClient(client: LocalTenantClient): Promise<void>;
  snapshot(): Promise<TenantSnapshot>;
  close(): Promise<void>;
}

export async function startTenantProcess(options: TenantProcessOptions): Promise<TenantProcess> {
  const child = await startChild<TenantRequest, TenantReady>("local tenant", "./tenantServer.ts", {
    BENCH_TENANT: JSON.stringify(options),
  });
  const { type: _ready, ...endpoints } = child.ready;
  return {
    pid: child.pid,
    endpoints,
    registerClient: async (client) => {
      await child.request({ type: "registerClient", client });
    },
    snapshot: () => child.request<TenantSnapshot>({ type: "snapshot" }),
    close: () => child.close(),
  };
}
