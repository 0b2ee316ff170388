/**
 * Training benchmark: quality and speed targets of the runtime, printed as JSON lines and a final
 * JSON summary. Run: `npm run bench -- train` or `node --import tsx bench/train.ts [sections…]`.
 * Sections: cartpole (3 seeds, wall/CPU time to solve), cartpole-unshaped (the same without the
 * example's reward shaping, as the reference figures are measured), backends (one PPO update per backend),
 * acrobot, pendulum (300 k steps), memory (1 M steps on js and on wasm: RSS and live tensors).
 * The machine is shared: each figure comes with the load average and the process CPU time.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
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

async function run(
  file: string,
  overrides: ExperimentOverrides,
  options: { stopWhenSolved?: boolean; backend?: BackendName | "auto"; onIteration?: () => void; unshaped?: boolean } = {},
): Promise<TrainSummary & { cpuSecondsAtSolve: number | null }> {
  const loaded = await loadExperiment(file, overrides);
  // Unshaped: the env's own reward alone, like the reference figures (SB3/RL Zoo and CleanRL train on it).
  const experiment = options.unshaped ? { ...loaded, reward: null } : loaded;
  const runDir = RunDir.create(root, { experiment: { name: experiment.name }, sourceText: experiment.source.text, bundle: experiment.source.bundle });
  const ac = new AbortController();
  const cpu0 = process.cpuUsage();
  let cpuSecondsAtSolve: number | null = null;
  const threshold = experiment.spec.rewardThreshold;
  const summary = await train({
    experiment,
    runDir,
    backend: options.backend ?? "auto",
    signal: ac.signal,
    onProgress: (p) => {
      options.onIteration?.();
      if (threshold !== undefined && cpuSecondsAtSolve === null && p.meanReturnLast20 !== null && p.meanReturnLast20 >= threshold) {
        const u = process.cpuUsage(cpu0);
        cpuSecondsAtSolve = (u.user + u.system) / 1e6;
        if (options.stopWhenSolved) ac.abort();
      }
    },
  });
  runDir.close();
  return { ...summary, cpuSecondsAtSolve };
}

/** Three seeds of the CartPole example until solved; `unshaped` drops its reward shaping. */
async function cartpole(unshaped = false) {
  const seeds = [1, 2, 3];
  const rows = [];
  for (const seed of seeds) {
    const s = await run("examples/cartpole.rl.ts", { seed }, { stopWhenSolved: true, unshaped });
    const row = {
      section: unshaped ? "cartpole-unshaped" : "cartpole",
      seed,
      backend: s.backend,
      solvedAtStep: s.solvedAtStep,
      solvedAtSeconds: s.solvedAtSeconds && +s.solvedAtSeconds.toFixed(2),
      cpuSecondsAtSolve: s.cpuSecondsAtSolve && +s.cpuSecondsAtSolve.toFixed(2),
      sps: Math.round(s.sps),
      rolloutSps: Math.round(s.rolloutSps),
      load: load(),
    };
    print(row);
    rows.push(row);
  }
  const solved = rows.filter((r) => r.solvedAtSeconds !== null);
  return {
    solvedSeeds: `${solved.length}/${seeds.length}`,
    medianSolveWallSeconds: solved.length === seeds.length ? median(solved.map((r) => r.solvedAtSeconds!)) : null,
    medianSolveCpuSeconds: solved.length === seeds.length ? median(solved.map((r) => r.cpuSecondsAtSolve!)) : null,
    medianSolveStep: solved.length === seeds.length ? median(solved.map((r) => r.solvedAtStep!)) : null,
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

async function finalReturn(section: string, file: string, overrides: ExperimentOverrides) {
  const s = await run(file, overrides);
  const row = {
    section,
    steps: s.globalStep,
    meanReturnLast20: s.meanReturnLast20 && +s.meanReturnLast20.toFixed(1),
    solvedAtStep: s.solvedAtStep,
    wallSeconds: +s.wallSeconds.toFixed(1),
    cpuSeconds: +s.cpuSeconds.toFixed(1),
    sps: Math.round(s.sps),
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
    else if (section === "acrobot") result.acrobot = await finalReturn("acrobot", "examples/acrobot.rl.ts", {});
    else if (section === "pendulum") result.pendulum = await finalReturn("pendulum", "examples/pendulum.rl.ts", { totalTimesteps: 300_000 });
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
