/**
 * The WebAssembly SIMD learner in training: it learns CartPole like the float64 JS learner (same seeds
 * solved, steps to solve within seed noise), the packaged CLI falls back to `js` with one line when its
 * learner-simd.wasm is missing or corrupt, and annealClip follows SB3's schedule in a real run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadExperiment, type ExperimentOverrides } from "../../runtime/src/experiment/resolve.js";
import { RunDir } from "../../runtime/src/runs/run-dir.js";
import { train } from "../../runtime/src/ppo/train.js";
import type { BackendRequest } from "../../runtime/src/backends/select.js";
import { loadKernelModule } from "../../runtime/src/nn/simd/module.js";
import { REPO, lastJsonLine } from "./cli-helpers.js";

const root = mkdtempSync(join(tmpdir(), "rl-studio-simd-test-"));
const BUNDLED_CLI = join(REPO, "dist", "cli.js");

/** Skips (outside CI) or fails (CI=true) when `what` is missing. */
function need(t: { skip(msg: string): void }, ok: boolean, what: string): boolean {
  if (ok) return true;
  if (process.env.CI === "true") assert.fail(`${what} must exist in CI`);
  t.skip(`${what} is missing (run \`npm run build\`)`);
  return false;
}

async function trainUntilSolved(seed: number, backend: BackendRequest, overrides: ExperimentOverrides = {}) {
  // The example without its reward shaping: the env's own reward, as the float64 reference is compared on.
  const experiment = { ...(await loadExperiment("examples/cartpole.rl.ts", { seed, ...overrides })), reward: null };
  const runDir = RunDir.create(root, { experiment: { name: experiment.name, seed }, sourceText: experiment.source.text, bundle: experiment.source.bundle });
  const ac = new AbortController();
  const summary = await train({
    experiment,
    runDir,
    backend,
    signal: ac.signal,
    onProgress: (p) => {
      if (p.meanReturnLast20 !== null && p.meanReturnLast20 >= 475) ac.abort();
    },
  });
  runDir.close();
  return { summary, runDir };
}

