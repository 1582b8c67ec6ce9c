/**
 * The app's modules, and the local tenant's, import one another without cycles, type-only imports
 * included (a cycle of types still ties the modules together): each reads from the bottom up.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));
const LOCAL_ENTRA_SRC = fileURLToPath(new URL("../packages/local-entra/src/", import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Each module's relative imports (static, dynamic and type-only), as paths under src/. */
function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[\w./-]+)\.js"/g)].map((m) =>
      relative(root, normalize(join(dirname(file), `${m[1]}.ts`))),
    );
    graph.set(relative(root, file), [...new Set(targets)]);
  }
  return graph;
}

/** Every cycle as `a → b → … → a`. */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const cycles: string[] = [];
  const done = new Set<string>();
  const visit = (node: string, path: string[]): void => {
    const at = path.indexOf(node);
    if (at >= 0) {
      cycles.push([...path.slice(at), node].join(" → "));
      return;
    }
    if (done.has(node)) return;
    for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
    done.add(node);
  };
  for (const node of graph.keys()) visit(node, []);
  return cycles;
}

void test("src/, its modules import one another without a cycle", () => {
  const graph = importGraph(SRC);
  assert.ok(graph.size > 50, "the graph covers src/");
  assert.ok(
    [...graph.values()].some((targets) => targets.includes("auth/createTokenSource.ts")),
    "imports across folders are resolved",
  );
  assert.deepEqual(findCycles(graph), []);
});

void test("packages/local-entra/src/, its modules import one another without a cycle", () => {
  const graph = importGraph(LOCAL_ENTRA_SRC);
  assert.ok(graph.size > 40 && (graph.get("context.ts") ?? []).includes("clients.ts"), "the graph was read");
  assert.deepEqual(findCycles(graph), []);
});

void test("the cycle finder, on a graph with a cycle through two folders, finds it", () => {
  const graph = new Map([
    ["auth/a.ts", ["session/b.ts"]],
    ["session/b.ts", ["auth/c.ts"]],
    ["auth/c.ts", ["auth/a.ts"]],
    ["http/d.ts", ["auth/a.ts"]],
  ]);
  assert.deepEqual(findCycles(graph), ["auth/a.ts → session/b.ts → auth/c.ts → auth/a.ts"]);
});
