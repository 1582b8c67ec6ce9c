/**
 * `--cpu-prof`: the app process records a V8 CPU profile of each measured run (not of start-up,
 * sign-ins or warm-up) through node:inspector, written as a .cpuprofile file (open it in Chrome
 * DevTools or speedscope). Profiling slows the app down: figures of such a run are not comparable.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

export function createCpuProfiler() {
  let session: Session | undefined;
  return {
    async start(): Promise<void> {
      if (session) throw new Error("a CPU profile is already being recorded");
      session = new Session();
      session.connect();
      await session.post("Profiler.enable");
      await session.post("Profiler.start");
    },
    async stop(path: string): Promise<void> {
      if (!session) throw new Error("no CPU profile is being recorded");
      const { profile } = await session.post("Profiler.stop");
      writeFileSync(path, JSON.stringify(profile));
      session.disconnect();
      session = undefined;
    },
  };
}
