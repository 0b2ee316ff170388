/**
 * Multi-learner PPO (`numLearners` > 1): rank 0 trains in the trainer's thread (train.ts), ranks
 * 1 … N−1 in worker threads of their own (rank-worker.ts), each stepping its own `numEnvs` envs. The
 * learners share one parameter vector and one Adam state (nn/data-parallel.ts) and average their
 * gradients every minibatch, as CleanRL's ppo_atari_multigpu.py does with torch.distributed.
 *
 * Seeds per rank: action sampling and minibatch shuffling from seed + rank (CleanRL adds the local rank
 * to the seed); the envs from seed + rank × numEnvs + i, so N learners × numEnvs envs are seeded as
 * one learner with N × numEnvs envs would be. Every iteration each rank reports its finished episodes
 * and the hash of its parameters; rank 0 records the episodes and fails the run if a hash differs.
 */
import { Worker } from "node:worker_threads";
import type { ResolvedExperiment } from "../experiment/resolve.js";
import { hyperparametersReadBy } from "../experiment/hyperparameters.js";
import type { EpisodeFacts } from "../runs/run-recorder.js";
import type { ActorCriticLayout } from "../nn/actor-critic.js";
import { createDataParallelMemory, DataParallelLearner, parameterHash } from "../nn/data-parallel.js";
import type { BackendRequest } from "../backends/select.js";
import { workerScript } from "../util/worker-script.js";

/** What rank 0 sends each worker rank. */
export interface RankWorkerData {
  rank: number;
  ranks: number;
  buffer: SharedArrayBuffer;
  source: ResolvedExperiment["source"];
  seed: number;
  hyperparameters: Partial<ResolvedExperiment["hyperparameters"]>;
  /** False when rank 0 trains without the experiment's reward (a caller set it to null). */
  withReward: boolean;
  start: { iteration: number; globalStep: number };
}

/** What a worker rank posts: ready once set up, one report per iteration, or why it failed. */
export type RankMessage =
  | { type: "ready"; rank: number }
  | { type: "iteration"; rank: number; iteration: number; episodes: EpisodeFacts[]; hash: string }
  | { type: "error"; rank: number; message: string };

/** The env seed of env 0 of rank `rank` for a base seed: base + rank × numEnvs (env i adds i). */
export function rankEnvSeed(base: number, rank: number, numEnvs: number): number {
  return base + rank * numEnvs;
}

/** Throws when a rank's parameter hash differs from rank 0's: the learners must hold one parameter vector. */
export function checkRankHashes(iteration: number, hashes: readonly string[]): void {
  for (let r = 1; r < hashes.length; r++) {
    if (hashes[r] !== hashes[0]) throw new Error(`data-parallel learners diverged at iteration ${iteration}: rank ${r}'s parameter hash ${hashes[r]} ≠ rank 0's ${hashes[0]}`);
  }
}

export class LearnerGroup {
  private readonly pending = new Map<number, Map<number, RankMessage & { type: "iteration" }>>();
  private waiter: (() => void) | null = null;
  private error: Error | null = null;

  private constructor(
    readonly learner: DataParallelLearner,
    private readonly workers: Worker[],
  ) {
    for (const worker of workers) {
      worker.on("message", (m: RankMessage) => this.receive(m));
      worker.on("error", (err) => this.failWith(err));
      worker.on("exit", (code) => code !== 0 && this.failWith(new Error(`learner worker exited with code ${code}`)));
    }
  }

  /** Rank 0's learner on a fresh shared memory, and the backend notice. */
  static rankZero(layout: ActorCriticLayout, initParams: Float32Array, ranks: number, minibatchSize: number, request: BackendRequest): { learner: DataParallelLearner; notice: string } {
    const learner = new DataParallelLearner(layout, createDataParallelMemory(layout, ranks, initParams), 0, ranks, minibatchSize);
    const ignored = request === "auto" || request === "js" ? "" : `; --backend ${request} does not apply`;
    return { learner, notice: `backend: js (numLearners ${ranks}: data-parallel float64 learners in ${ranks} threads, gradients averaged every minibatch${ignored})` };
  }

  /** Starts ranks 1 … N−1 from the shared memory `rank0` holds (after a resume restored it) and waits until each is set up. */
  static async start(rank0: DataParallelLearner, experiment: ResolvedExperiment, start: RankWorkerData["start"]): Promise<LearnerGroup> {
    const { script, eval: isEval } = workerScript(__dirname, __filename, "rank-worker.ts", "rank-worker.js");
    const workers: Worker[] = [];
    for (let rank = 1; rank < rank0.ranks; rank++) {
      const data: RankWorkerData = {
        rank,
        ranks: rank0.ranks,
        buffer: rank0.sharedBuffer,
        source: experiment.source,
        seed: experiment.seed,
        hyperparameters: hyperparametersReadBy(experiment.hyperparameters, experiment.algorithm),
        withReward: experiment.reward !== null,
        start,
      };
      workers.push(new Worker(script, { eval: isEval, workerData: data }));
    }
    const group = new LearnerGroup(rank0, workers);
    const ready = workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          const onMessage = (m: RankMessage) => {
            if (m.type === "ready") resolve();
            if (m.type === "error") reject(new Error(m.message));
          };
          w.on("message", onMessage);
          w.once("error", reject);
          w.once("exit", (code) => reject(new Error(`learner worker exited with code ${code} before it was ready`)));
        }),
    );
    try {
      await Promise.all(ready);
    } catch (err) {
      group.dispose();
      throw err;
    }
    return group;
  }

  /** Whether all ranks go on to another iteration (false once any asked to stop). */
  continueTogether(wantStop: boolean): boolean {
    return this.learner.continueTogether(wantStop);
  }

  /** The other ranks' episodes of `iteration` (envIndex global), after checking every rank's parameter hash against this one's. */
  async gather(iteration: number): Promise<EpisodeFacts[]> {
    const others = this.workers.length;
    for (;;) {
      if (this.error) throw this.error;
      const got = this.pending.get(iteration);
      if (got && got.size === others) break;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    const reports = [...this.pending.get(iteration)!.values()].sort((a, b) => a.rank - b.rank);
    this.pending.delete(iteration);
    checkRankHashes(iteration, [parameterHash(this.learner.params), ...reports.map((r) => r.hash)]);
    return reports.flatMap((r) => r.episodes);
  }

  /** The error a worker rank reported, waiting up to `ms` for it (rank 0 saw only that a rank failed). */
  async failure(ms = 2000): Promise<Error | null> {
    const deadline = performance.now() + ms;
    while (!this.error && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.error;
  }

  dispose(): void {
    for (const w of this.workers) {
      w.removeAllListeners("exit");
      void w.terminate();
    }
  }

  private receive(m: RankMessage): void {
    if (m.type === "iteration") {
      let byRank = this.pending.get(m.iteration);
      if (!byRank) this.pending.set(m.iteration, (byRank = new Map()));
      byRank.set(m.rank, m);
    } else if (m.type === "error") {
      this.failWith(new Error(m.message));
    }
    this.wake();
  }

  private failWith(err: Error): void {
    this.error ??= err;
    this.learner.fail();
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}
