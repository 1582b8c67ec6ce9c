/**
 * MSAL's network module, on axios with the process's keep-alive agent and a deadline on every call.
 * msal-node 7.2.3's default client sets no deadline on POSTs, so a hung token endpoint would hang the
 * request; here every call ends within `timeoutMs` and failures become MSAL network errors.
 */
import type { Agent } from "node:https";
import axios from "axios";
import { ClientAuthErrorCodes, AuthError } from "@azure/msal-node";
import type { Configuration } from "@azure/msal-node";

export type NetworkModule = NonNullable<NonNullable<Configuration["system"]>["networkClient"]>;
type NetworkRequestOptions = Parameters<NetworkModule["sendGetRequestAsync"]>[1];

const MAX_RESPONSE_BYTES = 1024 * 1024;

export function createNetworkClient(options: { httpsAgent: Agent; timeoutMs: number }): NetworkModule {
  const http = axios.create({
    httpsAgent: options.httpsAgent,
    timeout: options.timeoutMs,
    maxContentLength: MAX_RESPONSE_BYTES,
    maxRedirects: 0,
    responseType: "text",
    transformResponse: (data: unknown) => data,
    validateStatus: () => true,
  });

  async function send<T>(
    method: "GET" | "POST",
    url: string,
    request?: NetworkRequestOptions,
    timeout?: number,
  ) {
    let response;
    try {
      response = await http.request<string>({
        method,
        url,
        headers: request?.headers ?? {},
        data: method === "POST" ? (request?.body ?? "") : undefined,
        timeout: Math.min(timeout ?? options.timeoutMs, options.timeoutMs),
      });
    } catch (error) {
      const reason = axios.isAxiosError(error) ? (error.code ?? error.message) : "unknown";
      throw new AuthError(ClientAuthErrorCodes.networkError, `Network request failed: ${reason}`);
    }
    let body: T;
    try {
      body = JSON.parse(response.data) as T;
    } catch {
      throw new AuthError(
        ClientAuthErrorCodes.tokenParsingError,
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
