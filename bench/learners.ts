/**
 * Multi-learner PPO (`numLearners`): SPS and wall time to solve CartPole for 1 learner × 4 envs,
 * 1 learner × 8 envs and 2 learners × 4 envs (the example's config without its reward shaping, js
 * learners, which is what the data-parallel learners are), 3 seeds each, each a fresh process.
 * Scaling efficiency = SPS(2 × 4) / (2 × SPS(1 × 4)): 1.0 when a second learner on a second core
 * doubles the throughput (above 1 is possible: 2 × 4 takes as many minibatch steps per iteration as
 * 1 × 4 for twice the steps). 2 × 4 and 1 × 8 share the global batch and update schedule, so their SPS
 * ratio is the speedup on the same work, and their steps per CPU-second the parallel overhead. The time per phase says where it goes: rollout (each learner's own envs, in
 * parallel), updates (gradient, two barriers and the one Adam step per minibatch), the rest.
 * Run: `npm run bench -- learners`. The machine is shared: load average and CPU time with every figure.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";

const SEEDS = [1, 2, 3];
const CONFIGS = [
  { learners: 1, numEnvs: 4 },
  { learners: 1, numEnvs: 8 },
  { learners: 2, numEnvs: 4 },
];
const load = () => loadavg().map((x) => +x.toFixed(2));
const print = (o: unknown) => console.log(JSON.stringify(o));
const round = (x: number | null, digits = 2) => (x === null || !Number.isFinite(x) ? null : +x.toFixed(digits));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** One training in this (fresh) process; prints its summary as JSON. */
async function child(learners: number, numEnvs: number, seed: number) {
  const { loadExperiment } = await import("../runtime/src/experiment/resolve.js");
  const { RunDir } = await import("../runtime/src/runs/run-dir.js");
  const { train } = await import("../runtime/src/ppo/train.js");
  const experiment = { ...(await loadExperiment("examples/cartpole.rl.ts", { seed, hyperparameters: { numLearners: learners, numEnvs } })), reward: null };
  const root = mkdtempSync(join(tmpdir(), "rl-studio-bench-learners-"));
  try {
    const runDir = RunDir.create(root, { experiment: { name: experiment.name, seed }, sourceText: experiment.source.text, bundle: experiment.source.bundle });
    const cpu0 = process.cpuUsage();
    const ac = new AbortController();
    const s = await train({ experiment, runDir, backend: "js", signal: ac.signal, onProgress: (p) => p.meanReturnLast20 !== null && p.meanReturnLast20 >= 475 && ac.abort() });
    runDir.close();
    const cpu = process.cpuUsage(cpu0);
    // rolloutSps counts every rank's steps over rank 0's rollout time (the ranks roll out side by side).
    const rolloutSeconds = s.rolloutSps > 0 ? s.globalStep / s.rolloutSps : 0;
    print({ learners, numEnvs, seed, sps: Math.round(s.sps), globalStep: s.globalStep, solvedAtStep: s.solvedAtStep, solvedAtSeconds: round(s.solvedAtSeconds), wallSeconds: round(s.wallSeconds), cpuSeconds: round((cpu.user + cpu.system) / 1e6), rolloutSeconds: round(rolloutSeconds), updateSeconds: round(s.updateSeconds), updates: s.updates, load: load() });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function main() {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === "--child") return child(Number(args[0]), Number(args[1]), Number(args[2]));
  const rows: Record<string, unknown>[] = [];
  for (const c of CONFIGS) {
    const runs: Record<string, any>[] = [];
    for (const seed of SEEDS) {
      const r = spawnSync(process.execPath, ["--import", "tsx", "bench/learners.ts", "--child", String(c.learners), String(c.numEnvs), String(seed)], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`learners ${c.learners} × ${c.numEnvs} envs, seed ${seed}: ${r.stderr}`);
      const run = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
      print({ section: "learners", ...run });
      runs.push(run);
    }
    const row = {
      section: "learners",
      config: `${c.learners} learner${c.learners > 1 ? "s" : ""} × ${c.numEnvs} envs`,
      medianSps: median(runs.map((r) => r.sps)),
      medianSolvedAtSeconds: median(runs.filter((r) => r.solvedAtSeconds !== null).map((r) => r.solvedAtSeconds)),
      solvedAtSteps: runs.map((r) => r.solvedAtStep),
      // Steps per CPU-second of the whole process (every thread): what load does not distort.
      medianStepsPerCpuSecond: median(runs.map((r) => Math.round(r.globalStep / r.cpuSeconds))),
      medianRolloutShare: median(runs.map((r) => r.rolloutSeconds / r.wallSeconds)),
      medianUpdateShare: median(runs.map((r) => r.updateSeconds / r.wallSeconds)),
      load: load(),
    };
    print(row);
    rows.push(row);
  }
  const sps = (i: number) => rows[i]!.medianSps as number;
  const perCpu = (i: number) => rows[i]!.medianStepsPerCpuSecond as number;
  print({
    bench: "learners",
    cores: availableParallelism(),
    // Wall-clock: meaningful on an idle machine only (under load a 2-thread process also gets twice the scheduler share).
    scalingEfficiency2x4vs1x4: round(sps(2) / (2 * sps(0))),
    spsRatio2x4vs1x8: round(sps(2) / sps(1)),
    // CPU cost per step of 2 × 4 relative to 1 × 8 (the same global batch and update schedule): 1.0 = no parallel overhead.
    cpuEfficiency2x4vs1x8: round(perCpu(2) / perCpu(1)),
    rows,
    load: load(),
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
