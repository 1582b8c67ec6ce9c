/**
 * GuardedStore, the deadline around every session-store call: whatever the store does (answers at
 * once, later, with an error, throws, never answers, answers after the deadline), express-session's
 * callback is called exactly once; an answer given at once is passed on at once (a touch with nothing
 * to write, which lets the response go out in one write) and arms no timer; the deadline is
 * DeadlineExceededError; an exception of the caller's own callback reaches the caller; every call is
 * counted once in the store metrics.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Store } from "express-session";
import type { SessionData } from "express-session";
import { DeadlineExceededError } from "../../src/errors.js";
import { createMetrics } from "../../src/metrics/createMetrics.js";
import { GuardedStore } from "../../src/session/guardStore.js";

type Callback = (err?: unknown) => void;
const TIMEOUT_MS = 1_000;

/** A store whose touch does what `behaviour` says with express-session's callback. */
class ScriptedStore extends Store {
  constructor(private readonly behaviour: (callback: Callback) => void) {
    super();
  }
  override get(_sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    callback(null, null);
  }
  override set(_sid: string, _session: SessionData, callback?: Callback): void {
    callback?.();
  }
  override destroy(_sid: string, callback?: Callback): void {
    callback?.();
  }
  override touch(_sid: string, _session: SessionData, callback?: Callback): void {
    this.behaviour(callback ?? (() => undefined));
  }
}

const failure = new Error("store failed");
// [what the store does; answered before touch() returns; after the deadline has passed: the answers seen]
const cases: Array<[what: string, behaviour: (cb: Callback) => void, atOnce: boolean, answers: string[]]> = [
  ["answers at once", (cb) => cb(), true, ["ok"]],
  ["answers at once with an error", (cb) => cb(failure), true, ["store failed"]],
  [
    "throws",
    () => {
      throw failure;
    },
    true,
    ["store failed"],
  ],
  ["answers at once, twice", (cb) => (cb(), cb()), true, ["ok"]],
  ["answers later", (cb) => setTimeout(cb, TIMEOUT_MS / 2), false, ["ok"]],
  [
    "answers later with an error",
    (cb) => setTimeout(() => cb(failure), TIMEOUT_MS / 2),
    false,
    ["store failed"],
  ],
  ["never answers", () => undefined, false, ["deadline"]],
  ["answers after the deadline", (cb) => setTimeout(cb, TIMEOUT_MS * 2), false, ["deadline"]],
];

describe("GuardedStore", () => {
  for (const [what, behaviour, atOnce, expected] of cases) {
    it(`a store that ${what} gives express-session ${expected.join(", ")}, ${atOnce ? "at once" : "later"}, once`, (t) => {
      t.mock.timers.enable({ apis: ["setTimeout"] });
      const metrics = createMetrics();
      const answers: string[] = [];
      const guarded = new GuardedStore(new ScriptedStore(behaviour), TIMEOUT_MS, metrics);

      guarded.touch("sid", {} as SessionData, (err?: unknown) => {
        answers.push(
          err === undefined || err === null
            ? "ok"
            : err instanceof DeadlineExceededError
              ? "deadline"
              : (err as Error).message,
        );
      });
      const answeredAtOnce = answers.length > 0;
      t.mock.timers.tick(TIMEOUT_MS * 3);

      assert.equal(answeredAtOnce, atOnce);
      assert.deepEqual(answers, expected);
    });
  }

  it("a call answered at once arms no deadline timer; a pending one arms exactly one", (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const armed: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    t.mock.method(globalThis, "setTimeout", ((handler: () => void, ms?: number) => {
      armed.push(ms ?? 0);
      return realSetTimeout(handler, ms);
    }) as typeof setTimeout);

    new GuardedStore(new ScriptedStore((cb) => cb()), TIMEOUT_MS).touch("sid", {} as SessionData);
    const afterAtOnce = armed.length;
    new GuardedStore(new ScriptedStore(() => undefined), TIMEOUT_MS).touch("sid", {} as SessionData);

    assert.equal(afterAtOnce, 0);
    assert.deepEqual(armed, [TIMEOUT_MS]);
  });

  // The request goes on inside express-session's callback: when the store answered at once, an
  // exception of the request's own comes back through the store's call, and must reach the caller.
  for (const [what, behaviour] of [
    ["answers at once", (cb: Callback) => cb()],
    ["answers at once with an error", (cb: Callback) => cb(failure)],
  ] as const) {
    it(`a store that ${what}: an exception thrown by the caller's callback reaches the caller, not swallowed`, (t) => {
      t.mock.timers.enable({ apis: ["setTimeout"] });
      const guarded = new GuardedStore(new ScriptedStore(behaviour), TIMEOUT_MS);
      let calls = 0;
      const thrown = new Error("the rest of the request failed");
      assert.throws(
        () =>
          guarded.touch("sid", {} as SessionData, () => {
            calls += 1;
            throw thrown;
          }),
        (error) => error === thrown,
      );
      t.mock.timers.tick(TIMEOUT_MS * 3);
      assert.equal(calls, 1, "the callback ran once, and the deadline did not call it again");
    });
  }

  it("every call is counted once in the store metrics, by outcome", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const metrics = createMetrics();
    for (const [, behaviour] of cases) {
      new GuardedStore(new ScriptedStore(behaviour), TIMEOUT_MS, metrics).touch("sid", {} as SessionData);
    }
    t.mock.timers.tick(TIMEOUT_MS * 3);

    const { storeOperations } = await metrics.summary();

    assert.deepEqual(storeOperations, { ok: 3, error: 5 });
  });
});
