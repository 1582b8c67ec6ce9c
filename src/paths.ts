/**
 * Where the views and static files are, found from this file's location so that the same code works
 * from `src/` (tsx) and from `dist/src/` (compiled).
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findProjectRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

export function projectPaths() {
  const root = findProjectRoot(dirname(fileURLToPath(import.meta.url)));
  return { root, views: join(root, "views"), publicDir: join(root, "public") };
}
