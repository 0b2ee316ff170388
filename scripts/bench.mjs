// Runs the benchmark scripts (each prints JSON lines and a final JSON summary).
// Usage: npm run bench [-- name …]   names: train, compare, envs, text-envs, lsp, extension, explain, llm (default: all present)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const all = ["train", "compare", "envs", "text-envs", "lsp", "extension", "explain", "llm"];
const args = process.argv.slice(2);
const names = args.length ? args : all.filter((n) => existsSync(`bench/${n}.ts`));
let failed = 0;
for (const name of names) {
  const file = `bench/${name}.ts`;
  if (!existsSync(file)) {
    console.error(`no benchmark ${file}`);
    failed++;
    continue;
  }
  console.error(`# bench ${name}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", file], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
