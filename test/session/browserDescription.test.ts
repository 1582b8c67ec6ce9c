/**
 * The few words that name a session's browser on the Session page: browser and system names only, of
 * bounded length and plain characters, whatever the User-Agent header holds.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  describeBrowser,
  MAX_BROWSER_DESCRIPTION_LENGTH,
  UNKNOWN_BROWSER,
} from "../../src/session/browserDescription.js";

const cases: [what: string, userAgent: string | undefined, expected: string][] = [
  [
    "Chrome on Windows",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Chrome on Windows",
  ],
  [
    "Edge on Windows",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Microsoft Edge on Windows",
  ],
  [
    "Firefox on Linux",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Firefox on Linux",
  ],
  [
    "Safari on an iPhone",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Safari on iOS",
  ],
  [
    "Safari on a Mac",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Safari on macOS",
  ],
  [
    "Chrome on Android",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Chrome on Android",
  ],
  [
    "headless Chromium (the browser tests)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
    "Chrome on Linux",
  ],
  ["no header", undefined, UNKNOWN_BROWSER],
  ["an empty header", "", UNKNOWN_BROWSER],
  ["only spaces", "   \t ", UNKNOWN_BROWSER],
  ["a made-up agent", "xyzzy/1.0", UNKNOWN_BROWSER],
  ["only a system", "Mozilla/5.0 (Windows NT 10.0)", "A browser on Windows"],
  // The parser echoes an unknown agent's first product token: never shown, anyone can choose it.
  [
    "an unknown agent posing as this browser",
    "Phone (this browser)/1 (Windows NT 10.0)",
    "A browser on Windows",
  ],
  ["an unknown agent with a friendly name", "Work laptop/1.0", UNKNOWN_BROWSER],
  ["an unknown agent with markup", "<b>Trusted</b>/1 (X11; Linux x86_64)", "A browser on Linux"],
];

describe("describeBrowser", () => {
  for (const [what, userAgent, expected] of cases) {
    it(`describeBrowser, for ${what}, says "${expected}"`, () => {
      assert.equal(describeBrowser(userAgent), expected);
    });
  }

  const hostile: [what: string, userAgent: string][] = [
    ["markup", '<script>alert(1)</script> Mozilla/5.0 (Windows NT 10.0) Firefox/1.0 "><img src=x>'],
    ["markup as the browser's version", "Mozilla/5.0 (X11; Linux x86_64) Firefox/<b>1</b>"],
    ["control characters", "Mozilla/5.0 (X11;\u0000 Linux\u0007 x86_64) Firefox/133.0\u001b[31m"],
    ["a 16 KB header", `Mozilla/5.0 (Windows NT 10.0) ${"Chrome/1.0 ".repeat(1_500)}`],
    ["a long run of one character", "a".repeat(16_384)],
    ["a long run of version digits", `Mozilla/5.0 Version/${"1.".repeat(8_000)}1 Safari/1`],
    ["non-Latin text", "Mozilla/5.0 (Windows NT 10.0) Браузер/1.0 ブラウザ/2.0"],
    ["right-to-left marks", "Mozilla/5.0 (X11; Linux x86_64) \u202eFirefox/133.0"],
  ];
  for (const [what, userAgent] of hostile) {
    it(`describeBrowser, for a header with ${what}, answers a short plain description`, () => {
      const description = describeBrowser(userAgent);

      assert.ok(description.length > 0 && description.length <= MAX_BROWSER_DESCRIPTION_LENGTH, description);
      assert.match(description, /^[\p{L}\p{N} .()_-]+$/u, description);
    });
  }
});
