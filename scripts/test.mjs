// Runs the test suites with Node's own test runner (TypeScript through tsx).
// Usage: node scripts/test.mjs [unit|integration|lsp|e2e ...]  (default: the type check, then all four;
// e2e needs `bash test/e2e/install.sh` once)
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";

const requested = process.argv.slice(2);
const suites = requested.length > 0 ? requested : ["unit", "integration", "lsp", "e2e"];

function findTests(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (/\.test\.(ts|mts|js|mjs)$/.test(name)) out.push(p);
  }
  return out.sort();
}

// The whole suite starts with the type check: tsx and esbuild strip types without checking them,
// so strict TypeScript holds only if something runs tsc.
if (requested.length === 0) {
  const tsc = spawnSync(process.execPath, [join("node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json", "--noEmit"], { stdio: "inherit" });
  if (tsc.status !== 0) {
    console.error("type check failed (tsc -p tsconfig.json --noEmit)");
    process.exit(tsc.status ?? 1);
  }
  console.log("type check: tsc -p tsconfig.json --noEmit passed");
}

// The end-to-end files run one at a time: each drives its own code-server and Chromium, and two of
// them side by side on a small machine starve each other into timeouts. The other suites run
// RL_STUDIO_TEST_CONCURRENCY (default 2) files at once.
const groups = [
  { files: suites.filter((s) => s !== "e2e").flatMap((s) => findTests(join("test", s))), concurrency: process.env.RL_STUDIO_TEST_CONCURRENCY ?? "2" },
  { files: suites.includes("e2e") ? findTests(join("test", "e2e")) : [], concurrency: "1" },
].filter((g) => g.files.length > 0);
if (groups.length === 0) {
  console.error(`no test files found for suites: ${suites.join(", ")}`);
  process.exit(1);
}
let status = 0;
for (const { files, concurrency } of groups) {
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, ...files],
    { stdio: "inherit", env: { ...process.env, NODE_ENV: "test" } },
  );
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
