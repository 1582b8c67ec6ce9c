/**
 * TOKEN_CACHE_KEYS is read as strict base64: standard or base64url, padded or not, in its canonical
 * spelling, decoding to exactly 32 bytes, in every environment. `Buffer.from(x, "base64")` alone
 * skips characters it does not know, so a mangled key used to decode to 32 bytes of something.
 * Messages name the key id, never key material.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/loadConfig.js";
import { PRODUCTION, problemsOf } from "./settingsFixtures.js";

const NOT_BASE64 = `is not valid base64 (standard or base64url, with or without padding, nothing else)`;
const NOT_32_BYTES = "must be 32 bytes, base64-encoded";

/** Random bytes drawn once (deterministic rows); the second one's base64 has "+" and "/" in it. */
const KEY = Buffer.from("9e3b4c1a7f0d62e85a17c3b90f4d2e6a8c51b7e03d9f2a64c08e1b5d7a3f9c26", "hex");
const SLASHES = Buffer.from("fa4f4311b767caeabff948190a743f36cef9c828d2c1ca2651cbe49d65d640d5", "hex");
const base64 = (bytes: Buffer) => bytes.toString("base64");
const unpadded = (bytes: Buffer) => bytes.toString("base64").replace(/=+$/, "");
const url = (bytes: Buffer) => bytes.toString("base64url");

/** Changes the last character to its neighbour in the alphabet: the same bytes, unused bits set. */
function withUnusedBitsSet(text: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const last = alphabet.indexOf(text.at(-1)!);
  return text.slice(0, -1) + alphabet[last ^ 1]!;
}

// [what, key text after "k1:", the bytes it stands for]
const accepted: [string, string, Buffer][] = [
  ["standard base64, padded", base64(KEY), KEY],
  ["standard base64, unpadded", unpadded(KEY), KEY],
  ["base64url, unpadded", url(KEY), KEY],
  ["base64url, padded", `${url(KEY)}=`, KEY],
  ["standard base64 with + and /", base64(SLASHES), SLASHES],
  ["standard base64 with + and /, unpadded", unpadded(SLASHES), SLASHES],
  ["base64url with - and _", url(SLASHES), SLASHES],
  ["base64url with - and _, padded", `${url(SLASHES)}=`, SLASHES],
  ["blanks around the key (the list trims its entries)", ` ${base64(KEY)} `, KEY],
];

// [what, key text after "k1:", the problem]; every row is wrong in every environment.
const refused: [string, string, string][] = [
  ["the review's case: a ! every 4 characters", insertEvery(base64(KEY), 4, "!"), NOT_BASE64],
  ["a ! every 4 characters, unpadded", insertEvery(unpadded(KEY), 4, "!"), NOT_BASE64],
  ["one ! in the middle", `${base64(KEY).slice(0, 20)}!${base64(KEY).slice(20)}`, NOT_BASE64],
  ["a dot in the middle", `${base64(KEY).slice(0, 20)}.${base64(KEY).slice(20)}`, NOT_BASE64],
  ["a star in the middle", `${base64(KEY).slice(0, 20)}*${base64(KEY).slice(20)}`, NOT_BASE64],
  ["a percent-encoded +", base64(SLASHES).replace("+", "%2B"), NOT_BASE64],
  ["a space in the middle", `${base64(KEY).slice(0, 20)} ${base64(KEY).slice(20)}`, NOT_BASE64],
  ["a tab in the middle", `${base64(KEY).slice(0, 20)}\t${base64(KEY).slice(20)}`, NOT_BASE64],
  ["a line break in the middle", `${base64(KEY).slice(0, 20)}\n${base64(KEY).slice(20)}`, NOT_BASE64],
  ["a non-ASCII letter", `${base64(KEY).slice(0, 20)}é${base64(KEY).slice(21)}`, NOT_BASE64],
  ["both alphabets at once (+ and _)", base64(SLASHES).replace("/", "_"), NOT_BASE64],
  ["both alphabets at once (- and /)", base64(SLASHES).replace("+", "-"), NOT_BASE64],
  ["two padding characters where one belongs", `${unpadded(KEY)}==`, NOT_BASE64],
  ["three padding characters", `${unpadded(KEY)}===`, NOT_BASE64],
  ["padding in the middle", `${base64(KEY).slice(0, 20)}=${base64(KEY).slice(20)}`, NOT_BASE64],
  ["padding first", `=${unpadded(KEY)}`, NOT_BASE64],
  ["unused bits set in the last character", withUnusedBitsSet(unpadded(KEY)), NOT_BASE64],
  ["unused bits set, padded", `${withUnusedBitsSet(unpadded(KEY))}=`, NOT_BASE64],
  ["in quotes", `"${base64(KEY)}"`, NOT_BASE64],
  ["with a base64: prefix", `base64:${base64(KEY)}`, NOT_BASE64],
  ["a data URL", `data:;base64,${base64(KEY)}`.split(",")[0]!, NOT_BASE64],
  ["a cut-off group (41 characters)", unpadded(KEY).slice(0, 41), NOT_BASE64],
  ["a cut-off group (45 characters)", `${unpadded(KEY)}AB`, NOT_BASE64],
  ["empty", "", NOT_32_BYTES],
  ["16 bytes", base64(KEY.subarray(0, 16)), NOT_32_BYTES],
  ["31 bytes", base64(KEY.subarray(0, 31)), NOT_32_BYTES],
  ["33 bytes", base64(Buffer.concat([KEY, KEY.subarray(0, 1)])), NOT_32_BYTES],
  ["64 bytes", base64(Buffer.concat([KEY, KEY])), NOT_32_BYTES],
  ["the key in hex (48 bytes when read as base64)", KEY.toString("hex"), NOT_32_BYTES],
];

