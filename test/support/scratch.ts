/**
 * For a describe block whose tests start apps and write credential files: a temporary folder, created
 * before the tests and removed after them, and the list of apps to close then.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import type { TestApp } from "./testApp.js";

export interface Scratch {
  /** Apps started by the tests, closed after them. */
  apps: TestApp[];
  /** A path inside the block's temporary folder. */
  path(...parts: string[]): string;
}

export function useScratch(prefix: string): Scratch {
  let dir: string | undefined;
  const apps: TestApp[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  after(async () => {
    for (const app of apps) await app.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    apps,
    path: (...parts) => {
      if (!dir) throw new Error("the scratch folder exists only while the block's tests run");
      return join(dir, ...parts);
    },
  };
}
