/**
 * The app's Prometheus metrics (prom-client), in a registry of this app's own (never the process-wide
 * default): requests by route, sign-ins, silent token acquisitions, session-store operations, Graph
 * and identity-provider calls. Collected always (cheap); served only when METRICS_ENABLED is true.
 */
import { Counter, Histogram, Registry } from "prom-client";

export type TokenOutcome = "cache" | "refreshed" | "interaction_required" | "error";

/** Totals since the process started, for the operator page: counts only, no label of a user. */
export interface MetricsSummary {
  requests: { total: number; byClass: Record<"2xx" | "3xx" | "4xx" | "5xx", number> };
  signIns: { succeeded: number; failed: number };
  tokenAcquisitions: Record<TokenOutcome, number>;
  storeOperations: { ok: number; error: number };
  /** Graph calls by outcome: answered 2xx, answered otherwise, or no answer (network, deadline). */
  graphCalls: { ok: number; failed: number };
}

export interface AppMetrics {
  readonly registry: Registry;
  summary(): Promise<MetricsSummary>;
  httpRequest(method: string, route: string, status: number, seconds: number): void;
  signIn(outcome: "succeeded" | "failed", reason: string): void;
  tokenAcquisition(outcome: TokenOutcome): void;
  storeOperation(operation: string, outcome: "ok" | "error"): void;
  graphCall(status: string, seconds: number): void;
  identityProviderCall(endpoint: string, status: string): void;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(): AppMetrics {
  const registry = new Registry();
  const counter = (name: string, help: string, labelNames: string[]) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  const histogram = (name: string, help: string, labelNames: string[]) =>
    new Histogram({ name, help, labelNames, buckets: LATENCY_BUCKETS, registers: [registry] });

  const requests = counter("http_requests_total", "HTTP requests by route and status", [
    "method",
    "route",
    "status",
  ]);
  const requestSeconds = histogram("http_request_duration_seconds", "HTTP request latency", [
    "method",
    "route",
  ]);
  const signIns = counter("signins_total", "Completed sign-in callbacks by outcome and reason", [
    "outcome",
    "reason",
  ]);
  const tokens = counter("token_acquisitions_total", "Silent token acquisitions by outcome", ["outcome"]);
  const store = counter("session_store_operations_total", "Session-store calls by operation and outcome", [
    "operation",
    "outcome",
  ]);
  const graph = counter("graph_requests_total", "Microsoft Graph calls by status", ["status"]);
  const graphSeconds = histogram("graph_request_duration_seconds", "Microsoft Graph call latency", []);
  const idp = counter(
    "identity_provider_requests_total",
    "Calls to the identity provider by endpoint and status",
    ["endpoint", "status"],
  );

  /** Sums a counter's samples by what `keyOf` makes of their labels (undefined: not counted). */
  async function sumBy<K extends string>(
    metric: Counter,
    keys: readonly K[],
    keyOf: (labels: Record<string, string | number | undefined>) => string | undefined,
  ): Promise<Record<K, number>> {
    const sums = Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
    for (const { labels, value } of (await metric.get()).values) {
      const key = keyOf(labels);
      if (key !== undefined && Object.hasOwn(sums, key)) sums[key as K] += value;
    }
    return sums;
  }

  return {
    registry,
    summary: async () => {
      const byClass = await sumBy(requests, ["2xx", "3xx", "4xx", "5xx"] as const, (l) =>
        typeof l.status === "string" ? `${l.status.charAt(0)}xx` : undefined,
      );
      const text = (value: unknown) => (typeof value === "string" ? value : undefined);
      return {
        requests: { total: byClass["2xx"] + byClass["3xx"] + byClass["4xx"] + byClass["5xx"], byClass },
        signIns: await sumBy(signIns, ["succeeded", "failed"] as const, (l) => text(l.outcome)),
        tokenAcquisitions: await sumBy(
          tokens,
          ["cache", "refreshed", "interaction_required", "error"] as const,
          (l) => text(l.outcome),
        ),
        storeOperations: await sumBy(store, ["ok", "error"] as const, (l) => text(l.outcome)),
        graphCalls: await sumBy(graph, ["ok", "failed"] as const, (l) =>
          typeof l.status === "string" && l.status.startsWith("2") ? "ok" : "failed",
        ),
      };
    },
    httpRequest: (method, route, status, seconds) => {
      requests.inc({ method, route, status: String(status) });
      requestSeconds.observe({ method, route }, seconds);
    },
    signIn: (outcome, reason) => signIns.inc({ outcome, reason }),
    tokenAcquisition: (outcome) => tokens.inc({ outcome }),
    storeOperation: (operation, outcome) => store.inc({ operation, outcome }),
    graphCall: (status, seconds) => {
      graph.inc({ status });
      graphSeconds.observe(seconds);
    },
    identityProviderCall: (endpoint, status) => idp.inc({ endpoint, status }),
  };
}
