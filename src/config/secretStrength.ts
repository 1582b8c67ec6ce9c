/**
 * Whether a secret looks typed or patterned by a person rather than drawn at random. Production
 * refuses such session secrets and token-cache keys: length alone says nothing about them, and they
 * are what a guesser tries first. Only obvious marks are refused, so that the random values
 * .env.example tells operators to generate always pass (the tests try thousands):
 * - whitespace anywhere (a phrase, or a paste that took a blank or a line break with it);
 * - `NAME=…`, an upper-case variable name and "=" (a pasted .env line);
 * - a word of PLACEHOLDER_WORDS, in any case ("my-super-secret-key", "changeme…", the generator
 *   command itself);
 * - too few different symbols ("aaaa…", "abba…");
 * - a pattern repeated at least twice ("abcabc…", "passwordpassword…");
 * - mostly steps to a neighbouring symbol ("abcdef…", "aabbcc…", the bytes 0, 1, 2, …).
 */

/**
 * Words that mark a placeholder, an example or a phrase. Six letters or more, and never only hex
 * digits, so that a random base64 value holds one about once in 10^7 and a hex value never.
 */
export const PLACEHOLDER_WORDS: readonly string[] = [
  "secret",
  "s3cret",
  "s3cr3t",
  "password",
  "passw0rd",
  "p@ssw0rd",
  "pa55w0rd",
  "changeme",
  "change_me",
  "change-me",
  "replace",
  "example",
  "sample",
  "session",
  "please",
  "random",
  "generate",
  "require",
  "console",
  "crypto",
  "default",
  "placeholder",
  "insecure",
  "notsecure",
  "letmein",
  "qwerty",
  "asdfgh",
  "welcome",
  "contoso",
  "fabrikam",
  "express",
  "development",
  "production",
];

const WHITESPACE = "it contains whitespace, which a generated secret never does";
const ASSIGNMENT = "it contains NAME=…, a pasted .env line rather than the value";
const WORD =
  'it contains a word such as "secret", "password", "changeme" or "example" that marks a placeholder or a made-up phrase';
const PATTERN = "a repeated pattern, a run of neighbouring characters or very few different ones";
/**
 * An upper-case name of two characters or more (no lower case in it), at the start or after a
 * character that cannot be part of a name, then "=" and more: base64 padding ends a value instead.
 */
const NAME_ASSIGNMENT = /(?:^|[^A-Za-z0-9_])[A-Z_][A-Z0-9_]+=./u;

/** Why a session secret looks made by a person, or undefined when it looks random. */
export function guessableTextReason(secret: string): string | undefined {
  if (/\s/u.test(secret) || secret === "") return WHITESPACE;
  if (NAME_ASSIGNMENT.test(secret)) return ASSIGNMENT;
  const lower = secret.toLowerCase();
  if (PLACEHOLDER_WORDS.some((word) => lower.includes(word))) return WORD;
  const symbols = Array.from(secret, (character) => character.codePointAt(0) ?? 0);
  return isGuessable(symbols, MIN_DISTINCT_CHARACTERS) ? PATTERN : undefined;
}

/** A random 32-character secret from even a 10-digit alphabet has 6 distinct symbols or more. */
const MIN_DISTINCT_CHARACTERS = 6;
/** A random 32-byte key has about 30 distinct bytes; fewer than 16 is a pattern. */
const MIN_DISTINCT_BYTES = 16;

export function isGuessableKey(key: Uint8Array): boolean {
  return isGuessable(Array.from(key), MIN_DISTINCT_BYTES);
}

function isGuessable(symbols: readonly number[], minDistinct: number): boolean {
  return (
    new Set(symbols).size < minDistinct ||
    shortestPeriod(symbols) * 2 <= symbols.length ||
    mostlyNeighbours(symbols)
  );
}

/** The length of the shortest block the sequence repeats (the whole length when none): KMP borders. */
function shortestPeriod(symbols: readonly number[]): number {
  const border: number[] = [0];
  for (let i = 1, k = 0; i < symbols.length; i++) {
    while (k > 0 && symbols[i] !== symbols[k]) k = border[k - 1] ?? 0;
    if (symbols[i] === symbols[k]) k++;
    border.push(k);
  }
  return symbols.length - (border[symbols.length - 1] ?? 0);
}

/**
 * More than two thirds of the steps stay on a symbol or move to the next one up or down. Random text
 * does that in about 1 step in 20 (base64url) or 1 in 6 (hex), so this never refuses it in practice.
 */
function mostlyNeighbours(symbols: readonly number[]): boolean {
  let steps = 0;
  for (let i = 1; i < symbols.length; i++) {
    if (Math.abs((symbols[i] ?? 0) - (symbols[i - 1] ?? 0)) <= 1) steps++;
  }
  return steps * 3 > (symbols.length - 1) * 2;
}
