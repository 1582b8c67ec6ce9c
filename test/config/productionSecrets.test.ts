/**
 * Session secrets that are long and varied enough and still made by a person: a phrase, a
 * placeholder left in, a pasted .env line or the generator command itself. Production refuses each
 * with the reason and without the value; outside production the length rule alone applies, as
 * before. Random values never trip these rules (secretStrength.test.ts draws thousands).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/loadConfig.js";
import { PLACEHOLDER_WORDS } from "../../src/config/secretStrength.js";
import { PRODUCTION, STRONG_PREVIOUS_SECRET, STRONG_SESSION_SECRET, problemsOf } from "./settingsFixtures.js";

const GENERATE = `node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`;
const WHITESPACE = "it contains whitespace, which a generated secret never does";
const ASSIGNMENT = "it contains NAME=…, a pasted .env line rather than the value";
const WORD =
  'it contains a word such as "secret", "password", "changeme" or "example" that marks a placeholder or a made-up phrase';
const PATTERN = "a repeated pattern, a run of neighbouring characters or very few different ones";

/** The one message for a reason: equal for every value, so it cannot echo one. */
const refusal = (subject: string, reason: string) =>
  `${subject} is too easy to guess for production (${reason}); generate one with ${GENERATE}`;

const half = STRONG_SESSION_SECRET.slice(0, 20);
const otherHalf = STRONG_SESSION_SECRET.slice(20);

// [secret, the reason given]; each 32 characters or more, so that only its shape is in question.
const refused: [string, string][] = [
  // What the security review found accepted.
  ["correct horse battery staple secret", WHITESPACE],
  ["my-super-secret-session-key-2024!", WORD],
  ["replace-with-a-long-random-string", WORD],
  ["changeme-changeme-please-change-it", WORD],
  ["P@ssw0rd!P@ssw0rd!P@ssw0rd!2024#", WORD],
  ["EXPRESS_SESSION_SECRET=supersecret123", ASSIGNMENT],
  [GENERATE, WHITESPACE],
  // Their siblings.
  ["console.log(require('crypto').randomBytes(32).toString('base64url'))", WORD],
  ["require('crypto').randomBytes(32).toString('base64url')", WORD],
  ["your-session-secret-goes-here-1234", WORD],
  ["insert-a-random-string-here-0000x", WORD],
  ["default-key-for-development-1234x", WORD],
  ["this_is_a_sample_key_for_my_app_2024", WORD],
  ["Example-Cookie-Key-For-Production", WORD],
  ["MyApplicationPassword!IsStrong2024", WORD],
  ["PASSWORD-FOR-THE-CONTOSO-WEB-APP-1", WORD],
  ["Pa55w0rd-Passw0rd-contoso-app-1234", WORD],
  ["LetMeIn!Contoso#2024-web-app-key-x", WORD],
  ["qwertyuiop[]asdfghjkl;'zxcvbnm,./", WORD],
  ["Welcome2Contoso!Welcome2Contoso#24", WORD],
  ["ChangeMe_Before_Going_Live_2024_x!", WORD],
  ["change_me_before_going_live_2024_x", WORD],
  ["please-generate-a-proper-value-2024", WORD],
  ["contoso-express-app-cookie-key-2024", WORD],
  ["placeholder-value-do-not-use-1234x", WORD],
  ["notsecure-dev-only-cookie-key-2024", WORD],
  ["insecure_dev_only_cookie_key_2024x", WORD],
  ["this is a long sentence anyone could guess", WHITESPACE],
  [`${half} ${otherHalf}`, WHITESPACE],
  [`${half}\t${otherHalf}`, WHITESPACE],
  [`${half}\n${otherHalf}`, WHITESPACE],
  [`${half}\r\n${otherHalf}`, WHITESPACE],
  [`${half}\u00a0${otherHalf}`, WHITESPACE],
  [`${half}\u2003${otherHalf}`, WHITESPACE],
  [`${half}\u3000${otherHalf}`, WHITESPACE],
  [`${half}\u2028${otherHalf}`, WHITESPACE],
  [`${half}\ufeff${otherHalf}`, WHITESPACE],
  [`${STRONG_SESSION_SECRET} `, WHITESPACE],
  [` ${STRONG_SESSION_SECRET}`, WHITESPACE],
  [`${STRONG_SESSION_SECRET}\n`, WHITESPACE],
  [`\t${STRONG_SESSION_SECRET}`, WHITESPACE],
  [`export EXPRESS_SESSION_SECRET=${STRONG_SESSION_SECRET}`, WHITESPACE],
  [`APP_COOKIE_KEY=${STRONG_SESSION_SECRET}`, ASSIGNMENT],
  [`COOKIE_KEY_2=${STRONG_SESSION_SECRET}`, ASSIGNMENT],
  [`K1=${STRONG_SESSION_SECRET}`, ASSIGNMENT],
  [`_X=${STRONG_SESSION_SECRET}`, ASSIGNMENT],
  [`"COOKIE_KEY=${STRONG_SESSION_SECRET}"`, ASSIGNMENT],
  [`'COOKIE_KEY=${STRONG_SESSION_SECRET}'`, ASSIGNMENT],
  [`--COOKIE_KEY=${STRONG_SESSION_SECRET}`, ASSIGNMENT],
  [`EXPRESS_SESSION_SECRET=${STRONG_SESSION_SECRET}`, ASSIGNMENT],
  [`EXPRESS_SESSION_SECRET==${STRONG_SESSION_SECRET}`, ASSIGNMENT],
  // Checked after the rules above: shapes that were refused before keep being refused.
  ["ab".repeat(20), PATTERN],
  ["abcdefghijklmnopqrstuvwxyz0123456789", PATTERN],
  // Every listed word, in any case, anywhere in an otherwise random value.
  ...PLACEHOLDER_WORDS.flatMap((word): [string, string][] => [
    [`${word}${STRONG_SESSION_SECRET}`, WORD],
    [`${half}${word.toUpperCase()}${otherHalf}`, WORD],
    [`${STRONG_SESSION_SECRET}${word[0]!.toUpperCase()}${word.slice(1)}`, WORD],
    [`${half}${alternateCase(word)}${otherHalf}`, WORD],
  ]),
];

