/**
 * Guessable secrets are refused in production: the session secret, every previous session secret
 * and every token-cache key. Random values (what .env.example says to generate) always pass, and the
 * readable fixed values tests use keep working outside production. No message holds a secret.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/loadConfig.js";
import { PRODUCTION, STRONG_PREVIOUS_SECRET, STRONG_SESSION_SECRET, problemsOf } from "./settingsFixtures.js";

// Spaced code points, so that only the whitespace rule can catch it (no run, repeat or small set).
const MANY_KINDS_OF_WHITESPACE =
  "\u2000\u3000 \u2005\t\u200a\u1680\u2002\u00a0\u2008\n\u205f\u2003\u202f\r\u2009";

// Each at least 32 characters, so that only its shape is in question.
const guessableSecrets: [string, string][] = [
  ["one character repeated", "a".repeat(40)],
  ["one digit repeated", "0".repeat(32)],
  ["spaces", " ".repeat(40)],
  ["tabs and newlines", "\t\n \r".repeat(10)],
  ["many kinds of whitespace", MANY_KINDS_OF_WHITESPACE + [...MANY_KINDS_OF_WHITESPACE].reverse().join("")],
  ["a three-character pattern", "abc".repeat(14)],
  ["a two-character pattern", "ab".repeat(20)],
  ["a word repeated", "password".repeat(5)],
  ["a word repeated, with digits", "Passw0rd!".repeat(4)],
  ["a phrase repeated", "correct horse battery staple".repeat(2)],
  ["a counting pattern repeated", "0123456789".repeat(4)],
  ["a pattern repeated twice exactly", "Tr0ub4dor&3-Tr0ub4dor&3-".repeat(2)],
  ["a pattern with a partial tail", `${"xyz12".repeat(7)}xy`],
  ["the alphabet", "abcdefghijklmnopqrstuvwxyz0123456789"],
  ["the alphabet backwards", "zyxwvutsrqponmlkjihgfedcba9876543210"],
  ["capitals in order", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ"],
  ["doubled letters in order", "aabbccddeeffgghhiijjkkllmmnnoopp"],
  ["a keyboard digit run", "1234567890123456789012345678901234"],
  ["two characters in blocks", `${"a".repeat(20)}${"b".repeat(20)}`],
  ["one different character", `${"a".repeat(31)}b`],
  ["five different characters", "aaqqzzmmwwaqzmwqazwmqzawmzqwamqzaw"],
  ["binary digits", "01101000110110010111000101101101"],
  ["hex of a single byte pattern", "deadbeef".repeat(5)],
];

// Shapes a person might type that are not obviously weak, and what generators produce.
const acceptedSecrets: [string, string][] = [
  ["32 random bytes, base64url", STRONG_SESSION_SECRET],
  ["another 32 random bytes", STRONG_PREVIOUS_SECRET],
  ["32 random bytes, hex", "5f0c9a2e7b1d43e8a6c2f9b0d7e14a3c8b5f2e9d0a6c3b7e1f4d8a2c5b9e0f7a"],
  ["16 random bytes, hex", "9c41e07b2fa85d36c1e94b7a02d8f563"],
  ["24 random bytes, base64", "q3Zr8Lk+P1n0xW/7tY2bVc5mJh9Rd6Ua"],
  ["random decimal digits", "83920571640298157364082917530648"],
  ["six different characters, no pattern", "akqwzmzwqkamakwqmzzqakmwwmkazqqzmakw"],
  ["a passphrase", "orbit-lemon-granite-whistle-cobalt-fern"],
  ["mixed symbols", "gT7#pL0@xQ2!vN9$kR4%mW6^zB8&cY1*"],
];

describe("EXPRESS_SESSION_SECRET in production", () => {
  for (const [what, secret] of guessableSecrets) {
    it(`loadConfig, in production with ${what} as the session secret, refuses it without echoing it`, () => {
      assert.ok(secret.length >= 32, "only the shape is in question here");

      const problems = problemsOf({ ...PRODUCTION, EXPRESS_SESSION_SECRET: secret });

      assert.equal(problems.length, 1, problems.join("\n"));
      assert.match(problems[0]!, /^EXPRESS_SESSION_SECRET: is too easy to guess for production/);
      if (secret.trim() !== "") assert.ok(!problems[0]!.includes(secret));
    });

    it(`loadConfig, in development with ${what} as the session secret, accepts it`, () => {
      const config = loadConfig({ ...PRODUCTION, NODE_ENV: "development", EXPRESS_SESSION_SECRET: secret });

      assert.equal(config.session.secrets[0], secret);
    });
  }

  for (const [what, secret] of acceptedSecrets) {
    it(`loadConfig, in production with ${what} as the session secret, accepts it`, () => {
      const config = loadConfig({ ...PRODUCTION, EXPRESS_SESSION_SECRET: secret });

      assert.equal(config.session.secrets[0], secret);
    });
  }

  // What .env.example tells operators to run, and the other usual encodings of 32 random bytes. The
  // bytes are pseudo-random but fixed (SHA-256 of a counter): a random value holds a placeholder word
  // about once in 10^7, which would make a freshly drawn table fail once in a few thousand runs.
  for (const encoding of ["base64url", "base64", "hex"] as const) {
    it(`loadConfig, in production with 2000 random-looking 32-byte ${encoding} secrets, accepts every one`, () => {
      const refused: string[] = [];
      for (let i = 0; i < 2000; i++) {
        const secret = createHash("sha256").update(`secret-${encoding}-${i}`).digest().toString(encoding);
        try {
          loadConfig({ ...PRODUCTION, EXPRESS_SESSION_SECRET: secret });
        } catch {
          refused.push(secret);
        }
      }

      assert.deepEqual(refused, []);
    });
  }
});

describe("EXPRESS_SESSION_PREVIOUS_SECRETS", () => {
  // A blank entry is no entry (lists drop them), so only the shapes with something in them.
  for (const [what, secret] of guessableSecrets.filter(([, s]) => s.trim() !== "")) {
    it(`loadConfig, in production with ${what} as the second previous secret, names its position only`, () => {
      const problems = problemsOf({
        ...PRODUCTION,
        EXPRESS_SESSION_PREVIOUS_SECRETS: `${STRONG_PREVIOUS_SECRET},${secret}`,
      });

      assert.equal(problems.length, 1, problems.join("\n"));
      assert.match(problems[0]!, /^EXPRESS_SESSION_PREVIOUS_SECRETS: entry 2 is too easy to guess/);
      assert.ok(!problems[0]!.includes(secret.trim()));
    });
  }

  // [previous secrets, positions too short]: the length rule holds in every environment.
  const lengths: [string, number[]][] = [
    ["short", [1]],
    [`${STRONG_PREVIOUS_SECRET},short`, [2]],
    [`tooShort1,${STRONG_PREVIOUS_SECRET},tooShort2`, [1, 3]],
    [`${"x".repeat(31)}`, [1]],
    [`${STRONG_PREVIOUS_SECRET.slice(0, 31)}`, [1]],
    [`${STRONG_PREVIOUS_SECRET.slice(0, 32)}`, []],
    [` ${STRONG_PREVIOUS_SECRET} , ${STRONG_SESSION_SECRET} `, []],
  ];
  for (const environment of ["development", "test", "production"]) {
    for (const [previous, tooShort] of lengths) {
      it(`loadConfig, in ${environment} with previous secrets ${JSON.stringify(previous.slice(0, 12))}…, refuses exactly entries [${tooShort.join(", ")}]`, () => {
        const env = { ...PRODUCTION, NODE_ENV: environment, EXPRESS_SESSION_PREVIOUS_SECRETS: previous };

        const problems = tooShort.length === 0 ? (loadConfig(env), []) : problemsOf(env);

        assert.deepEqual(
          problems,
          tooShort.map(
            (n) => `EXPRESS_SESSION_PREVIOUS_SECRETS: entry ${n} must be at least 32 characters long`,
          ),
        );
        for (const secret of previous.split(",")) {
          if (secret.trim().length > 3) assert.ok(!problems.join(" ").includes(secret.trim()));
        }
      });
    }
  }
});

describe("TOKEN_CACHE_KEYS in production", () => {
  const guessableKeys: [string, Buffer][] = [
    ["the test key (all sevens)", Buffer.alloc(32, 7)],
    ["all zeros", Buffer.alloc(32, 0)],
    ["all 0xff", Buffer.alloc(32, 0xff)],
    ["the bytes 0 to 31", Buffer.from(Array.from({ length: 32 }, (_, i) => i))],
    ["the bytes 31 down to 0", Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i))],
    [
      "a four-byte pattern",
      Buffer.from(Array.from({ length: 32 }, (_, i) => [0xde, 0xad, 0xbe, 0xef][i % 4]!)),
    ],
    ["a 16-byte pattern twice", Buffer.concat([randomBytes(16)].flatMap((b) => [b, b]))],
    ["a typed password", Buffer.from("passwordpasswordpasswordpassword")],
    ["ASCII letters in order", Buffer.from("abcdefghijklmnopqrstuvwxyzABCDEF")],
    ["two byte values", Buffer.from(Array.from({ length: 32 }, (_, i) => ((i * 7) % 3 === 0 ? 0 : 200)))],
    [
      "fifteen byte values, no period",
      Buffer.from(Array.from({ length: 32 }, (_, i) => ((i * i + 3 * i) % 15) * 17)),
    ],
  ];
  for (const [what, key] of guessableKeys) {
    it(`loadConfig, in production with ${what} as a key, names the key id without key material`, () => {
      const base64 = key.toString("base64");

      const problems = problemsOf({
        ...PRODUCTION,
        TOKEN_CACHE_KEYS: `${"new"}:${randomBytes(32).toString("base64")},old:${base64}`,
      });

      assert.deepEqual(problems, [
        `TOKEN_CACHE_KEYS: key "old" is too easy to guess for production (a repeated pattern, a run of neighbouring bytes or very few different ones); generate it with require('crypto').randomBytes(32)`,
      ]);
      assert.ok(!problems[0]!.includes(base64));
    });

    it(`loadConfig, in test with ${what} as a key, accepts it`, () => {
      const config = loadConfig({
        ...PRODUCTION,
        NODE_ENV: "test",
        TOKEN_CACHE_KEYS: `k1:${key.toString("base64")}`,
      });

      assert.deepEqual(config.session.tokenCacheKeys[0]?.secret, key);
    });
  }

  it("loadConfig, in production with 2000 random 32-byte keys, accepts every one", () => {
    const refused: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const ring = `k1:${randomBytes(32).toString("base64")}`;
      try {
        loadConfig({ ...PRODUCTION, TOKEN_CACHE_KEYS: ring });
      } catch {
        refused.push(ring);
      }
    }

    assert.deepEqual(refused, []);
  });
});
