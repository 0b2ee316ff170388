/**
 * Training benchmark: quality and speed targets of the runtime, printed as JSON lines and a final
 * JSON summary. Run: `npm run bench -- train` or `node --import tsx bench/train.ts [sections…]`
 * (needs `npm run build`: the training sections run dist/cli.js).
 * Sections: cartpole (3 seeds, each in a fresh CLI process: launch → solved seen by this process,
 * and the trainer's own time to solve), cartpole-unshaped (the same without the example's reward
 * shaping, as the reference figures are measured), backends (one PPO minibatch update per backend),
 * acrobot and pendulum (one fresh process each, the example's whole budget; pendulum 300 k steps),
 * memory (1 M steps on js and on wasm in this process: RSS and live tensors).
 * The machine is shared: each figure comes with the load average and CPU time.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { trainInProcess } from "./cli-process.js";
import { loadExperiment, type ExperimentOverrides } from "../runtime/src/experiment/resolve.js";
import { RunDir } from "../runtime/src/runs/run-dir.js";
import { train, type TrainSummary } from "../runtime/src/ppo/train.js";
import { ActorCriticLayout } from "../runtime/src/nn/actor-critic.js";
import { syntheticMinibatch, timeUpdates } from "../runtime/src/backends/calibrate.js";
import { createLearner } from "../runtime/src/backends/select.js";
import type { BackendName } from "../runtime/src/nn/learner.js";
import { Rng } from "../runtime/src/rng.js";

const root = mkdtempSync(join(tmpdir(), "rl-studio-bench-"));
const load = () => loadavg().map((x) => +x.toFixed(2));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const print = (o: unknown) => console.log(JSON.stringify(o));

/** Trains in this process (for the memory section, which samples this process's RSS and tensors). */
async function run(file: string, overrides: ExperimentOverrides, options: { backend?: BackendName | "auto"; onIteration?: () => void } = {}): Promise<TrainSummary> {
  const experiment = await loadExperiment(file, overrides);
  const runDir = RunDir.create(root, { experiment: { name: experiment.name }, sourceText: experiment.source.text, bundle: experiment.source.bundle });
  try {
    return await train({ experiment, runDir, backend: options.backend ?? "auto", onProgress: () => options.onIteration?.() });
  } finally {
    runDir.close();
  }
}

/** A fresh folder for one process's run (the parent finds its episodes.jsonl there). */
const runsDir = () => mkdtempSync(join(root, "runs-"));
const round = (x: number | null, digits = 2) => (x === null ? null : +x.toFixed(digits));

interface SolveRow {
  section: string;
  seed: number;
  backend: unknown;
  solvedAtStep: number | null;
  processSolveSeconds: number | null;
  processCpuSecondsAtSolve: number | null;
  trainingSolveSeconds: number | null;
  sps: number;
  rolloutSps: number;
  load: number[];
}

/**
 * The CartPole example on seeds 1, 2, 3, each in a fresh process (`node dist/cli.js train … --json`),
 * stopped once solved: whole-process time from launch to solved (measured by this parent) beside the
 * trainer's own time to solve. `unshaped` drops the example's reward shaping (the env's reward alone,
 * as the reference figures are measured) by training a copy of the file without its `reward`.
 */
async function cartpole(unshaped = false) {
  const seeds = [1, 2, 3];
  let file = resolve("examples/cartpole.rl.ts");
  if (unshaped) {
    const text = readFileSync(file, "utf8");
    const stripped = text.replace(/\n  \/\/ Optional shaping[\s\S]*?\n  reward: [\s\S]*?\n  \}\),\n\}\);\n$/, "\n});\n");
    if (stripped === text || stripped.includes("reward:")) throw new Error("cartpole-unshaped: could not remove the reward from examples/cartpole.rl.ts (its layout changed)");
    file = join(root, "cartpole-unshaped.rl.ts");
    writeFileSync(file, stripped);
  }
  const rows: SolveRow[] = [];
  for (const seed of seeds) {
    const r = await trainInProcess(file, runsDir(), ["--seed", String(seed)], { threshold: 475, stopWhenSolved: true });
    const row: SolveRow = {
      section: unshaped ? "cartpole-unshaped" : "cartpole",
      seed,
      backend: r.summary.backend,
      solvedAtStep: r.summary.solvedAtStep,
      // Whole process, seen from the parent: launch → the solving episode on disk, and CPU by then.
      processSolveSeconds: round(r.processSolveSeconds),
      processCpuSecondsAtSolve: round(r.processCpuSecondsAtSolve),
      // Inside training, as the trainer measures it (from the start of its first rollout).
      trainingSolveSeconds: round(r.summary.solvedAtSeconds),
      sps: Math.round(r.summary.sps),
      rolloutSps: Math.round(r.summary.rolloutSps),
      load: load(),
    };
    print(row);
    rows.push(row);
  }
  const all = rows.every((r) => r.solvedAtStep !== null && r.processSolveSeconds !== null);
  const med = (f: (r: SolveRow) => number | null) => (all ? median(rows.map((r) => f(r)!)) : null);
  return {
    solvedSeeds: `${rows.filter((r) => r.solvedAtStep !== null).length}/${seeds.length}`,
    medianProcessSolveSeconds: med((r) => r.processSolveSeconds),
    medianProcessCpuSecondsAtSolve: med((r) => r.processCpuSecondsAtSolve),
    medianTrainingSolveSeconds: med((r) => r.trainingSolveSeconds),
    medianSolveStep: med((r) => r.solvedAtStep),
    medianSps: median(rows.map((r) => r.sps)),
    medianRolloutSps: median(rows.map((r) => r.rolloutSps)),
  };
}

