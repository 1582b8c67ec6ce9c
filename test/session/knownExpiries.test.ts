/**
 * KnownExpiries: what a store saw of a session's expiry decides whether a touch may write nothing.
 * A table of expiries against the touch interval, concurrent requests of one session, and the bound.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KnownExpiries } from "../../src/session/knownExpiries.js";
import { touchIntervalMs } from "../../src/session/sessionStore.js";

const IDLE_MS = 3_600_000;
const INTERVAL_MS = touchIntervalMs(IDLE_MS);
const NOW = Date.parse("2030-01-01T00:00:00Z");

describe("KnownExpiries", () => {
  it("touchIntervalMs is a minute at most, a twentieth of a short idle timeout", () => {
    const rows: [idleMs: number, intervalMs: number][] = [
      [2_000, 100],
      [60_000, 3_000],
      [600_000, 30_000],
      [1_200_000, 60_000],
      [3_600_000, 60_000],
      [30 * 86_400_000, 60_000],
    ];
    for (const [idleMs, intervalMs] of rows)
      assert.equal(touchIntervalMs(idleMs), intervalMs, `idle ${idleMs}`);
  });

  // [expiry seen, relative to now + idle timeout; whether a touch now may write nothing]
  const rows: [offsetMs: number, needless: boolean][] = [
    [0, true],
    [-1, true],
    [-INTERVAL_MS / 2, true],
    [-INTERVAL_MS + 1, true],
    [-INTERVAL_MS, false],
    [-INTERVAL_MS - 1, false],
    [-IDLE_MS / 2, false],
    [-IDLE_MS + 1, false],
    [-IDLE_MS - 1, false],
  ];
  for (const [offsetMs, needless] of rows) {
    it(`a touch of a session seen to expire at now + idle ${offsetMs} ms ${needless ? "may write nothing" : "must write"}`, () => {
      const expiries = new KnownExpiries(IDLE_MS);
      expiries.seen("sid", NOW + IDLE_MS + offsetMs);

      assert.equal(expiries.touchIsNeedless("sid", NOW), needless);
    });
  }

  it("ten requests of one session, read together, all skip their touch; none after its destroy; none for an unseen session", () => {
    const expiries = new KnownExpiries(IDLE_MS);
    for (let i = 0; i < 10; i += 1) expiries.seen("a", NOW + IDLE_MS - i);

    const skipped = Array.from({ length: 10 }, () => expiries.touchIsNeedless("a", NOW));
    expiries.forget("a");

    assert.deepEqual(skipped, Array(10).fill(true));
    assert.equal(expiries.touchIsNeedless("a", NOW), false, "destroyed: forgotten");
    assert.equal(expiries.touchIsNeedless("never-seen", NOW), false);
  });

  it("past its bound the map starts over, never growing past it (a forgotten session costs a touch)", () => {
    const expiries = new KnownExpiries(IDLE_MS);
    for (let i = 0; i < 25_000; i += 1) expiries.seen(`s-${i}`, NOW + IDLE_MS);
    expiries.seen("last", NOW + IDLE_MS);

    assert.equal(expiries.touchIsNeedless("last", NOW), true);
    assert.equal(expiries.touchIsNeedless("s-0", NOW), false);
    assert.ok((expiries as unknown as { expiresAt: Map<string, number> }).expiresAt.size <= 10_000);
  });
});
