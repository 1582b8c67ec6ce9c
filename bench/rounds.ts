/**
 * Several routes measured in rounds on one app process: each round runs every route once, for
 * durationSeconds each, so that all routes see the same machine — other processes on the shared
 * cores change what a CPU microsecond buys, and they change it over seconds — and each round gives
 * one figure per route, taken seconds apart, to compare route with route round by round
 * (bench/statistics.ts). The order changes each round (see roundOrder), so that no route is always
 * early or always late in a round.
 */
import type { LoadRun } from "./load.js";
import {
  addCounted,
  countedBetween,
  loader,
  measuredRun,
  measurementOf,
  rateOf,
  round1,
  roundProfilePath,
} from "./measure.js";
import type { Counted, Measurement, MeasureSpec } from "./measure.js";
import type { RouteName } from "./protocol.js";
import type { System } from "./system.js";

/** One route's figures in one round alone. */
export interface RoundFigures {
  requests: number;
  appCpuMicrosPerRequest: number;
  requestsPerSecond: number;
}

export interface Round<Name extends RouteName> {
  /** The order the routes ran in, in this round. */
  order: Name[];
  figures: Record<Name, RoundFigures>;
}

export interface RoundsMeasurement<Name extends RouteName> {
  /** Each route's figures, all rounds together (sums of CPU time ÷ sums of requests). */
  measurements: Record<Name, Measurement>;
  rounds: Round<Name>[];
}

/**
 * The order of round `index`: rounds come in pairs, the first forwards from a start that moves on by
 * one each pair, the second backwards from the route before that start. In every pair, each route's
 * two positions add up to n − 1, so over the rounds every route is as often early as late (with two
 * routes: A B, B A, B A, A B, …).
 */
export function roundOrder<T>(items: readonly T[], index: number): T[] {
  const n = items.length;
  const start = Math.floor(index / 2) % n;
  const at = (position: number) => items[((position % n) + n) % n]!;
  return items.map((_, i) => (index % 2 === 0 ? at(start + i) : at(start - 1 - i)));
}

function figuresOf(inRound: Counted, run: LoadRun): RoundFigures {
  return {
    requests: inRound.handledRequests,
    appCpuMicrosPerRequest: round1(
      (inRound.appCpuUserMicros + inRound.appCpuSystemMicros) / inRound.handledRequests,
    ),
    requestsPerSecond: round1(rateOf(run)),
  };
}

/**
 * The routes of `specs`: warmupSeconds of each (after the "before" snapshot's GC), in slices of about
 * a second in the rounds' order, then `rounds` rounds of durationSeconds per route.
 */
export async function measureRounds<Name extends RouteName>(
  system: System,
  specs: Record<Name, MeasureSpec>,
  rounds: number,
): Promise<RoundsMeasurement<Name>> {
  const names = Object.keys(specs) as Name[];
  const loaders = new Map(names.map((name) => [name, loader(system, specs[name])]));
  const loaderOf = (name: Name) => loaders.get(name)!;
  const before = await system.snapshot({ gc: true });
  // The warm-up comes after the forced GC, which shrinks V8's young generation: CPU per request stays
  // high for seconds while it grows back. It takes turns too, in slices of about a second.
  const slices = Math.max(1, Math.round(Math.max(...names.map((name) => specs[name].warmupSeconds))));
  const slice = (name: Name) => specs[name].warmupSeconds / slices;
  const previous = new Map<Name, LoadRun>();
  for (let i = 0; i < slices; i += 1) {
    for (const name of roundOrder(names, i)) {
      const last = previous.get(name);
      previous.set(
        name,
        await (last ? loaderOf(name).next(last, slice(name)) : loaderOf(name).warm(slice(name))),
      );
    }
  }
  const runs = new Map<Name, LoadRun[]>(names.map((name) => [name, []]));
  const counted = new Map<Name, Counted>();
  const perRound: Round<Name>[] = [];
  let snapshot = await system.snapshot({ gc: false });
  for (let index = 0; index < rounds; index += 1) {
    const order = roundOrder(names, index);
    const figures = {} as Record<Name, RoundFigures>;
    for (const name of order) {
      const spec = specs[name];
      const { run, start, end, next } = await measuredRun(
        system,
        () => loaderOf(name).next(previous.get(name)!, spec.durationSeconds),
        spec.cpuProfilePath && roundProfilePath(spec.cpuProfilePath, index),
        snapshot,
      );
      const inRound = countedBetween(start, end, spec.route);
      const sum = counted.get(name);
      counted.set(name, sum ? addCounted(sum, inRound) : inRound);
      figures[name] = figuresOf(inRound, run);
      runs.get(name)!.push(run);
      previous.set(name, run);
      snapshot = next;
    }
    perRound.push({ order, figures });
  }
  const after = await system.snapshot({ gc: true });
  const measurements = Object.fromEntries(
    names.map((name) => [
      name,
      measurementOf(specs[name], runs.get(name)!, counted.get(name)!, before, after),
    ]),
  ) as Record<Name, Measurement>;
  return { measurements, rounds: perRound };
}
