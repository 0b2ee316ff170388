// Runs the benchmark scripts (each prints JSON lines and a final JSON summary).
// Usage: npm run bench [-- name [section …] …]   names: every bench/<name>.ts (see `all`); with no
// name, the DEFAULT ones (gpu is for a GPU machine, backends' grid, twosome-model, sweep, subgoals, compare and learners (3 seeds × several configs, fresh processes) take many minutes: name them). Words after a name that are not names are passed to it as its sections,
// e.g. `npm run bench -- train cartpole backends llm` runs two sections of bench/train.ts, then bench/llm.ts.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const DEFAULT = ["train", "envs", "text-envs", "lsp", "extension", "explain", "llm", "sandbox", "cli"];
const all = [...DEFAULT, "backends", "gpu", "twosome-model", "sweep", "compare", "learners", "subgoals", "twosome"];
const args = process.argv.slice(2);
if (args.length > 0 && !all.includes(args[0])) {
  console.error(`unknown benchmark '${args[0]}': expected one of ${all.join(", ")}`);
  process.exit(1);
}
/** [name, sections][] in the order asked. */
const runs = args.length
  ? args.reduce((acc, a) => (all.includes(a) ? [...acc, [a, []]] : (acc.at(-1)[1].push(a), acc)), [])
  : DEFAULT.filter((n) => existsSync(`bench/${n}.ts`)).map((n) => [n, []]);
let failed = 0;
for (const [name, sections] of runs) {
  const file = `bench/${name}.ts`;
  if (!existsSync(file)) {
    console.error(`no benchmark ${file}`);
    failed++;
    continue;
  }
  console.error(`# bench ${name}${sections.length ? ` (${sections.join(", ")})` : ""}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", file, ...sections], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
