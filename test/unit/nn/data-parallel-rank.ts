/**
 * Worker body for data-parallel.test.ts: one rank's DataParallelLearner stepping through its own
 * minibatches, posting the parameter hash after every iteration (a group of minibatches).
 */
import { parentPort, workerData } from "node:worker_threads";
import { ActorCriticLayout, type ActorCriticConfig, type PpoCoefficients, type PpoMinibatch } from "../../../runtime/src/nn/actor-critic.js";
import { DataParallelLearner, parameterHash } from "../../../runtime/src/nn/data-parallel.js";

export interface RankWork {
  buffer: SharedArrayBuffer;
  rank: number;
  ranks: number;
  config: ActorCriticConfig;
  /** iterations[i] = this rank's minibatches of iteration i. */
  iterations: PpoMinibatch[][];
  coef: PpoCoefficients;
  learningRate: number;
  maxGradNorm: number;
}

const work = workerData as RankWork;
const layout = new ActorCriticLayout(work.config);
const learner = new DataParallelLearner(layout, work.buffer, work.rank, work.ranks, Math.max(...work.iterations.flat().map((mb) => mb.size)));
void (async () => {
  const hashes: string[] = [];
  for (const minibatches of work.iterations) {
    for (const mb of minibatches) learner.stepSync(mb, work.coef, work.learningRate, work.maxGradNorm);
    await learner.syncParams();
    hashes.push(parameterHash(learner.params));
  }
  parentPort!.postMessage({ rank: work.rank, hashes });
})();
