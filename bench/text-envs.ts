/**
 * TWOSOME's text tasks (Overcooked Tomato Salad / Tomato-lettuce Salad, VirtualHome Food
 * Preparation / Entertainment) from the vector side:
 *  1. a random policy's success rate per env, uniform over the Discrete actions and uniform over
 *     the valid ones (env.text.validActions(), what the reference's PPO baseline samples among);
 *  2. plain PPO (MLP, js backend, examples/tomato-salad.rl.ts) on Tomato Salad, 3 seeds: success
 *     rate per tenth of the budget, steps until 45 of 50 consecutive episodes succeed, wall and CPU.
 * One JSON line per measurement, each with the machine's 1-minute load average (it is shared).
 *
 * Run: npm run bench -- text-envs   (or node --import tsx bench/text-envs.ts [ppoSteps])
 */
import { loadavg, tmpdir } from "node:os";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { makeEnv } from "../runtime/src/envs/registry.js";
import { Rng } from "../runtime/src/rng.js";
import { loadExperiment } from "../runtime/src/experiment/resolve.js";
import { RunDir } from "../runtime/src/runs/run-dir.js";
import { train } from "../runtime/src/ppo/train.js";

const PPO_STEPS = Number(process.argv[2] ?? 50_000);
const TEXT_ENVS = ["Overcooked-TomatoSalad-v0", "Overcooked-TomatoLettuceSalad-v0", "VirtualHome-FoodPreparation-v0", "VirtualHome-Entertainment-v0"];
const RANDOM_EPISODES = 500;

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function randomPolicy(id: string, policy: "uniform" | "valid"): void {
  const env = makeEnv(id);
  const n = (env.actionSpace as { n: number }).n;
  const rng = new Rng(1);
  let episodes = 0;
  let successes = 0;
  let steps = 0;
  env.reset();
  const t0 = performance.now();
  while (episodes < RANDOM_EPISODES) {
    const valid = env.text!.validActions();
    const r = env.step(policy === "uniform" ? rng.integer(n) : valid[rng.integer(valid.length)]!);
    steps++;
    if (r.terminated || r.truncated) {
      episodes++;
      if (r.info.success) successes++;
      env.reset();
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ bench: "random-policy", env: id, policy, episodes, successRate: successes / episodes, stepsPerEpisode: steps / episodes, seconds, loadAverage1m: loadavg()[0] }));
}

async function ppoTomatoSalad(seed: number): Promise<void> {
  const experiment = await loadExperiment("examples/tomato-salad.rl.ts", { seed, totalTimesteps: PPO_STEPS });
  const runDir = RunDir.create(mkdtempSync(join(tmpdir(), "rl-studio-bench-tomato-")), {
    experiment: { name: experiment.name, seed },
    sourceText: experiment.source.text,
    bundle: experiment.source.bundle,
  });
  const episodes: { step: number; success: boolean }[] = [];
  const cpu0 = cpuSeconds();
  const summary = await train({
    experiment,
    runDir,
    backend: "js",
    onEpisode: (e) => episodes.push({ step: e.globalStep, success: e.terminated && e.cause === "correct delivery" }),
  });
  runDir.close();
  const tenth = PPO_STEPS / 10;
  const successRateByTenth = Array.from({ length: 10 }, (_, i) => {
    const w = episodes.filter((e) => e.step > i * tenth && e.step <= (i + 1) * tenth);
    return w.length ? Number((w.filter((e) => e.success).length / w.length).toFixed(3)) : null;
  });
  let stepsTo90: number | null = null;
  for (let i = 50; i <= episodes.length && stepsTo90 === null; i++) {
    if (episodes.slice(i - 50, i).filter((e) => e.success).length >= 45) stepsTo90 = episodes[i - 1]!.step;
  }
  console.log(
    JSON.stringify({
      bench: "ppo-tomato-salad",
      seed,
      totalTimesteps: PPO_STEPS,
      status: summary.status,
      successRateByTenth,
      stepsTo90PercentOver50Episodes: stepsTo90,
      wallSeconds: summary.wallSeconds,
      cpuSeconds: cpuSeconds() - cpu0,
      loadAverage1m: loadavg()[0],
    }),
  );
}

async function main(): Promise<void> {
  for (const id of TEXT_ENVS) for (const policy of ["uniform", "valid"] as const) randomPolicy(id, policy);
  for (const seed of [1, 2, 3]) await ppoTomatoSalad(seed);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
