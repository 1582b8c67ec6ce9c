// One process of scripts/test.js: runs the given test files in this process, one after another
// (node:test queues each file's top-level tests in the order the files are imported). A file that
// cannot even be loaded is reported as a failed test, and the files after it still run.
import { resolve } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

for (const file of process.argv.slice(2)) {
  try {
    await import(pathToFileURL(resolve(file)).href);
  } catch (error) {
    test(`${file} loads`, () => {
      throw error;
    });
  }
}
