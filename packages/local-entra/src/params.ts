/**
 * Reading OAuth parameters from a query string or an x-www-form-urlencoded body.
 *
 * Guarantees: parameters are parsed with URLSearchParams (no nested objects, no prototype keys);
 * a parameter sent twice is reported (Entra refuses duplicates, AADSTS9000411) instead of one
 * value silently winning; an empty value counts as absent, as at Entra.
 */
import type { Request } from "express";

export class Params {
  readonly #search: URLSearchParams;

  constructor(search: URLSearchParams) {
    this.#search = search;
  }

  static fromQuery(req: Request): Params {
    return new Params(new URL(req.originalUrl, "https://local.invalid").searchParams);
  }

  /** `req.body` as left by express.text for the form content type; anything else is an empty set. */
  static fromFormBody(body: unknown): Params {
    return new Params(new URLSearchParams(typeof body === "string" ? body : ""));
  }

  /** The first parameter name that occurs more than once, if any. */
  duplicate(): string | undefined {
    const seen = new Set<string>();
    for (const name of this.#search.keys()) {
      if (seen.has(name)) return name;
      seen.add(name);
    }
    return undefined;
  }

  get(name: string): string | undefined {
    const value = this.#search.get(name);
    return value === null || value === "" ? undefined : value;
  }
}
