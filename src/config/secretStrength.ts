/**
 * Whether a secret looks typed or patterned by a person rather than drawn at random. Production
 * refuses such session secrets and token-cache keys: length alone says nothing about them, and they
 * are what a guesser tries first. Only obvious shapes are refused, so that the random values
 * .env.example tells operators to generate always pass (the tests try thousands):
 * - whitespace only;
 * - too few different symbols ("aaaa…", "abba…");
 * - a pattern repeated at least twice ("abcabc…", "passwordpassword…");
 * - mostly steps to a neighbouring symbol ("abcdef…", "aabbcc…", the bytes 0, 1, 2, …).
 */

/** A random 32-character secret from even a 10-digit alphabet has 6 distinct symbols or more. */
const MIN_DISTINCT_CHARACTERS = 6;
/** A random 32-byte key has about 30 distinct bytes; fewer than 16 is a pattern. */
const MIN_DISTINCT_BYTES = 16;

export function isGuessableText(secret: string): boolean {
  if (secret.trim() === "") return true;
  return isGuessable(
    Array.from(secret, (character) => character.codePointAt(0) ?? 0),
    MIN_DISTINCT_CHARACTERS,
  );
}

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
