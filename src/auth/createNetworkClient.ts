/**
 * MSAL's network module, on axios with the process's keep-alive agent and a deadline on every call.
 * msal-node 7.2.3's default client sets no deadline on POSTs, so a hung token endpoint would hang the
 * request; here every call ends within `timeoutMs` and failures become MSAL network errors. A 429/503
 * with a short Retry-After is retried once after the wait; otherwise the call fails as "busy".
 */
import type { Agent } from "node:https";
import axios from "axios";
import { ClientAuthErrorCodes, AuthError } from "@azure/msal-node";
import type { AppMetrics } from "../metrics/createMetrics.js";
import { isRetryableBusyStatus, parseRetryAfterSeconds, shortWaitMs, sleep } from "../http/retryAfter.js";
import type { Configuration } from "@azure/msal-node";

export type NetworkModule = NonNullable<NonNullable<Configuration["system"]>["networkClient"]>;
type NetworkRequestOptions = Parameters<NetworkModule["sendGetRequestAsync"]>[1];

const MAX_RESPONSE_BYTES = 1024 * 1024;
const DEFAULT_BUSY_RETRY_AFTER_SECONDS = 30;

export const IDENTITY_PROVIDER_BUSY = "identity_provider_busy";

/**
 * Thrown from the network module as an AuthError, so that it passes through MSAL unchanged (MSAL
 * rethrows AuthErrors from its network client as they are) and reaches translateMsalError with the
 * advised wait. Recognised there by its code: AuthError's constructor resets subclass prototypes.
 */
function busyError(retryAfterSeconds: number): AuthError {
  return Object.assign(new AuthError(IDENTITY_PROVIDER_BUSY, "The identity provider answered 429/503"), {
    retryAfterSeconds,
  });
}

export function createNetworkClient(options: {
  httpsAgent: Agent;
  timeoutMs: number;
  metrics?: AppMetrics;
}): NetworkModule {
  const http = axios.create({
    httpsAgent: options.httpsAgent,
    timeout: options.timeoutMs,
    maxContentLength: MAX_RESPONSE_BYTES,
    maxRedirects: 0,
    responseType: "text",
    transformResponse: (data: unknown) => data,
    validateStatus: () => true,
  });

  async function request(
    method: "GET" | "POST",
    url: string,
    options_?: NetworkRequestOptions,
    timeout?: number,
  ) {
    const endpoint = url.includes("/token")
      ? "token"
      : url.includes("openid-configuration")
        ? "metadata"
        : "other";
    try {
      const response = await http.request<string>({
        method,
        url,
        headers: options_?.headers ?? {},
        data: method === "POST" ? (options_?.body ?? "") : undefined,
        timeout: Math.min(timeout ?? options.timeoutMs, options.timeoutMs),
      });
      options.metrics?.identityProviderCall(endpoint, String(response.status));
      return response;
    } catch (error) {
      options.metrics?.identityProviderCall(endpoint, "error");
      const reason = axios.isAxiosError(error) ? (error.code ?? error.message) : "unknown";
      throw new AuthError(ClientAuthErrorCodes.networkError, `Network request failed: ${reason}`);
    }
  }

  async function send<T>(
    method: "GET" | "POST",
    url: string,
    options_?: NetworkRequestOptions,
    timeout?: number,
  ) {
    let response = await request(method, url, options_, timeout);
    if (isRetryableBusyStatus(response.status)) {
      // Honour a short Retry-After once; otherwise hand the browser the wait rather than retrying here.
      const retryAfter = parseRetryAfterSeconds(response.headers["retry-after"]);
      const wait = shortWaitMs(retryAfter);
      if (wait === undefined) throw busyError(retryAfter ?? DEFAULT_BUSY_RETRY_AFTER_SECONDS);
      await sleep(wait);
      response = await request(method, url, options_, timeout);
      if (isRetryableBusyStatus(response.status)) {
        throw busyError(
          parseRetryAfterSeconds(response.headers["retry-after"]) ?? DEFAULT_BUSY_RETRY_AFTER_SECONDS,
        );
      }
    }
    let body: T;
    try {
      body = JSON.parse(response.data) as T;
    } catch {
      throw new AuthError(
        ClientAuthErrorCodes.networkError,
        `The identity provider answered ${response.status} with a body that is not JSON`,
      );
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(response.headers)) {
      if (typeof value === "string") headers[key] = value;
    }
    return { headers, body, status: response.status };
  }

  return {
    sendGetRequestAsync: (url, request, timeout) => send("GET", url, request, timeout),
    sendPostRequestAsync: (url, request) => send("POST", url, request),
  };
}
