/**
 * The app's Prometheus metrics (prom-client), in a registry of this app's own (never the process-wide
 * default): requests by route, sign-ins, silent token acquisitions, session-store operations, Graph
 * and identity-provider calls. Collected always (cheap); served only when METRICS_ENABLED is true.
 */
import { Counter, Histogram, Registry } from "prom-client";

export type TokenOutcome = "cache" | "refreshed" | "interaction_required" | "error";

export interface AppMetrics {
  readonly registry: Registry;
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

  return {
    registry,
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
