/**
 * PPO training, read top to bottom like CleanRL's `ppo.py` / `ppo_continuous_action.py`:
 * sizes derived once, rollout into time-major buffers, GAE, K epochs of shuffled minibatches,
 * one metrics record per iteration under CleanRL's names. The run folder — episodes and metrics
 * appended as they happen, checkpoints, status.json, the "solved" criterion, time across
 * resumes — is the recorder's (runs/run-recorder.ts); this file only calls it, as ppo.py calls
 * its SummaryWriter. Reward shaping keeps per-component sums; an AbortSignal stops training.
 */
import type { ResolvedExperiment } from "../experiment/resolve.js";
import { RewardError } from "../experiment/reward-shaper.js";
import { sourceMappedStack } from "../experiment/compile.js";
import { EnvError } from "../experiment/checked-env.js";
import type { RunDir, MetricsRecord, EpisodeRecord } from "../runs/run-dir.js";
import { RunRecorder, type RecordedTotals, type EpisodeFacts } from "../runs/run-recorder.js";
import { Rng } from "../rng.js";
import type { BackendName } from "../nn/learner.js";
import { DataParallelLearner, RankTimeoutError, rankSeed } from "../nn/data-parallel.js";
import type { TrainProgress } from "../../../protocol/src/runtime.js";
import { createLearner, type BackendRequest } from "../backends/select.js";
import { deriveSizes } from "./sizes.js";
import { annealedClipCoef } from "./schedules.js";
import { explainedVariance } from "./gae.js";
import { ppoTrainerState } from "./checkpoint-state.js";
import { Rollout, type RolloutSink } from "./rollout.js";
import { MinibatchScratch, optimize } from "./epochs.js";
import { LearnerGroup, rankEnvSeed } from "./learner-group.js";
import { CollectAndInfer, DEFAULT_EXPERIENCE_MEGABYTES, learnerFor } from "./collect-and-infer.js";
import { SubgoalError } from "../subgoals/predicates.js";
import { defaultExperienceRoot } from "../experience/paths.js";

export type { BackendName } from "../nn/learner.js";

export interface TrainOptions {
  experiment: ResolvedExperiment;
  runDir: RunDir;
  /** Tensor backend; "auto" picks the fastest for the network size (see backends/select.ts). */
  backend?: BackendRequest;
  /** Stops training at the next step boundary; the run is checkpointed and marked stopped. */
  signal?: AbortSignal;
  /** Called once per PPO iteration. */
  onProgress?: (p: TrainProgress) => void;
  /** Called with each metrics record as it is appended to metrics.jsonl. */
  onMetrics?: (r: MetricsRecord) => void;
  /** Called with each finished episode as it is appended to episodes.jsonl. */
  onEpisode?: (r: EpisodeRecord) => void;
  /** One-line notices (backend choice, fallbacks, resume). */
  log?: (line: string) => void;
  /** Called once the run folder is open, with its recorder (counters, solved step, CPU time), for callers that report them. */
  onRecorder?: (recorder: RunRecorder) => void;
  /** The lifelong experience store's root (default `<workspace>/.rl-studio/experience`); null stores nothing and imitates nothing. */
  experienceRoot?: string | null;
  /** The store's cap in MB when the experiment's `experienceMaxMegabytes` is null (the editor's rlStudio.experience.maxMegabytes; default 256). */
  experienceMaxMegabytes?: number;
}

export type { TrainProgress } from "../../../protocol/src/runtime.js";

export interface TrainSummary {
  runDir: string;
  backend: BackendName;
  status: "completed" | "stopped" | "failed";
  error?: string;
  globalStep: number;
  wallSeconds: number;
  cpuSeconds: number;
  /** Environment steps per second of this process's training (CleanRL's charts/SPS at the end). */
  sps: number;
  /** Steps per second of rollout collection alone (acting + env stepping + bookkeeping, updates excluded). */
  rolloutSps: number;
  /** Minibatch updates taken in this process, and the seconds spent inside them (learner.step: forward, backward, clip, Adam). */
  updates: number;
  updateSeconds: number;
  meanReturnLast20: number | null;
  /** First global step / wall time at which the mean of the last 20 finished episodes reached the env's reward threshold. */
  solvedAtStep: number | null;
  solvedAtSeconds: number | null;
}

