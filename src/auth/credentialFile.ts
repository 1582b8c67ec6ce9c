/**
 * A credential file that the platform may replace at any time (a mounted secret swapped by symlink,
 * a certificate renewed, a workload identity token rotated): its parsed content, read again only when
 * the file's identity changed. `current()` costs one `stat` (it follows symlinks, so a swapped link
 * shows as another inode); `reload()` reads whatever is there now, changed or not (after the token
 * endpoint refused the credential). Concurrent callers share one check, or one read. No fs.watch:
 * mounted secrets change by renaming a symlink, which watchers miss.
 *
 * Compared: device, inode, size and mtime. A write in place that keeps all four (same length, within
 * one tick of a coarse file-system clock) goes unseen until the token endpoint refuses the old
 * credential; the caller's retry (createMsalClientFactory.ts) then calls `reload()`.
 */
import { readFile, stat } from "node:fs/promises";
import type { Stats } from "node:fs";

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problem: string };

export interface CredentialFile<T> {
  /** The content as last read, re-read first when the file changed. */
  current(): Promise<T>;
  /** Reads the file now, whatever its stat says. Throws CredentialFileError when it is unusable. */
  reload(): Promise<T>;
}

/** The file cannot be used (gone, unreadable, not what it must hold): words for the operator. */
export class CredentialFileError extends Error {
  override readonly name = "CredentialFileError";
}

export interface CredentialFileOptions<T> {
  /** The setting that names the file, for messages. */
  setting: string;
  path: string;
  /** The value read at start-up (already checked), kept until the file changes. */
  initial: T;
  parse: (content: string) => ParseResult<T>;
  /** A changed file that cannot be used: the last good value is kept and this is called. */
  onUnusable: (problem: string) => void;
  /** Called when a changed file was read and parsed. */
  onReplaced: () => void;
}

const identity = (s: Stats): string => `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;

export function createCredentialFile<T>(options: CredentialFileOptions<T>): CredentialFile<T> {
  const { setting, path, parse } = options;
  let value = options.initial;
  /** undefined until the first check: the start-up read had no stat, so the first check reads. */
  let seen: string | undefined;
  let checking: Promise<T> | undefined;
  let reloading: Promise<T> | undefined;

  async function read(): Promise<{ value: T; id: string }> {
    let id: string;
    let content: string;
    try {
      id = identity(await stat(path));
      content = await readFile(path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
      throw new CredentialFileError(`${setting}: cannot read ${path} (${code})`);
    }
    const parsed = parse(content);
    if (!parsed.ok) throw new CredentialFileError(`${setting}: ${path} ${parsed.problem}`);
    return { value: parsed.value, id };
  }

  async function check(): Promise<T> {
    let id: string;
    try {
      id = identity(await stat(path));
    } catch (error) {
      // Gone for a moment (or for good): the last good credential is still the best guess.
      options.onUnusable(`${setting}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "?"})`);
      return value;
    }
    if (id === seen) return value;
    try {
      const next = await read();
      if (seen !== undefined) options.onReplaced();
      value = next.value;
      seen = next.id;
    } catch (error) {
      options.onUnusable((error as Error).message);
    }
    return value;
  }

  return {
    current: () => {
      checking ??= check().finally(() => {
        checking = undefined;
      });
      return checking;
    },
    // Requests refused together read the file once.
    reload: () => {
      reloading ??= read()
        .then((next) => {
          value = next.value;
          seen = next.id;
          return value;
        })
        .finally(() => {
          reloading = undefined;
        });
      return reloading;
    },
  };
}
