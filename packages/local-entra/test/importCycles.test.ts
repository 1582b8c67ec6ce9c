import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));

/** Relative imports of each module, type-only ones included (a cycle of types is still a cycle). */
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".ts"))) {
    const text = readFileSync(`${dir}${file}`, "utf8");
    const targets = [...text.matchAll(/(?:from|import)\s*\(?\s*"\.\/([\w.-]+)\.js"/g)].map(
      (m) => `${m[1]}.ts`,
    );
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Every cycle as a path `a → b → … → a`, each found once from its first module in DFS order. */
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

void test("findCycles, for a small graph with one cycle and one diamond, reports the cycle only", () => {
  // Arrange
  const graph = new Map<string, string[]>([
    ["context.ts", ["clients.ts", "sso.ts"]],
    ["clients.ts", ["scopes.ts"]],
    ["scopes.ts", ["context.ts"]],
    ["sso.ts", ["ids.ts"]],
    ["tokens.ts", ["ids.ts", "sso.ts"]],
    ["ids.ts", []],
  ]);
  // Act
  const cycles = findCycles(graph);
  // Assert
  assert.deepEqual(cycles, ["context.ts → clients.ts → scopes.ts → context.ts"]);
});

void test("the local tenant's modules, type-only imports included, import one another without any cycle", () => {
  // Arrange
  const graph = importGraph(SRC);
  assert.ok(graph.size > 40 && (graph.get("context.ts") ?? []).includes("clients.ts"), "the graph was read");
  // Act
  const cycles = findCycles(graph);
  // Assert
  assert.deepEqual(cycles, []);
});