export async function train(opts: TrainOptions): Promise<TrainSummary> {
  const { experiment, runDir, signal } = opts;
  const log = opts.log ?? (() => {});
  const h = experiment.hyperparameters;
  const { batchSize, minibatchSize, numIterations, gradientStepsPerIteration } = deriveSizes(h);
  const numEnvs = h.numEnvs;

  // Env setup and rollout storage: one Gymnasium-style vector env, same-step autoreset (rollout.ts).
  const rollout = new Rollout(experiment, numEnvs);
  const { layout } = rollout;
  const ranks = h.numLearners;

  // Agent setup. With numLearners > 1 this thread is rank 0 of the data-parallel learners (learner-group.ts).
  const initRng = new Rng(experiment.seed);
  const actionRng = new Rng(rankSeed(experiment.seed, 0) + 7919);
  const shuffleRng = new Rng(rankSeed(experiment.seed, 0) + 104729);
  const silRng = new Rng(experiment.seed + 1299709);
  const initialParams = layout.initParams(initRng);
  const created =
    ranks > 1 ? LearnerGroup.rankZero(layout, Float32Array.from(initialParams), ranks, minibatchSize, opts.backend ?? "auto") : await createLearner(opts.backend ?? "auto", layout, Float32Array.from(initialParams), minibatchSize);
  log(created.notice);
  // Self-imitation needs a learner with a SIL step (collect-and-infer.ts); sub-goals and SIL are refused with numLearners > 1.
  const learner = learnerFor(created.learner, experiment, layout, initialParams, minibatchSize, log);
  const { obsRms, returnRms, shaper } = rollout;

  // The run folder: restores the checkpoint on resume (validated whole before anything changes).
  let recorder: RunRecorder;
  try {
    recorder = await RunRecorder.open(
      {
        runDir,
        stepsPerIteration: batchSize * ranks,
        numIterations,
        totalTimesteps: h.totalTimesteps,
        rewardThreshold: experiment.spec.rewardThreshold,
        checkpointEvery: h.checkpointEvery,
        backend: learner.backend,
        ...(opts.onMetrics ? { onMetrics: opts.onMetrics } : {}),
        ...(opts.onEpisode ? { onEpisode: opts.onEpisode } : {}),
        log,
      },
      ppoTrainerState({ learner, obsRms, returnRms, rngs: { actionRng, shuffleRng }, stepsPerIteration: gradientStepsPerIteration }),
    );
  } catch (err) {
    learner.dispose();
    throw err;
  }
  opts.onRecorder?.(recorder);

  // The other ranks, in worker threads, from the restored parameters (null with one learner).
  let group: LearnerGroup | null = null;
  if (learner instanceof DataParallelLearner) {
    try {
      group = await LearnerGroup.start(learner, experiment, { iteration: recorder.iteration, globalStep: recorder.globalStep });
    } catch (err) {
      learner.dispose();
      await recorder.finish("failed", (err as Error).message);
      throw err;
    }
  }
  const scratch = new MinibatchScratch(rollout, minibatchSize);

  // Sub-goal rewards, the experience store and self-imitation (collect-and-infer.ts), called by the rollout per transition and episode.
  let extras: CollectAndInfer;
  try {
    extras = new CollectAndInfer({
      experiment,
      numEnvs,
      runId: runDir.id,
      experienceRoot: opts.experienceRoot === undefined ? defaultExperienceRoot(experiment.source.path) : opts.experienceRoot,
      defaultMegabytes: opts.experienceMaxMegabytes ?? DEFAULT_EXPERIENCE_MEGABYTES,
      minibatchSize,
      numMinibatches: h.numMinibatches,
      log,
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    // Stopped while self-imitation loaded the store, or a predicate refused: the run ends here as it would later.
    group?.dispose();
    learner.dispose();
    const stopped = (err as Error).name === "AbortError";
    const totals = await recorder.finish(stopped ? "stopped" : "failed", stopped ? undefined : (err as Error).message);
    if (stopped) return trainSummary({ runDir: runDir.path, backend: learner.backend, status: "stopped", rolloutSeconds: 0, updates: 0, updateSeconds: 0 }, totals);
    throw err;
  }
  rollout.attach(extras);
  /** float64 image of the learner's parameters for the plain-JS acting forward; refreshed after each update phase. */
  const actParams = Float64Array.from(learner.params);
  const coef = { clipCoef: h.clipCoef, clipVloss: h.clipVloss, entCoef: h.entCoef, vfCoef: h.vfCoef, normAdv: h.normAdv };
  /** Rank 0's steps count every rank's: the ranks step their envs in lockstep. */
  const sink: RolloutSink = { addSteps: (n) => recorder.addSteps(n * ranks), episode: (facts) => recorder.episode(facts) };

  // Resume reseeds the envs so a resumed run does not replay the first episodes.
  rollout.reset(rankEnvSeed(experiment.seed + recorder.globalStep, 0, numEnvs));

  let status: TrainSummary["status"] = "completed";
  let rolloutSeconds = 0;
  let updates = 0;
  let updateSeconds = 0;
  let error: string | undefined;
  try {
    for (let iteration = recorder.iteration + 1; iteration <= numIterations; iteration++) {
      if (group ? !group.continueTogether(signal?.aborted ?? false) : signal?.aborted) {
        status = "stopped";
        break;
      }
      // Annealing the learning rate, as CleanRL: frac = 1 − (iteration − 1)/num_iterations.
      const learningRate = h.annealLr ? (1 - (iteration - 1) / numIterations) * h.learningRate : h.learningRate;
      const iterationEpisodes: EpisodeFacts[] = [];

      const rolloutStart = performance.now();
      rollout.collect(actParams, actionRng, sink, iterationEpisodes);
      extras.flush();
      rolloutSeconds += (performance.now() - rolloutStart) / 1000;
      rollout.finish(actParams, actionRng);

      // SB3's clip_range schedule (annealClip): ε · progress remaining after this rollout.
      coef.clipCoef = h.annealClip ? annealedClipCoef(h.clipCoef, recorder.globalStep, h.totalTimesteps) : h.clipCoef;
      // Optimizing the policy and value network.
      const optimized = await optimize(learner, rollout, h, coef, learningRate, shuffleRng, scratch, group ? () => group.learner.meanApproxKl : undefined);
      const { stats } = optimized;
      updates += optimized.updates;
      updateSeconds += optimized.updateSeconds;
      // Self-imitation (Oh et al. 2018) on the best stored and own episodes, after PPO's epochs.
      const silStats = await extras.selfImitate(
        learner,
        learningRate,
        h.maxGradNorm,
        silRng,
        (raw, out, offset) => rollout.toPolicyObs(raw, 1, out.subarray(offset, offset + rollout.obsDim), false),
        returnRms ? 1 / Math.sqrt(returnRms.var[0]! + 1e-8) : 1,
      );
      await learner.syncParams();
      actParams.set(learner.params);
      // The other ranks' episodes, and their parameter hash checked against this one's.
      if (group) for (const facts of await group.gather(iteration)) iterationEpisodes.push(recorder.episode(facts));

      const sps = recorder.sps();
      const metrics: Record<string, number> = {
        "charts/learning_rate": learningRate,
        "charts/SPS": Math.round(sps),
      };
      if (h.annealClip) metrics["charts/clip_coef"] = coef.clipCoef;
      if (stats) {
        metrics["losses/value_loss"] = stats.valueLoss;
        metrics["losses/policy_loss"] = stats.policyLoss;
        metrics["losses/entropy"] = stats.entropy;
        metrics["losses/old_approx_kl"] = stats.oldApproxKl;
        metrics["losses/approx_kl"] = stats.approxKl;
        metrics["losses/clipfrac"] = optimized.clipFrac;
      }
      const ev = explainedVariance(rollout.values, rollout.returns, batchSize);
      if (Number.isFinite(ev)) metrics["losses/explained_variance"] = ev;
      if (iterationEpisodes.length > 0) {
        const n = iterationEpisodes.length;
        metrics["charts/episodic_return"] = iterationEpisodes.reduce((s, r) => s + r.episodicReturn, 0) / n;
        metrics["charts/episodic_length"] = iterationEpisodes.reduce((s, r) => s + r.episodicLength, 0) / n;
        if (shaper) {
          for (const name of shaper.componentNames) {
            metrics[`reward/${name}`] = iterationEpisodes.reduce((s, r) => s + (r.components?.[name] ?? 0), 0) / n;
          }
        }
      }
      extras.addMetrics(iterationEpisodes, metrics, silStats);
      for (const [k, v] of Object.entries(metrics)) if (!Number.isFinite(v)) delete metrics[k];
      const record = await recorder.endIteration(iteration, metrics);
      opts.onProgress?.({
        iteration,
        numIterations,
        globalStep: recorder.globalStep,
        totalTimesteps: numIterations * batchSize * ranks,
        sps,
        wallSeconds: record.wallSeconds,
        lastEpisodicReturn: recorder.lastEpisodicReturn,
        meanReturnLast20: recorder.meanRecentReturn(),
      });
      // Yield to the event loop so an abort (Ctrl-C, a JSON-RPC stop) is seen between iterations.
      await new Promise<void>((r) => setImmediate(r));
    }
  } catch (caught) {
    status = "failed";
    // A rank that failed stops this one at a barrier; its own error says why.
    const err = (caught instanceof RankTimeoutError && (await group?.failure())) || caught;
    const step = recorder.globalStep;
    if (err instanceof RewardError || err instanceof SubgoalError) err.globalStep = step;
    // The experiment's own code at fault (its reward, its sub-goals, its env): the message says where, no stack needed.
    const userError = err instanceof RewardError || err instanceof SubgoalError || err instanceof EnvError;
    error = userError
      ? `${err.message} (global step ${step}); the run stopped as failed and keeps its metrics`
      : err instanceof Error
        ? err.message
        : String(err);
    if (!userError) {
      const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
      log(`training failed: ${sourceMappedStack(stack, experiment.source.bundle, experiment.source.path)}`);
    }
  }

  // A stopped or completed run is checkpointed here, so it resumes from exactly this step.
  extras.close();
  const totals = await recorder.finish(status, error);
  group?.dispose();
  learner.dispose();
  return trainSummary({ runDir: runDir.path, backend: learner.backend, status, ...(error ? { error } : {}), rolloutSeconds, updates, updateSeconds }, totals);
}

/** A trainer's summary: its own figures, and the recorder's totals of the segment. */
export function trainSummary(
  own: { runDir: string; backend: BackendName; status: TrainSummary["status"]; error?: string; rolloutSeconds: number; updates: number; updateSeconds: number },
  totals: RecordedTotals,
): TrainSummary {
  return {
    runDir: own.runDir,
    backend: own.backend,
    status: own.status,
    ...(own.error ? { error: own.error } : {}),
    globalStep: totals.globalStep,
    wallSeconds: totals.wallSeconds,
    cpuSeconds: totals.cpuSeconds,
    sps: totals.sps,
    rolloutSps: own.rolloutSeconds > 0 ? totals.segmentSteps / own.rolloutSeconds : 0,
    updates: own.updates,
    updateSeconds: own.updateSeconds,
    meanReturnLast20: totals.meanReturnLast20,
    solvedAtStep: totals.solvedAtStep,
    solvedAtSeconds: totals.solvedAtSeconds,
  };
}