function insertEvery(text: string, every: number, insert: string): string {
  return text.replace(new RegExp(`(.{${every}})`, "g"), `$1${insert}`);
}

describe("TOKEN_CACHE_KEYS encoding", () => {
  for (const [what, text, bytes] of accepted) {
    it(`loadConfig, with a key in ${what}, reads its 32 bytes`, () => {
      const config = loadConfig({ ...PRODUCTION, TOKEN_CACHE_KEYS: `k1:${text}` });

      assert.deepEqual(config.session.tokenCacheKeys[0]?.secret, bytes);
    });
  }

  it("loadConfig, with the review's case, refuses a key that Buffer.from alone reads as 32 bytes", () => {
    const mangled = insertEvery(base64(KEY), 4, "!");
    assert.equal(Buffer.from(mangled, "base64").length, 32, "the lenient reading this guards against");

    const problems = problemsOf({ ...PRODUCTION, TOKEN_CACHE_KEYS: `k1:${mangled}` });

    assert.deepEqual(problems, [`TOKEN_CACHE_KEYS: key "k1" ${NOT_BASE64}`]);
  });

  for (const environment of ["development", "test", "production"]) {
    for (const [what, text, problem] of refused) {
      it(`loadConfig, in ${environment} with a second key ${what}, names the key id without key material`, () => {
        const problems = problemsOf({
          ...PRODUCTION,
          NODE_ENV: environment,
          TOKEN_CACHE_KEYS: `new:${base64(KEY)},old-key:${text}`,
        });

        assert.deepEqual(problems, [`TOKEN_CACHE_KEYS: key "old-key" ${problem}`]);
        for (let i = 0; i + 8 <= text.length; i++) {
          assert.ok(!problems[0]!.includes(text.slice(i, i + 8)), "no stretch of the key is echoed");
        }
      });
    }
  }
});

describe("TOKEN_CACHE_COMPRESSION", () => {
  // [value, compressTokenCache, or the problem]
  const rows: [string | undefined, boolean | string][] = [
    [undefined, true],
    ["true", true],
    ["false", false],
    ["", true], // empty counts as unset, as for every setting
    ["TRUE", 'TOKEN_CACHE_COMPRESSION: must be "true" or "false"'],
    ["yes", 'TOKEN_CACHE_COMPRESSION: must be "true" or "false"'],
    ["0", 'TOKEN_CACHE_COMPRESSION: must be "true" or "false"'],
    ["off", 'TOKEN_CACHE_COMPRESSION: must be "true" or "false"'],
  ];
  for (const [value, expected] of rows) {
    it(`loadConfig, with TOKEN_CACHE_COMPRESSION ${value === undefined ? "unset" : JSON.stringify(value)}, ${typeof expected === "boolean" ? `${expected ? "compresses" : "does not compress"} token caches` : "names the problem"}`, () => {
      const env = { ...PRODUCTION, TOKEN_CACHE_COMPRESSION: value };
      if (typeof expected === "string") {
        assert.deepEqual(problemsOf(env), [expected]);
        return;
      }
      assert.equal(loadConfig(env).session.compressTokenCache, expected);
    });
  }
});
