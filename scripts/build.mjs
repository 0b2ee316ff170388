// Bundles every entry point with esbuild. Native or optional packages stay external: they are
// loaded from node_modules at run time (and shipped beside the bundle in the VSIX).
import * as esbuild from "esbuild";
import { existsSync, mkdirSync, chmodSync } from "node:fs";
import { writeDeclaration } from "./gen-dts.mjs";
import { buildSimdKernels, KERNEL_OUTPUT } from "./build-wasm.mjs";

const watch = process.argv.includes("--watch");
const production = process.argv.includes("--production");

const nodeExternal = [
  "vscode",
  "esbuild",
  // A runtime dependency already; bundling it would add ~9 MB to the language server.
  "typescript",
  "@tensorflow/tfjs-backend-cpu",
  "@tensorflow/tfjs-backend-wasm",
  "@tensorflow/tfjs-node",
  "@tensorflow/tfjs-node-gpu",
  "@tensorflow/tfjs-backend-webgpu",
  "webgpu",
  "node-llama-cpp",
];

/** @type {Array<import('esbuild').BuildOptions & {entryPoints: string[]}>} */
const targets = [
  { entryPoints: ["runtime/src/cli/main.ts"], outfile: "dist/cli.js", banner: { js: "#!/usr/bin/env node" } },
  { entryPoints: ["runtime/src/server/main.ts"], outfile: "dist/runtime.js" },
  { entryPoints: ["runtime/src/api.ts"], outfile: "dist/api.js" },
  // LLM-written reward code runs only in these two, each a child process with a heap limit (candidate-process.ts).
  { entryPoints: ["runtime/src/reward-design/train-worker.ts"], outfile: "dist/reward-train-worker.js" },
  { entryPoints: ["runtime/src/reward-design/sandbox-child.ts"], outfile: "dist/reward-sandbox.js" },
  // Every run trains in a worker thread the CLI / runtime watches, so Stop always works (runtime/src/runs/trainer-host.ts).
  { entryPoints: ["runtime/src/runs/trainer-worker.ts"], outfile: "dist/trainer-worker.js" },
  // Ranks 1 … N−1 of multi-learner PPO (numLearners), started by the trainer (runtime/src/ppo/learner-group.ts).
  { entryPoints: ["runtime/src/ppo/rank-worker.ts"], outfile: "dist/rank-worker.js" },
  { entryPoints: ["extension/src/extension.ts"], outfile: "dist/extension.js" },
  { entryPoints: ["language-server/src/server.ts"], outfile: "dist/language-server.js" },
  { entryPoints: ["media/src/dashboard.ts"], outfile: "dist/media/dashboard.js", platform: "browser", format: "iife" },
  { entryPoints: ["media/src/explain.ts"], outfile: "dist/media/explain.js", platform: "browser", format: "iife" },
  { entryPoints: ["media/src/evolution.ts"], outfile: "dist/media/evolution.js", platform: "browser", format: "iife" },
  { entryPoints: ["media/src/sweep.ts"], outfile: "dist/media/sweep.js", platform: "browser", format: "iife" },
].filter((t) => existsSync(t.entryPoints[0]));

mkdirSync("dist", { recursive: true });
/**
 * `@tensorflow/tfjs-core` itself stays external (one instance shared with the external backends),
 * but its ESM-only `dist/register_all_gradients` is bundled: Node 20 cannot require() ESM, and tfjs
 * keeps its kernel and gradient registries on the global object, so registrations made by the bundled
 * copy reach the external engine (the same way the @tensorflow/tfjs union bundle registers them).
 */
const tfjsCoreExternal = {
  name: "tfjs-core-external",
  setup(build) {
    build.onResolve({ filter: /^@tensorflow\/tfjs-core$/ }, (args) => ({ path: args.path, external: true }));
  },
};

const common = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  sourcemap: true,
  // Class names survive bundling, so errors say `Box`, not `_Box`.
  keepNames: true,
  minify: production,
  external: nodeExternal,
  logLevel: "warning",
  plugins: [tfjsCoreExternal],
};

for (const t of targets) {
  const options = { ...common, ...t };
  if (watch) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  } else {
    await esbuild.build(options);
  }
}
if (existsSync("dist/cli.js")) chmodSync("dist/cli.js", 0o755);
// The WebAssembly SIMD learner (runtime/src/nn/simd/): loaded from dist/ beside the bundles.
if (await buildSimdKernels()) console.log(`built ${KERNEL_OUTPUT}`);
// The `rl-studio` module's declaration, for type-checking experiment files without npm install.
if (!watch) writeDeclaration();
if (!watch) console.log(`built ${targets.length} bundle(s): ${targets.map((t) => t.outfile).join(", ")}`);
