// No import cycle among the extension's modules (type-only imports count: a cycle of types is
// still two modules that cannot be understood apart). The graph is read from the sources' import
// statements; a cycle fails the test with its path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

const ROOT = "extension/src";

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? modules(p) : p.endsWith(".ts") ? [normalize(p)] : [];
  });
}

/** Each module's imports of other modules under extension/src. */
export function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+["'](\.{1,2}\/[^"']+)["']/gm)]
      .map((m) => normalize(join(dirname(file), m[1]!.replace(/\.js$/, ".ts"))))
      .filter((t) => known.has(t));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Every elementary cycle reachable by DFS (each reported once, from its first module found). */
export function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (m: string): void => {
    state.set(m, "visiting");
    stack.push(m);
    for (const next of graph.get(m) ?? []) {
      if (state.get(next) === "visiting") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(m, "done");
  };
  for (const m of [...graph.keys()].sort()) if (!state.has(m)) visit(m);
  return cycles;
}

test("the cycle finder finds a cycle (so that the real check below can fail)", () => {
  const g = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]);
  assert.deepEqual(findCycles(g), [["a", "b", "c", "a"]]);
  assert.deepEqual(findCycles(new Map([["a", ["b"]], ["b", []]])), []);
});

test("no import cycle among extension/src modules", () => {
  const files = modules(ROOT);
  assert.ok(files.length > 20, `${files.length} modules`);
  const graph = importGraph(files);
  assert.ok((graph.get(normalize(`${ROOT}/ctx.ts`)) ?? []).includes(normalize(`${ROOT}/runs-tree.ts`)), "the graph reads imports");
  const cycles = findCycles(graph);
  assert.deepEqual(cycles.map((c) => c.map((f) => f.slice(ROOT.length + 1)).join(" → ")), []);
});