// Shapes next to the refused ones that are not a person's mark: they stay accepted in production.
const accepted: string[] = [
  STRONG_SESSION_SECRET,
  // Standard base64 ends in "=": padding, not an assignment.
  "hGgOqBOGxIfNt6YFwQu1bEhx3zI1IREW7DYrNKIOCcI=",
  "q3Zr8Lk+P1n0xW/7tY2bVc5mJh9Rd6Uaq3Zr8Lk+P1n0xW/7tY2bVc5mJh9Rd6Ua==".slice(0, 44),
  // "=" after a lower-case name: a symbol in a generated password, not an environment variable.
  "gT7#pL0=xQ2!vN9$kR4%mW6^zB8&cY1*",
  "a=b!K0dwUPnrQNNARxqkqy33fPuOdkf-DD",
  // A single-letter name before "=".
  `K=${STRONG_SESSION_SECRET}`,
  // Words of fewer than 6 letters are too likely in random text to be refused.
  `key-${STRONG_SESSION_SECRET}`,
  `admin${STRONG_SESSION_SECRET}`,
  `dummy${STRONG_SESSION_SECRET}`,
  `token${STRONG_SESSION_SECRET}`,
  `test_${STRONG_SESSION_SECRET}`,
  // A zero-width space is not whitespace (it is invisible, but not what a paste adds).
  `${half}\u200b${otherHalf}`,
  "orbit-lemon-granite-whistle-cobalt-fern",
];

function alternateCase(word: string): string {
  return Array.from(word, (c, i) => (i % 2 === 0 ? c.toUpperCase() : c.toLowerCase())).join("");
}

describe("EXPRESS_SESSION_SECRET in production, made by a person", () => {
  for (const [secret, reason] of refused) {
    it(`loadConfig, in production with the session secret ${JSON.stringify(secret.slice(0, 24))}…, refuses it for the reason without echoing it`, () => {
      assert.ok(secret.length >= 32, "only the shape is in question here");

      const problems = problemsOf({ ...PRODUCTION, EXPRESS_SESSION_SECRET: secret });

      assert.deepEqual(problems, [refusal("EXPRESS_SESSION_SECRET:", reason)]);
    });

    it(`loadConfig, in development with the session secret ${JSON.stringify(secret.slice(0, 24))}…, keeps accepting it`, () => {
      const config = loadConfig({ ...PRODUCTION, NODE_ENV: "development", EXPRESS_SESSION_SECRET: secret });

      assert.equal(config.session.secrets[0], secret);
    });
  }

  for (const secret of accepted) {
    it(`loadConfig, in production with the session secret ${JSON.stringify(secret.slice(0, 24))}…, accepts it`, () => {
      const config = loadConfig({ ...PRODUCTION, EXPRESS_SESSION_SECRET: secret });

      assert.equal(config.session.secrets[0], secret);
    });
  }
});

describe("EXPRESS_SESSION_PREVIOUS_SECRETS in production, made by a person", () => {
  // The list trims its entries, so blanks at the ends of an entry are not in question here.
  for (const [secret, reason] of refused.filter(([s]) => s === s.trim() && !s.includes(","))) {
    it(`loadConfig, in production with ${JSON.stringify(secret.slice(0, 24))}… as the second previous secret, names its position and reason only`, () => {
      const problems = problemsOf({
        ...PRODUCTION,
        EXPRESS_SESSION_PREVIOUS_SECRETS: `${STRONG_PREVIOUS_SECRET},${secret}`,
      });

      assert.deepEqual(problems, [refusal("EXPRESS_SESSION_PREVIOUS_SECRETS: entry 2", reason)]);
    });
  }
});

describe("the placeholder words", () => {
  for (const word of PLACEHOLDER_WORDS) {
    it(`PLACEHOLDER_WORDS, for ${JSON.stringify(word)}, has 6 characters or more and one beyond hex, so random values do not hold it`, () => {
      assert.ok(word.length >= 6, `${word} is shorter than 6 characters`);
      assert.equal(word, word.toLowerCase(), "listed in lower case (matched in any case)");
      assert.doesNotMatch(word, /^[0-9a-f]+$/, "a hex value could hold it");
    });
  }
});