/**
 * One PPO minibatch update per backend on CleanRL's 4→64→64 network: where the time goes. The full
 * grid over network sizes, the fitted cost model and the crossover table are `npm run bench -- backends`.
 */
async function backends() {
  const out: Record<string, number | string> = {};
  for (const minibatch of [64, 512]) {
    for (const backend of ["js", "wasm", "cpu"] as const) {
      const layout = new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: [64, 64] });
      const { learner } = await createLearner(backend, layout, layout.initParams(new Rng(1)), minibatch);
      const timing = await timeUpdates(learner, syntheticMinibatch(layout, minibatch, new Rng(2)), { warmup: 10, minUpdates: 30, maxUpdates: 30, budgetMs: Infinity });
      out[`${backend}_mb${minibatch}_ms`] = +timing.medianMs.toFixed(2);
      learner.dispose();
    }
  }
  print({ section: "backends", ...out, load: load() });
  return out;
}

/** One seed of an example for its whole budget in a fresh process: the return it ends with, and when it reached the threshold. */
async function finalReturn(section: string, file: string, args: string[] = []) {
  const r = await trainInProcess(resolve(file), runsDir(), ["--seed", "1", ...args]);
  const row = {
    section,
    steps: r.summary.globalStep,
    meanReturnLast20: round(r.summary.meanReturnLast20, 1),
    solvedAtStep: r.summary.solvedAtStep,
    processSeconds: round(r.processSeconds, 1),
    trainingWallSeconds: round(r.summary.wallSeconds, 1),
    trainingCpuSeconds: round(r.summary.cpuSeconds, 1),
    sps: Math.round(r.summary.sps),
    backend: r.summary.backend,
    load: load(),
  };
  print(row);
  return row;
}

/**
 * 1 M steps on each learner: RSS on the default `js` path, and RSS plus live tfjs tensors on `wasm`
 * (the tensor count only means something where tensors exist). Samples every 200 iterations.
 */
async function memory() {
  const rss = () => +(process.memoryUsage().rss / 2 ** 20).toFixed(1);
  const tf = require("@tensorflow/tfjs-core") as typeof import("@tensorflow/tfjs-core");
  const jsRss: number[] = [];
  let i = 0;
  const js = await run("examples/cartpole.rl.ts", { totalTimesteps: 1_000_000 }, { onIteration: () => (i++ % 200 === 0 ? jsRss.push(rss()) : 0) });
  const wasmRss: number[] = [];
  const tensors: number[] = [];
  let j = 0;
  const wasm = await run("examples/cartpole.rl.ts", { totalTimesteps: 1_000_000 }, {
    backend: "wasm",
    onIteration: () => {
      if (j++ % 200 !== 0) return;
      wasmRss.push(rss());
      tensors.push(tf.memory().numTensors);
    },
  });
  const row = {
    section: "memory",
    jsSteps: js.globalStep,
    jsRssMiBStart: jsRss[0],
    jsRssMiBEnd: jsRss.at(-1),
    jsRssMiBMax: Math.max(...jsRss),
    wasmSteps: wasm.globalStep,
    wasmSps: Math.round(wasm.sps),
    wasmRssMiBStart: wasmRss[0],
    wasmRssMiBEnd: wasmRss.at(-1),
    wasmRssMiBMax: Math.max(...wasmRss),
    numTensorsStart: tensors[0],
    numTensorsEnd: tensors.at(-1),
    numTensorsMax: Math.max(...tensors),
    load: load(),
  };
  print(row);
  return row;
}

async function main() {
  const all = ["cartpole", "cartpole-unshaped", "backends", "acrobot", "pendulum", "memory"];
  const sections = process.argv.slice(2).length ? process.argv.slice(2) : all;
  const result: Record<string, unknown> = { loadStart: load() };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const section of sections) {
    if (section === "cartpole") result.cartpole = await cartpole();
    else if (section === "cartpole-unshaped") result.cartpoleUnshaped = await cartpole(true);
    else if (section === "backends") result.backends = await backends();
    else if (section === "acrobot") result.acrobot = await finalReturn("acrobot", "examples/acrobot.rl.ts");
    else if (section === "pendulum") result.pendulum = await finalReturn("pendulum", "examples/pendulum.rl.ts", ["--total-timesteps", "300000"]);
    else if (section === "memory") result.memory = await memory();
    else throw new Error(`unknown section '${section}': expected ${all.join(", ")}`);
  }
  const u = process.cpuUsage(cpu0);
  result.wallSeconds = +((performance.now() - t0) / 1000).toFixed(1);
  result.cpuSeconds = +((u.user + u.system) / 1e6).toFixed(1);
  result.loadEnd = load();
  console.log(JSON.stringify({ bench: "train", ...result }));
  rmSync(root, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
