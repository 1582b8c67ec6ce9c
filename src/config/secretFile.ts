/**
 * The content of CLIENT_SECRET_FILE (e.g. a mounted Kubernetes secret): the client secret, with at
 * most one trailing newline, which is dropped (`echo secret > file` writes one). Anything else at
 * its ends is refused as for CLIENT_SECRET: a client secret never has blanks. Problems never quote
 * the secret.
 */

export type SecretFileResult = { ok: true; secret: string } | { ok: false; problem: string };

export function parseSecretFile(content: string): SecretFileResult {
  const secret = content.replace(/\r?\n$/, "");
  if (secret === "") return { ok: false, problem: "is empty" };
  if (secret.trim() === "") return { ok: false, problem: "holds only whitespace" };
  if (secret.trim() !== secret) {
    return {
      ok: false,
      problem:
        "holds a secret with whitespace at its start or end (beyond one final newline); a client secret never has any",
    };
  }
  return { ok: true, secret };
}
