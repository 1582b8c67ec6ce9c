/**
 * The return path after sign-in, as a class: every encoding and normalization of "another host" a
 * browser, a proxy or a second decoding could follow, built as a cross product, must come out as a
 * path on this site (or "/"), and what comes out must be stable when checked again.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSitePath, safeReturnTo } from "../../src/auth/returnTo.js";

const ORIGIN = "https://app.example";

/** What a browser does with a Location header: it must stay on this origin and not start with "//". */
function assertStaysOnSite(input: string, location: string): void {
  assert.ok(location.startsWith("/"), `${JSON.stringify(input)} gave ${JSON.stringify(location)}`);
  assert.doesNotMatch(location, /^\/[/\\]/, `${JSON.stringify(input)} gave ${JSON.stringify(location)}`);
  assert.equal(new URL(location, ORIGIN).origin, ORIGIN, `${JSON.stringify(input)} left the site`);
  assert.equal(safeReturnTo(location), location, `${JSON.stringify(input)}: not stable when checked again`);
  for (let text = location, round = 0; round < 3; round += 1) {
    text = decodeURIComponent(text.split("?", 1)[0]!);
    assert.doesNotMatch(text, /^\/[/\\]|\\/, `${JSON.stringify(input)}: a second decoding leaves the site`);
    assert.equal(new URL(text, ORIGIN).origin, ORIGIN);
  }
}

const starts = [
  "",
  "/",
  "/.",
  "/./",
  "/..",
  "/../",
  "/a/..",
  "/a/../",
  "/%2e",
  "/%2E",
  "/%2e%2e",
  "/.%2e",
  "/%2e.",
  "/%2e/",
  "/%252e",
  "/%252e%252e",
  "/a/%2e%2e",
  "/a/%2E%2E/",
  "/%5c",
  "/%5C",
  "/%255c",
];
const separators = [
  "/",
  "//",
  "\\",
  "\\\\",
  "/\\",
  "\\/",
  "%2f",
  "%2F",
  "%2f%2f",
  "%2F/",
  "/%2f",
  "%5c",
  "%5C",
  "%255c",
  "%252f",
  "%25252f",
  "\t/",
  "/\t/",
  " /",
  "\n//",
  "\r\n/",
  "%09/",
  "/%09/",
  "%0a/",
  "%0d%0a/",
  "%20/",
  "\u00a0/",
  "\u3000/",
  "\u200b/",
  "\ufeff/",
  "\u2028/",
  "%00/",
  "/%00/",
  "%E2%80%8B/",
];
const hosts = [
  "evil.example",
  "EVIL.Example",
  "evil.example:443",
  "user@evil.example",
  "evil.example/profile?x=1",
  "%65vil.example",
  "127.0.0.1",
];

describe("safeReturnTo, as a class", () => {
  it("safeReturnTo, given every combination of dot segments, separators and hosts, never leaves the site", () => {
    let checked = 0;
    for (const start of starts) {
      for (const separator of separators) {
        for (const host of hosts) {
          const input = `${start}${separator}${host}`;
          assertStaysOnSite(input, safeReturnTo(input));
          checked += 1;
        }
      }
    }
    assert.equal(checked, starts.length * separators.length * hosts.length);
  });

  const absolute = [
    "//evil.example",
    "///evil.example",
    "https://evil.example",
    "HTTPS://evil.example",
    "https:evil.example",
    "https:/evil.example",
    "http:\\\\evil.example",
    "\\\\evil.example",
    "/\\evil.example",
    " //evil.example",
    "\t//evil.example",
    "\u0000//evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "/.//evil.example",
    "/%2e//evil.example",
    "/%2e%2e//evil.example",
    "/a/..//evil.example",
    "/x/../..//evil.example",
    "/%252e%252e//evil.example",
    "/%5C/evil.example",
    "/%255C/evil.example",
    "/%2F/evil.example",
    "/.%2F/evil.example",
    "/./%2F/evil.example",
    "",
    "profile",
    "./profile",
    "?next=//evil.example",
    "#//evil.example",
    "/%",
    "/%zz",
    "/%E0%A4%A",
    `/${"a".repeat(600)}`,
  ];
  for (const input of absolute) {
    it(`safeReturnTo, given ${JSON.stringify(input).slice(0, 50)}, stays on the site`, () => {
      assertStaysOnSite(input, safeReturnTo(input));
    });
  }

  for (const input of ["/.//evil.example", "/%2e//evil.example", "/a/..//evil.example", "/%2F%2Fevil"]) {
    it(`safeReturnTo, given ${JSON.stringify(input)}, falls back to the home page`, () => {
      assert.equal(safeReturnTo(input), "/");
    });
  }

  const kept: [string, string][] = [
    ["/profile", "/profile"],
    ["/profile?tab=phones", "/profile?tab=phones"],
    ["/calendar?from=2026-12-01&to=2026-12-08", "/calendar?from=2026-12-01&to=2026-12-08"],
    ["/a/b/../c?x=1#fragment", "/a/c?x=1"],
    ["/session/", "/session/"],
    ["/search?q=a%20b", "/search?q=a%20b"],
    ["/search?q=//evil.example", "/search?q=//evil.example"],
    ["/%E2%82%AC", "/%E2%82%AC"],
    ["/caf\u00e9", "/caf%C3%A9"],
  ];
  for (const [input, expected] of kept) {
    it(`safeReturnTo, given the site path ${JSON.stringify(input)}, keeps it as ${expected}`, () => {
      assert.equal(safeReturnTo(input), expected);
    });
  }

  it("safeReturnTo, given nothing or a non-string from the store, goes home", () => {
    for (const value of [undefined, null, 42, ["/profile"], { returnTo: "/profile" }]) {
      assert.equal(safeReturnTo(value), "/");
    }
  });

  it("isSitePath, given a location the URL parser would still change, refuses it", () => {
    for (const location of ["/a/../b", "/./b", "/a b", "/%2e/b", "/b#x"]) {
      assert.equal(isSitePath(location), false, location);
    }
  });
});
