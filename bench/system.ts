/**
 * The system under load: the local tenant's process and the app's process, started together (the
 * app's client registered at the tenant), snapshotted together (the app first: once no request is
 * running in the app, none of its Graph or token calls is running in the tenant) and closed together.
 */
import type { LocalTenantCounters } from "local-entra";
import { startAppProcess } from "./appProcess.js";
import type { AppProcess } from "./appProcess.js";
import type { AppProcessOptions, AppSnapshot, CpuTime } from "./protocol.js";
import { startTenantProcess } from "./tenantProcess.js";

export interface Snapshot extends Omit<AppSnapshot, "cpu"> {
  tenant: LocalTenantCounters;
  cpu: { app: CpuTime; tenant: CpuTime };
}

export interface System extends Omit<AppProcess, "snapshot"> {
  /** The tenant's certificate, for the parent's sign-in client. */
  caCertificatePem: string;
  snapshot(options: { gc: boolean }): Promise<Snapshot>;
}

export async function startSystem(
  options: Omit<AppProcessOptions, "tenant"> & { accessTokenLifetimeSeconds: number },
): Promise<System> {
  const { accessTokenLifetimeSeconds, ...appOptions } = options;
  const tenant = await startTenantProcess({ accessTokenLifetimeSeconds });
  let app: AppProcess | undefined;
  try {
    app = await startAppProcess({ ...appOptions, tenant: tenant.endpoints });
    const { env } = app;
    await tenant.registerClient({
      clientId: env.CLIENT_ID!,
      clientSecret: env.CLIENT_SECRET!,
      redirectUris: [env.REDIRECT_URI!],
    });
  } catch (error) {
    await app?.close();
    await tenant.close();
    throw error;
  }
  const started = app;
  return {
    ...started,
    caCertificatePem: tenant.endpoints.caCertificatePem,
    snapshot: async (snapshotOptions) => {
      const { cpu, ...inApp } = await started.snapshot(snapshotOptions);
      const inTenant = await tenant.snapshot();
      return { ...inApp, tenant: inTenant.counters, cpu: { app: cpu, tenant: inTenant.cpu } };
    },
    close: async () => {
      try {
        await started.close();
      } finally {
        await tenant.close();
      }
    },
  };
}
