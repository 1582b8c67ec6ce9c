// `npm test` and `npm run test:only [-- files…]`.
//
// Why not `node --test` alone: under Node 20 it starts one process per test file, and each process
// spends about 1.8 s of CPU loading tsx and the app's modules before its first test: with ~80 files,
// half of the suite's CPU on a 2-core machine. (Node 22's --experimental-test-isolation=none would do
// what this does; the project supports Node 20.) So the files run in a few processes, several files
// per process (scripts/testBatch.js), a few processes at once:
//   - a batch is a folder's files (a large folder is cut in parts), run one file after another;
//   - the batches run CONCURRENCY at a time, the largest first; each batch's report is printed whole
//     as it ends, and the totals at the end;
//   - the files in ALONE run in a process of their own (why is said there).
// `npm run test:isolated` is the plain `node --test`, one process per file, to tell whether a failure
// comes from sharing a process.
//
// `npm test` runs the checks (format, lint, types) too, side by side with the tests; it fails when any
// check or test fails, and prints each check's result as it ends.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { clearTimeout, setTimeout } from "node:timers";

/** Files that need a process of their own, and why. */
const ALONE = new Map([
  [
    "test/config/urlSettings.test.ts",
    "Node 20's URL.canParse answers false for a non-ASCII host once V8 has optimized it (after a few " +
      "thousand calls in one process; loadConfig uses it), and the other config tests call it that often",
  ],
]);
const FILES_PER_BATCH = 8;
/** One process per core, and one more to compute while another waits (on a child, a timeout, Redis). */
const CONCURRENCY = Number(process.env.TEST_CONCURRENCY ?? availableParallelism() + 1);
/** A safety bound, not a measurement: a batch that has not ended by then is stuck. */
const BATCH_TIMEOUT_MS = 15 * 60_000;
const CHECKS = ["format:check", "lint", "typecheck"];
const NODE_ARGS = ["--conditions=source", "--import", "tsx", "--test-reporter=spec"];

const args = process.argv.slice(2);
const withChecks = args[0] === "--with-checks";
const given = withChecks ? args.slice(1) : args;

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

const sizeOf = (file) => statSync(file).size;

function batchesOf(files) {
  const byFolder = new Map();
  for (const file of files) {
    if (ALONE.has(file)) continue;
    const folder = file.slice(0, file.lastIndexOf("/"));
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), file]);
  }
  const batches = [];
  for (const [folder, inFolder] of byFolder) {
    // A large folder is cut in parts of about equal size (the source's size, a rough measure of the
    // work): each file, the largest first, goes to the part that is smallest so far.
    const parts = Array.from({ length: Math.ceil(inFolder.length / FILES_PER_BATCH) }, () => ({
      files: [],
      size: 0,
    }));
    for (const file of [...inFolder].sort((a, b) => sizeOf(b) - sizeOf(a))) {
      const part = parts.reduce((smallest, candidate) =>
        candidate.size < smallest.size ? candidate : smallest,
      );
      part.files.push(file);
      part.size += sizeOf(file);
    }
    for (const [i, part] of parts.entries()) {
      const name = parts.length > 1 ? `${folder} (${i + 1}/${parts.length})` : folder;
      batches.push({ name, files: part.files.sort(), size: part.size });
    }
  }
  for (const file of files)
    if (ALONE.has(file)) batches.push({ name: file, files: [file], size: sizeOf(file) });
  // The largest first, so that the last to end are short.
  return batches.sort((a, b) => b.size - a.size);
}

/** Runs a command to its end, keeping its output (stdout and stderr together) to print in one piece. */
function run(command, commandArgs, timeoutMs) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command, commandArgs, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    let timedOut = false;
    const killer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      const seconds = (Date.now() - started) / 1000;
      if (timedOut) output += `\nKilled after ${timeoutMs / 60_000} minutes: it had not ended.\n`;
      resolve({ ok: code === 0, code: code ?? signal, output, seconds });
    });
  });
}

async function inPool(items, concurrency, work) {
  const queue = [...items];
  const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
    for (let item = queue.shift(); item; item = queue.shift()) await work(item);
  });
  await Promise.all(workers);
}

async function checks() {
  const results = await Promise.all(
    CHECKS.map(async (name) => {
      const result = await run("npm", ["run", "-s", name], BATCH_TIMEOUT_MS);
      process.stdout.write(`\n${result.ok ? "✔" : "✖"} npm run ${name} (${result.seconds.toFixed(1)} s)\n`);
      if (!result.ok) process.stdout.write(result.output);
      return result.ok ? [] : [name];
    }),
  );
  return results.flat();
}

const COUNTS = ["tests", "pass", "fail", "cancelled", "skipped", "todo"];

async function tests(files) {
  const batches = batchesOf(files);
  const totals = Object.fromEntries(COUNTS.map((name) => [name, 0]));
  const failed = [];
  const times = [];
  await inPool(batches, CONCURRENCY, async (batch) => {
    const result = await run(
      process.execPath,
      [...NODE_ARGS, "scripts/testBatch.js", ...batch.files],
      BATCH_TIMEOUT_MS,
    );
    process.stdout.write(
      `\n═══ ${batch.name}: ${batch.files.length} files, ${result.seconds.toFixed(1)} s\n`,
    );
    process.stdout.write(result.output);
    let counted = false;
    for (const name of COUNTS) {
      const match = new RegExp(`^ℹ ${name} (\\d+)$`, "m").exec(result.output);
      if (match) totals[name] += Number(match[1]);
      counted ||= match !== null;
    }
    times.push([result.seconds, batch.name]);
    if (!result.ok || !counted) failed.push(`${batch.name} (exit ${result.code}): ${batch.files.join(" ")}`);
  });
  times.sort(([a], [b]) => b - a);
  for (const [seconds, name] of times) process.stdout.write(`${seconds.toFixed(1).padStart(6)} s  ${name}\n`);
  process.stdout.write(`${COUNTS.map((name) => `${name} ${totals[name]}`).join(", ")}\n`);
  for (const line of failed) process.stdout.write(`✖ ${line}\n`);
  return failed.length === 0;
}

const started = Date.now();
const everyTestFolder = ["test", ...readdirSync("packages").map((name) => `packages/${name}/test`)];
const files = given.length > 0 ? given : everyTestFolder.filter((folder) => existsSync(folder));
const missing = files.filter((path) => !existsSync(path));
if (missing.length > 0) {
  process.stderr.write(`No such test file or folder: ${missing.join(", ")}\n`);
  process.exit(2);
}
const all = files.flatMap((path) => (statSync(path).isDirectory() ? testFiles(path) : [path])).sort();
// The checks run beside the tests: each of them keeps one core busy, and the tests fill the other.
const [failedChecks, tested] = await Promise.all([withChecks ? checks() : [], tests(all)]);
for (const name of failedChecks) process.stdout.write(`✖ npm run ${name}\n`);
const passed = failedChecks.length === 0 && tested;
process.stdout.write(`${passed ? "✔" : "✖"} ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.exitCode = passed ? 0 : 1;
