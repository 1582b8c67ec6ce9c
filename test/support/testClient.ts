/**
 * A small HTTP client for tests that behaves like one browser: it keeps cookies per host (browsers
 * ignore ports, so two app instances on 127.0.0.1 share a session as behind one load balancer), never
 * follows redirects by itself (tests look at each hop), and trusts the local tenant's certificate
 * through an agent, never by turning checks off.
 */
import { Agent } from "node:https";
import { createSecureContext } from "node:tls";
import axios from "axios";
import type { AxiosInstance, AxiosResponse } from "axios";

export interface TestResponse {
  status: number;
  headers: Record<string, string | undefined>;
  location: string | undefined;
  body: string;
}

export class TestClient {
  private readonly jar = new Map<string, Map<string, string>>();
  /** Every response this client received, in order (tests search it for leaked secrets). */
  readonly transcript: { url: string; response: TestResponse }[] = [];
  private readonly http: AxiosInstance;
  private readonly defaultHeaders: Record<string, string>;

  /** `headers`: sent with every request (e.g. this browser's User-Agent). */
  constructor(
    caCertificatePem: string | readonly string[],
    options: { timeoutMs?: number; headers?: Record<string, string> } = {},
  ) {
    this.defaultHeaders = { ...options.headers };
    this.http = axios.create({
      httpsAgent: new Agent({
        // Built once: as a plain `ca` option, every new connection would build its own.
        secureContext: createSecureContext({
          ca: typeof caCertificatePem === "string" ? caCertificatePem : [...caCertificatePem],
        }),
      }),
      maxRedirects: 0,
      responseType: "text",
      transformResponse: (data: unknown) => data,
      validateStatus: () => true,
      timeout: options.timeoutMs ?? 15_000,
    });
  }

  get(url: string, headers: Record<string, string> = {}): Promise<TestResponse> {
    return this.request("GET", url, undefined, headers);
  }

  postForm(
    url: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<TestResponse> {
    return this.request("POST", url, new URLSearchParams(fields).toString(), {
      "content-type": "application/x-www-form-urlencoded",
      ...headers,
    });
  }

  /** The value of a cookie this client holds for `origin`. */
  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(new URL(origin).hostname)?.get(name);
  }

  /** Every cookie this client holds for `origin`, by name. */
  cookies(origin: string): Record<string, string> {
    return Object.fromEntries(this.jar.get(new URL(origin).hostname) ?? []);
  }

  setCookie(origin: string, name: string, value: string): void {
    const key = new URL(origin).hostname;
    const cookies = this.jar.get(key) ?? new Map<string, string>();
    cookies.set(name, value);
    this.jar.set(key, cookies);
  }

  async request(method: string, url: string, data?: string, headers: Record<string, string> = {}) {
    const origin = new URL(url).hostname;
    const cookies = this.jar.get(origin);
    const cookieHeader = cookies ? [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") : "";
    const response = await this.http.request<string>({
      method,
      url,
      data,
      headers: { ...this.defaultHeaders, ...(cookieHeader ? { cookie: cookieHeader } : {}), ...headers },
    });
    this.storeCookies(origin, response);
    const flatHeaders: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(response.headers)) {
      flatHeaders[key.toLowerCase()] = Array.isArray(value)
        ? value.join(", ")
        : (value as string | undefined);
    }
    const location = flatHeaders.location ? new URL(flatHeaders.location, url).href : undefined;
    const result = { status: response.status, headers: flatHeaders, location, body: response.data };
    this.transcript.push({ url, response: result });
    return result;
  }

  private storeCookies(origin: string, response: AxiosResponse<string>): void {
    const setCookie = response.headers["set-cookie"];
    if (!setCookie) return;
    const cookies = this.jar.get(origin) ?? new Map<string, string>();
    for (const line of setCookie) {
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [key = "", val = ""] = a.trim().split("=");
        if (key.toLowerCase() === "max-age") return Number(val) <= 0;
        if (key.toLowerCase() === "expires") return Date.parse(val) <= Date.now();
        return false;
      });
      if (expired) cookies.delete(name);
      else cookies.set(name, value);
    }
    this.jar.set(origin, cookies);
  }
}
