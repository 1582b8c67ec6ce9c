import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { safeReturnTo } from "../../src/auth/returnTo.js";

describe("safeReturnTo", () => {
  for (const hostile of [
    "//evil.example",
    "https://evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "/%2F%2Fevil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/\tevil",
    "http:/evil.example",
    "",
    "profile",
  ]) {
    it(`safeReturnTo, given ${JSON.stringify(hostile)}, falls back to the home page`, () => {
      assert.equal(safeReturnTo(hostile), "/");
    });
  }

  it("safeReturnTo, given a path with a query, keeps both", () => {
    assert.equal(safeReturnTo("/profile?tab=phones"), "/profile?tab=phones");
  });

  it("safeReturnTo, given nothing, goes home", () => {
    assert.equal(safeReturnTo(undefined), "/");
  });
});
