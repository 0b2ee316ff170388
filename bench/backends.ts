/**
 * The cost model's measurements: one PPO minibatch update per backend over network shapes × minibatch
 * sizes (pruned: bench/backend-grid.ts), the rollout's forward per step, the fitted coefficients and the
 * crossover table. Prints JSON lines, the table, and a final JSON summary; writes
 * bench/out/backends.json (everything) and bench/out/update-costs.json (the table `auto` reads: copy it
 * to runtime/src/backends/update-costs.json, or pass --write).
 * Run: `npm run bench -- backends` or `node --import tsx bench/backends.ts [--write] [--quick]`.
 * Every backend that is installed and runs here is measured (js, wasm, cpu, webgpu on a Vulkan device,
 * tfjs-node and tfjs-node-gpu when installed).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { BACKEND_NAMES } from "../runtime/src/nn/learner.js";
import { costTable, crossover, formatCrossover, load, machine, measureGrid, MINIBATCHES, print, probeBackends, rolloutForward, SHAPES } from "./backend-grid.js";

async function main() {
  const args = process.argv.slice(2);
  const quick = args.includes("--quick");
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const loadStart = load();
  const host = await machine();
  print({ section: "machine", ...host });
  const { usable, notes } = await probeBackends(BACKEND_NAMES);
  print({ section: "backends", usable, notes });
  const shapes = quick ? SHAPES.filter((s) => s.name === "2x64" || s.name === "2x256") : SHAPES;
  const minibatches = quick ? [64, 512] : MINIBATCHES;
  const { cells, fits } = await measureGrid({ backends: usable, shapes, minibatches, maxUpdateMs: 1500, deadlineMs: quick ? 60_000 : 240_000 }, (c) => print({ section: "update", ...c }));
  const adapter = host.gpuAdapter as { description?: string } | string;
  const measuredOn =
    `${host.cpu}, ${host.memoryGiB} GiB, Node ${host.node}, webgpu on ${typeof adapter === "string" ? adapter : adapter.description}, ` +
    `${host.date}, load average ${loadStart.join("/")} → ${load().join("/")}`;
  const table = costTable(fits, cells, measuredOn, "npm run bench -- backends");
  const rows = crossover(cells, table, shapes);
  const forward = rolloutForward(shapes);
  print({ section: "rollout-forward", rows: forward, note: "plain-JS acting forward per vector step (8 envs); every backend's rollout uses it" });
  console.log(formatCrossover(rows, usable));
  const agreement = rows.filter((r) => r.estimated.length === 0).map((r) => r.fastest === r.modelChoice || r.modelChoice === "cpu");
  const u = process.cpuUsage(cpu0);
  const summary = {
    bench: "backends",
    machine: host,
    table,
    crossover: rows,
    rolloutForward: forward,
    modelAgreesWithMeasuredFastest: `${agreement.filter(Boolean).length}/${agreement.length} fully measured cells`,
    wallSeconds: +((performance.now() - t0) / 1000).toFixed(1),
    cpuSeconds: +((u.user + u.system) / 1e6).toFixed(1),
    loadStart,
    loadEnd: load(),
  };
  mkdirSync("bench/out", { recursive: true });
  writeFileSync("bench/out/backends.json", JSON.stringify({ ...summary, cells }, null, 2) + "\n");
  writeFileSync("bench/out/update-costs.json", JSON.stringify(table, null, 2) + "\n");
  if (args.includes("--write")) writeFileSync("runtime/src/backends/update-costs.json", JSON.stringify(table, null, 2) + "\n");
  console.log(JSON.stringify(summary));
  // Dawn and tfjs-node keep handles open.
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
