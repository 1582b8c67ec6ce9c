/**
 * What the operator page (/admin) shows about this instance: the session store (kind, whether it
 * answers, how many sessions it holds), the client credential (kind and expiry, as the start-up log
 * says them), totals of the app's metrics, and the version and uptime. Counts and kinds only: no
 * user's data, no session id, no secret. Each store call has its own deadline and its failure is
 * shown, not thrown: the page is for finding out what is wrong.
 */
import { describeCredential } from "../config/describeCredential.js";
import type { ClientCredential, SessionStoreKind } from "../config/settings.js";
import type { Logger } from "../logger.js";
import type { AppMetrics, MetricsSummary } from "../metrics/createMetrics.js";
import type { SessionCount } from "../session/sessionStore.js";
import { withDeadline } from "../session/withDeadline.js";

export interface ServiceStateDeps {
  store: {
    kind: SessionStoreKind;
    ping: () => Promise<void>;
    count: () => Promise<SessionCount>;
    timeoutMs: number;
  };
  credential: ClientCredential;
  metrics: Pick<AppMetrics, "summary">;
  service: { version: string; startedAt: number };
  now: () => number;
  logger: Logger;
}

export interface ServiceState {
  store: { kind: SessionStoreKind; health: "up" | "down"; sessions: SessionCount | undefined };
  credential: { kind: string; expiresAt: Date | undefined; warning: string | undefined };
  metrics: MetricsSummary;
  version: string;
  startedAt: Date;
  uptimeSeconds: number;
}

export function createServiceState(deps: ServiceStateDeps): (requestId: string) => Promise<ServiceState> {
  const { store, credential, metrics, service, now, logger } = deps;
  return async (requestId) => {
    const [ping, count] = await Promise.allSettled([
      withDeadline(store.ping(), store.timeoutMs, "the session store's ping"),
      withDeadline(store.count(), store.timeoutMs, "the session count"),
    ]);
    if (ping.status === "rejected") logger.warn({ requestId, err: ping.reason }, "admin: store ping failed");
    if (count.status === "rejected") logger.warn({ requestId, err: count.reason }, "admin: count failed");
    const at = now();
    const described = describeCredential(credential, at);
    const notAfter = described.fields.certificateNotAfter;
    return {
      store: {
        kind: store.kind,
        health: ping.status === "fulfilled" ? "up" : "down",
        sessions: count.status === "fulfilled" ? count.value : undefined,
      },
      credential: {
        kind: String(described.fields.credential),
        expiresAt: typeof notAfter === "string" ? new Date(notAfter) : undefined,
        warning: described.warning,
      },
      metrics: await metrics.summary(),
      version: service.version,
      startedAt: new Date(service.startedAt),
      uptimeSeconds: Math.max(0, Math.floor((at - service.startedAt) / 1000)),
    };
  };
}
