/**
 * ReadExpiries: what a store's read learned of a session's expiry decides whether the same request's
 * touch may write nothing. A table of expiries against the touch interval, and the entry's lifetime.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ReadExpiries } from "../../src/session/readExpiries.js";
import { touchIntervalMs } from "../../src/session/sessionStore.js";

const IDLE_MS = 3_600_000;
const INTERVAL_MS = touchIntervalMs(IDLE_MS);
const NOW = Date.parse("2030-01-01T00:00:00Z");

describe("ReadExpiries", () => {
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

  // [expiry seen at the read, relative to now + idle timeout; whether the touch may write nothing]
  const rows: [offsetMs: number, needless: boolean][] = [
    [0, true],
    [-1, true],
    [-INTERVAL_MS / 2, true],
    [-INTERVAL_MS + 1, true],
    [-INTERVAL_MS, false],
    [-INTERVAL_MS - 1, false],
    [-IDLE_MS / 2, false],
    [-IDLE_MS + 1, false],
  ];
  for (const [offsetMs, needless] of rows) {
    it(`a touch after a read that saw the session expire at now + idle ${offsetMs} ms ${needless ? "may write nothing" : "must write"}`, () => {
      const expiries = new ReadExpiries(IDLE_MS);
      expiries.remember("sid", NOW + IDLE_MS + offsetMs);

      assert.equal(expiries.touchIsNeedless("sid", NOW), needless);
    });
  }

  it("an entry serves one touch only, and none after a set or destroy of its session", () => {
    const expiries = new ReadExpiries(IDLE_MS);
    expiries.remember("a", NOW + IDLE_MS);
    expiries.remember("b", NOW + IDLE_MS);

    assert.equal(expiries.touchIsNeedless("a", NOW), true);
    assert.equal(expiries.touchIsNeedless("a", NOW), false, "a second request of the session touches");
    expiries.forget("b");
    assert.equal(expiries.touchIsNeedless("b", NOW), false);
    assert.equal(expiries.touchIsNeedless("never-read", NOW), false);
  });

  it("entries left behind by requests that never touched are dropped at the bound, never growing past it", () => {
    const expiries = new ReadExpiries(IDLE_MS);
    for (let i = 0; i < 25_000; i += 1) expiries.remember(`left-${i}`, NOW + IDLE_MS);
    expiries.remember("last", NOW + IDLE_MS);

    assert.equal(expiries.touchIsNeedless("last", NOW), true);
    assert.equal(expiries.touchIsNeedless("left-0", NOW), false, "dropped: costs only a touch");
    assert.ok((expiries as unknown as { expiresAt: Map<string, number> }).expiresAt.size <= 10_000);
  });
});
