/**
 * The text report's building blocks (bench/format.ts, bench/formatPages.ts): aligned tables and the
 * ways figures are shown, so that every table shows a figure the same way.
 */
import type { Spread } from "./statistics.js";

export const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
export const fixed = (value: number, digits: number) =>
  Number.isFinite(value) ? value.toFixed(digits) : "n/a";
export const micros = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a";
export const signed = (text: string, value: number) => `${value >= 0 ? "+" : ""}${text}`;
export const percent = (share: number) => `${fixed(share * 100, 1)} %`;
export const spreadOf = (s: Spread, show: (value: number) => string) =>
  `${show(s.min)} … ${show(s.median)} … ${show(s.max)}`;

/** Text columns (`isText`) are left-aligned, figures right-aligned; a rule under the header. */
export function table(rows: string[][], isText: (column: number) => boolean): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((r) => r[column]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, column) => (isText(column) ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join("  ")
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)];
}