test("wasm-simd learns CartPole like the float64 js learner: the same 3 seeds solved, steps to solve within seed noise", async (t) => {
  if (!need(t, loadKernelModule().ok, "dist/learner-simd.wasm")) return;
  const steps: Record<string, number[]> = { js: [], "wasm-simd": [] };
  for (const backend of ["wasm-simd", "js"] as const) {
    for (const seed of [1, 2, 3]) {
      const { summary } = await trainUntilSolved(seed, backend);
      assert.equal(summary.backend, backend);
      assert.ok(summary.solvedAtStep !== null, `${backend} seed ${seed} did not solve CartPole in ${summary.globalStep} steps (mean of last 20: ${summary.meanReturnLast20})`);
      steps[backend]!.push(summary.solvedAtStep);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
  const ratio = median(steps["wasm-simd"]!) / median(steps.js!);
  // Seed-to-seed spread of this config is about 2× (DESIGN.md: 20–55 k steps); float32 rounding only changes which seed is lucky.
  assert.ok(ratio > 0.5 && ratio < 2, `median steps to solve: wasm-simd ${steps["wasm-simd"]} vs js ${steps.js}`);
  t.diagnostic(`steps to solve — wasm-simd: ${steps["wasm-simd"]!.join(", ")}; js: ${steps.js!.join(", ")}`);
});

test("annealClip: each update uses ε · (1 − steps so far / totalTimesteps), logged as charts/clip_coef", async (t) => {
  if (!need(t, loadKernelModule().ok, "dist/learner-simd.wasm")) return;
  const total = 4096;
  const { runDir } = await trainUntilSolved(1, "wasm-simd", { totalTimesteps: total, hyperparameters: { annealClip: true, clipCoef: 0.3 } });
  const metrics = runDir.readMetrics();
  assert.equal(metrics.length, 16);
  for (const m of metrics) assert.ok(Math.abs(m.metrics["charts/clip_coef"]! - 0.3 * (1 - m.globalStep / total)) < 1e-12, `step ${m.globalStep}: ${m.metrics["charts/clip_coef"]}`);
  assert.equal(metrics.at(-1)!.metrics["charts/clip_coef"], 0);
});

/**
 * Trains the CartPole example briefly with a copy of the bundled CLI in a folder of its own (under
 * node_modules/.cache, so its packages resolve) whose learner-simd.wasm is `wasm` (null: none), from a
 * workspace outside the checkout.
 */
function trainPackaged(t: { after(fn: () => void): void }, wasm: Buffer | null, nodeFlags: string[] = [], cliArgs: string[] = []) {
  mkdirSync(join(REPO, "node_modules", ".cache"), { recursive: true });
  const pkg = mkdtempSync(join(REPO, "node_modules", ".cache", "rl-studio-simd-"));
  const ws = mkdtempSync(join(tmpdir(), "rl-studio-simd-ws-"));
  t.after(() => {
    rmSync(pkg, { recursive: true, force: true });
    rmSync(ws, { recursive: true, force: true });
  });
  mkdirSync(join(pkg, "dist"));
  // The CLI and the worker thread every run trains in (runs/trainer-host.ts).
  for (const bundle of ["cli.js", "trainer-worker.js"]) copyFileSync(join(REPO, "dist", bundle), join(pkg, "dist", bundle));
  if (wasm) writeFileSync(join(pkg, "dist", "learner-simd.wasm"), wasm);
  writeFileSync(join(ws, "package.json"), "{}\n");
  copyFileSync(join(REPO, "examples", "cartpole.rl.ts"), join(ws, "cartpole.rl.ts"));
  const r = spawnSync(process.execPath, [...nodeFlags, join(pkg, "dist", "cli.js"), "train", "cartpole.rl.ts", "--total-timesteps", "512", "--json", ...cliArgs], { cwd: ws, encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return { stderr: r.stderr, summary: lastJsonLine(r.stdout) };
}

for (const [label, wasm] of [
  ["missing", null],
  ["corrupt", Buffer.from("\0asm\x01\0\0\0 not a module")],
] as const) {
  test(`a packaged CLI whose learner-simd.wasm is ${label} trains on js, with a one-line notice`, (t) => {
    if (!need(t, existsSync(BUNDLED_CLI), "dist/cli.js")) return;
    const { stderr, summary } = trainPackaged(t, wasm);
    assert.equal(summary.backend, "js");
    const notice = stderr.split("\n").filter((l) => l.includes("wasm-simd"));
    assert.equal(notice.length, 1, stderr);
    const why = label === "missing" ? /learner-simd\.wasm is missing \(reinstall/ : /learner-simd\.wasm is not a valid kernel module \(.+\); reinstall/;
    assert.match(notice[0]!, /^wasm-simd: /);
    assert.match(notice[0]!, why);
    assert.match(notice[0]!, /; falling back; backend: js \(auto: /);
  });
}

// An engine without WebAssembly (node --jitless; Node 20 cannot turn SIMD off alone, module.test covers that
// message): auto and an explicit --backend wasm-simd both train on js and say why in one line.
for (const cliArgs of [[], ["--backend", "wasm-simd"]]) {
  test(`without WebAssembly, ${cliArgs.length ? "--backend wasm-simd" : "auto"} falls back to js with a one-line notice`, (t) => {
    if (!need(t, existsSync(BUNDLED_CLI) && existsSync(join(REPO, "dist", "learner-simd.wasm")), "dist/cli.js and dist/learner-simd.wasm")) return;
    const { stderr, summary } = trainPackaged(t, readFileSync(join(REPO, "dist", "learner-simd.wasm")), ["--jitless"], cliArgs);
    assert.equal(summary.backend, "js");
    const notice = stderr.split("\n").filter((l) => l.includes("wasm-simd"));
    assert.equal(notice.length, 1, stderr);
    assert.match(notice[0]!, /^wasm-simd: this JavaScript engine has no WebAssembly; falling back; backend: js/);
  });
}

test("the packaged CLI with its learner-simd.wasm trains on wasm-simd", (t) => {
  if (!need(t, existsSync(BUNDLED_CLI) && existsSync(join(REPO, "dist", "learner-simd.wasm")), "dist/cli.js and dist/learner-simd.wasm")) return;
  const { stderr, summary } = trainPackaged(t, readFileSync(join(REPO, "dist", "learner-simd.wasm")));
  assert.equal(summary.backend, "wasm-simd");
  assert.ok(summary.updates > 0 && summary.updateSeconds > 0);
  assert.match(stderr, /^backend: wasm-simd \(auto: /m);
});
