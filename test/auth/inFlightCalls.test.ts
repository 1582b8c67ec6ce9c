import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createInFlightCalls } from "../../src/auth/inFlightCalls.js";

const never = new Promise<void>(() => undefined);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("in-flight silent calls", () => {
  it("run, for a key already running, shares that call instead of starting another", async () => {
    const calls = createInFlightCalls();
    let started = 0;
    const call = async () => {
      started += 1;
      await sleep(20);
      return `token-${started}`;
    };

    const results = await Promise.all([
      calls.run("k", call, Promise.resolve()),
      calls.run("k", call, Promise.resolve()),
    ]);

    assert.deepEqual(results, ["token-1", "token-1"]);
    assert.equal(started, 1);
  });

  it("run, after the call and its request have ended, starts a new call", async () => {
    const calls = createInFlightCalls();
    await calls.run("k", async () => "first", Promise.resolve());
    await sleep(0);

    const second = await calls.run("k", async () => "second", Promise.resolve());
    await sleep(0);

    assert.equal(second, "second");
    assert.equal(calls.size, 0);
  });

  it("run, when the holding request never reports its end, releases the key after the longest hold", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const calls = createInFlightCalls(50);
    await calls.run("k", async () => "pinned", never);
    const whileHeld = await calls.run("k", async () => "fresh", Promise.resolve());

    t.mock.timers.tick(49);
    const justBeforeTheEnd = await calls.run("k", async () => "fresh", Promise.resolve());
    t.mock.timers.tick(1);
    const afterHold = await calls.run("k", async () => "fresh", Promise.resolve());

    assert.equal(whileHeld, "pinned");
    assert.equal(justBeforeTheEnd, "pinned");
    assert.equal(afterHold, "fresh");
  });

  it("run, when the call fails, releases the key at once so the next request tries again", async () => {
    const calls = createInFlightCalls();
    await assert.rejects(calls.run("k", async () => Promise.reject(new Error("boom")), never));

    const next = await calls.run("k", async () => "ok", Promise.resolve());

    assert.equal(next, "ok");
  });
});
