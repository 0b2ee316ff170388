/**
 * Worker entry: rank r > 0 of multi-learner PPO (learner-group.ts). It evaluates the experiment's
 * bundle, steps its own numEnvs envs, and takes every minibatch step together with the other ranks
 * on the shared parameters; after each iteration it posts its finished episodes and its parameter
 * hash to rank 0, which records them (this thread writes nothing to the run folder).
 *
 * Bundled as its own entry (dist/rank-worker.js); under tsx learner-group.ts starts this file.
 */
import { parentPort, workerData } from "node:worker_threads";
import { evaluateExperiment } from "../experiment/compile.js";
import { resolveExperiment } from "../experiment/resolve.js";
import type { EpisodeFacts } from "../runs/run-recorder.js";
import { Rng } from "../rng.js";
import { DataParallelLearner, parameterHash, rankSeed } from "../nn/data-parallel.js";
import { deriveSizes } from "./sizes.js";
import { annealedClipCoef } from "./schedules.js";
import { Rollout, type RolloutSink } from "./rollout.js";
import { MinibatchScratch, optimize } from "./epochs.js";
import { rankEnvSeed, type RankMessage, type RankWorkerData } from "./learner-group.js";

async function main(data: RankWorkerData): Promise<void> {
  const post = (m: RankMessage) => parentPort!.postMessage(m);
  const { rank, ranks, seed, start } = data;
  const resolved = resolveExperiment(evaluateExperiment(data.source.bundle, data.source.path), data.source, { seed, hyperparameters: data.hyperparameters });
  const experiment = data.withReward ? resolved : { ...resolved, reward: null };
  const h = experiment.hyperparameters;
  const { minibatchSize, numIterations } = deriveSizes(h);
  const rollout = new Rollout(experiment, h.numEnvs);
  const learner = new DataParallelLearner(rollout.layout, data.buffer, rank, ranks, minibatchSize);
  try {
    const actionRng = new Rng(rankSeed(seed, rank) + 7919 + start.globalStep);
    const shuffleRng = new Rng(rankSeed(seed, rank) + 104729 + start.globalStep);
    const scratch = new MinibatchScratch(rollout, minibatchSize);
    await learner.syncParams();
    const actParams = Float64Array.from(learner.params);
    const coef = { clipCoef: h.clipCoef, clipVloss: h.clipVloss, entCoef: h.entCoef, vfCoef: h.vfCoef, normAdv: h.normAdv };
    let globalStep = start.globalStep;
    let episodes: EpisodeFacts[] = [];
    const sink: RolloutSink = {
      addSteps: (n) => (globalStep += n * ranks),
      episode: (facts) => {
        const global = { ...facts, envIndex: rank * h.numEnvs + facts.envIndex };
        episodes.push(global);
        return global;
      },
    };
    rollout.reset(rankEnvSeed(seed + start.globalStep, rank, h.numEnvs));
    post({ type: "ready", rank });
    for (let iteration = start.iteration + 1; iteration <= numIterations; iteration++) {
      if (!learner.continueTogether(false)) break;
      const learningRate = h.annealLr ? (1 - (iteration - 1) / numIterations) * h.learningRate : h.learningRate;
      episodes = [];
      rollout.collect(actParams, actionRng, sink, []);
      rollout.finish(actParams, actionRng);
      coef.clipCoef = h.annealClip ? annealedClipCoef(h.clipCoef, globalStep, h.totalTimesteps) : h.clipCoef;
      await optimize(learner, rollout, h, coef, learningRate, shuffleRng, scratch, () => learner.meanApproxKl);
      await learner.syncParams();
      actParams.set(learner.params);
      post({ type: "iteration", rank, iteration, episodes, hash: parameterHash(learner.params) });
    }
  } catch (err) {
    learner.fail();
    throw err;
  }
}

main(workerData as RankWorkerData).catch((err: unknown) => {
  parentPort!.postMessage({ type: "error", rank: (workerData as RankWorkerData).rank, message: `learner rank ${(workerData as RankWorkerData).rank}: ${err instanceof Error ? err.message : String(err)}` } satisfies RankMessage);
});
