/**
 * Reads one query or form parameter as a single string. A repeated parameter (`?a=1&a=2`, which
 * Express turns into an array), an object or an oversized value is a 400, never coerced.
 */
import { BadRequestError } from "../errors.js";

export function optionalParam(source: unknown, name: string, maxLength = 2048): string | undefined {
  const value =
    typeof source === "object" && source !== null ? (source as Record<string, unknown>)[name] : undefined;
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new BadRequestError(`The parameter "${name}" must appear once.`);
  if (value.length > maxLength) throw new BadRequestError(`The parameter "${name}" is too long.`);
  return value;
}

export function requiredParam(source: unknown, name: string, maxLength = 2048): string {
  const value = optionalParam(source, name, maxLength);
  if (value === undefined || value === "") throw new BadRequestError(`The parameter "${name}" is missing.`);
  return value;
}
