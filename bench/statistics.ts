/**
 * The statistics every comparison of the bench uses (bench/tokenPathCost.ts, bench/pageCosts.ts):
 * a figure's uncertainty is twice the standard error of its per-round values (each round measures
 * every route once, seconds apart, so a round's value sees one state of the shared machine), and a
 * target counts as met or missed only when that whole range is on one side of it.
 */
import { round } from "./measure.js";

export interface Spread {
  min: number;
  median: number;
  max: number;
}

/** "met" or "missed" when the whole ± range is on one side of the target, else "within noise". */
export type Verdict = "met" | "missed" | "within noise";

/** Min, median and max of `values`, rounded to `digits`. */
export function spread(values: readonly number[], digits: number): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median =
    sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return {
    min: round(sorted[0] ?? Number.NaN, digits),
    median: round(median, digits),
    max: round(sorted.at(-1) ?? Number.NaN, digits),
  };
}

/**
 * Twice the standard error of the mean of `values` (their standard deviation ÷ √n; NaN with fewer
 * than two): about 95 % of equally noisy runs land within the figure ± this.
 */
export function twiceStandardError(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
  return 2 * Math.sqrt(variance / values.length);
}

/**
 * `value` against an upper bound `target`, given its uncertainty; without one (a single round), the
 * value alone decides.
 */
export function verdictOf(value: number, uncertainty: number, target: number): Verdict {
  if (!Number.isFinite(uncertainty)) return value <= target ? "met" : "missed";
  if (value + uncertainty <= target) return "met";
  return value - uncertainty > target ? "missed" : "within noise";
}
