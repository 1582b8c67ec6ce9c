/**
 * A file published the way Kubernetes mounts secrets and projected tokens (the kubelet's atomic
 * writer): `<dir>/<name>` is a symlink to `..data/<name>`, `..data` a symlink to a timestamped folder,
 * and an update writes a new folder and renames a new `..data` link over the old one. The file the app
 * opens never changes in place; its path resolves to another inode. `overwriteInPlace` is the other
 * case: the same inode, length and mtime with new bytes (a file system whose clock is too coarse to
 * show the write), which no stat can tell apart. Published files get whole-second mtimes for that.
 */
import { mkdirSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface MountedFile {
  readonly path: string;
  publish(content: string): void;
  overwriteInPlace(content: string): void;
}

export function mountFile(dir: string, name: string, content: string): MountedFile {
  mkdirSync(dir, { recursive: true });
  let generation = 0;
  let current: string | undefined;
  const path = join(dir, name);
  const publish = (text: string) => {
    generation += 1;
    const folder = `..${Date.now()}_${generation}`;
    mkdirSync(join(dir, folder));
    writeFileSync(join(dir, folder, name), text, { mode: 0o600 });
    // Whole seconds, as a coarse file-system clock keeps them (and as overwriteInPlace can restore).
    const seconds = Math.floor(Date.now() / 1000);
    utimesSync(join(dir, folder, name), seconds, seconds);
    symlinkSync(folder, join(dir, "..data_tmp"));
    renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
    if (current !== undefined) rmSync(join(dir, current), { recursive: true });
    current = folder;
  };
  publish(content);
  symlinkSync(join("..data", name), path);
  return {
    path,
    publish,
    overwriteInPlace: (text) => {
      const before = statSync(path);
      if (Buffer.byteLength(text) !== before.size) throw new Error("overwriteInPlace needs the same length");
      writeFileSync(path, text);
      utimesSync(path, Math.floor(before.atimeMs / 1000), before.mtimeMs / 1000);
      const after = statSync(path);
      if (after.ino !== before.ino || after.mtimeMs !== before.mtimeMs) throw new Error("the stat changed");
    },
  };
}
