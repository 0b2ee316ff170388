// Packages RL Studio as a VSIX with vsce (test/e2e/.tools, installed by install.sh) and checks what
// is inside: the bundles, the declaration and TypeScript server plugin experiment files need, the
// external packages the bundles load at run time, and nothing else (no sources, tests, source maps).
// Usage: node test/e2e/vsix.mjs [out.vsix]   — prints the size and a summary; exit 1 when a check fails.
//
// `--follow-symlinks` is required: npm installs the `file:./ts-plugin` dependency as a symlink
// (node_modules/rl-studio-ts-plugin → ../ts-plugin), and without the flag vsce treats that link as
// a file and leaves the plugin out, so tsserver cannot load it and `import … from "rl-studio"` is an
// error in every experiment file of a user who installed the VSIX.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { OUT, ROOT, TOOLS } from "./harness.mjs";

export const VSCE = path.join(TOOLS, "cs/node_modules/.bin/vsce");

/** Files the installed extension cannot work without (paths inside the VSIX's extension/ folder). */
export const REQUIRED = [
  "package.json",
  "dist/extension.js",
  "dist/runtime.js",
  "dist/cli.js",
  "dist/language-server.js",
  "dist/rl-studio.d.ts",
  "dist/media/dashboard.js",
  "media/dashboard.css",
  "node_modules/rl-studio-ts-plugin/package.json",
  "node_modules/rl-studio-ts-plugin/index.js",
  "node_modules/typescript/lib/typescript.js",
  "node_modules/esbuild/lib/main.js",
  "node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.node.js",
];
/** Every .wasm file the wasm backend may load (it picks plain, SIMD or threaded SIMD at run time). */
export const WASM_DIR = "node_modules/@tensorflow/tfjs-backend-wasm/dist";

/** Why packaging cannot run here, or null. */
export function missingVsce() {
  return fs.existsSync(VSCE) ? null : `vsce is not installed in ${path.dirname(VSCE)}: run \`bash test/e2e/install.sh\``;
}

/** Run `vsce package`; returns { file, bytes, entries: [{ name, size, mode }] } with names relative to extension/. */
export function packageVsix(file = path.join(OUT, "rl-studio.vsix")) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.rmSync(file, { force: true });
  const r = spawnSync(VSCE, ["package", "--follow-symlinks", "--skip-license", "--allow-missing-repository", "--out", file], {
    cwd: ROOT, encoding: "utf8", timeout: 300_000, env: { ...process.env, NODE_OPTIONS: "" },
  });
  if (r.status !== 0) throw new Error(`vsce package failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return { file, bytes: fs.statSync(file).size, entries: listZip(file) };
}

/** The entries of a zip (zipinfo, from Debian's unzip), with their Unix modes. */
export function listZip(file) {
  const r = spawnSync("zipinfo", ["-l", file], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`zipinfo ${file} failed: ${r.stderr}`);
  // -rwxr-xr-x  6.3 unx 11427952 bl     3123456 defN 26-Nov-22 23:44 extension/node_modules/@esbuild/linux-x64/bin/esbuild
  return r.stdout.split("\n").flatMap((line) => {
    const m = /^([-drwxlst]{10})\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\d+\s+\S+\s+\S+\s+\S+\s+extension\/(.+)$/.exec(line);
    return m ? [{ name: m[3], size: Number(m[2]), mode: m[1] }] : [];
  });
}

/** Problems with a VSIX's entries (empty when it is what users should get). */
export function checkEntries(entries) {
  const names = new Set(entries.map((e) => e.name));
  const problems = REQUIRED.filter((f) => !names.has(f)).map((f) => `missing ${f}`);
  const wasm = entries.filter((e) => e.name.startsWith(`${WASM_DIR}/`) && e.name.endsWith(".wasm")).map((e) => path.basename(e.name)).sort();
  for (const w of ["tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm", "tfjs-backend-wasm.wasm"]) if (!wasm.includes(w)) problems.push(`missing ${WASM_DIR}/${w}`);
  const esbuildBin = entries.find((e) => /^node_modules\/@esbuild\/[^/]+\/bin\/esbuild$/.test(e.name));
  if (!esbuildBin) problems.push("missing esbuild's platform binary (node_modules/@esbuild/<platform>/bin/esbuild)");
  else if (!esbuildBin.mode.includes("x")) problems.push(`${esbuildBin.name} is not executable (${esbuildBin.mode})`);
  for (const e of entries) {
    if (/^(test|runtime|extension|language-server|protocol|media\/src|scripts|bench|ts-plugin)\//.test(e.name)) problems.push(`source or test file shipped: ${e.name}`);
    else if (/\.(map|tsbuildinfo)$/.test(e.name) || (/\.ts$/.test(e.name) && !/\.d\.ts$|^examples\/[^/]+\.rl\.ts$/.test(e.name))) problems.push(`source file shipped: ${e.name}`);
    else if (/^node_modules\/(node-llama-cpp|@node-llama-cpp|playwright|code-server|tsx|chart\.js)\//.test(e.name)) problems.push(`package that must not ship: ${e.name}`);
  }
  return problems;
}

/** Sizes by top-level folder (node_modules by package), for the report. */
export function summarize({ bytes, entries }) {
  const groups = new Map();
  for (const e of entries) {
    const parts = e.name.split("/");
    const key = parts[0] === "node_modules" ? parts.slice(0, parts[1]?.startsWith("@") ? 3 : 2).join("/") : parts.length > 1 ? `${parts[0]}/` : parts[0];
    const g = groups.get(key) ?? { files: 0, size: 0 };
    g.files++;
    g.size += e.size;
    groups.set(key, g);
  }
  const mb = (n) => `${(n / 1024 / 1024).toFixed(2)} MB`;
  const rows = [...groups].sort((a, b) => b[1].size - a[1].size).map(([k, g]) => `  ${k.padEnd(48)} ${String(g.files).padStart(3)} files ${mb(g.size).padStart(10)}`);
  return [`VSIX ${mb(bytes)} compressed, ${entries.length} files, ${mb(entries.reduce((s, e) => s + e.size, 0))} unpacked`, ...rows].join("\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const why = missingVsce();
  if (why) {
    console.error(why);
    process.exit(1);
  }
  const t0 = Date.now();
  const vsix = packageVsix(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  console.log(`packaged ${path.relative(process.cwd(), vsix.file)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(summarize(vsix));
  const problems = checkEntries(vsix.entries);
  for (const p of problems) console.error(`✗ ${p}`);
  process.exit(problems.length > 0 ? 1 : 0);
}
