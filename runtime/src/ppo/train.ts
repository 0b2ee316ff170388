/**
 * PPO training, read top to bottom like CleanRL's `ppo.py` / `ppo_continuous_action.py`:
 * sizes derived once, rollout into time-major buffers, GAE, K epochs of shuffled minibatches,
 * one metrics record per iteration under CleanRL's names. The run folder — episodes and metrics
 * appended as they happen, checkpoints, status.json, the "solved" criterion, time across
 * resumes — is the recorder's (runs/run-recorder.ts); this file only calls it, as ppo.py calls
 * its SummaryWriter. Reward shaping keeps per-component sums; an AbortSignal stops training.
 */
import type { ResolvedExperiment } from "../experiment/resolve.js";
import { RewardShaper, RewardError } from "../experiment/reward-shaper.js";
import { locateError, sourceMappedStack } from "../experiment/compile.js";
import { EnvError } from "../experiment/checked-env.js";
import { SyncVectorEnv } from "../envs/vector.js";
import type { RunDir, MetricsRecord, EpisodeRecord } from "../runs/run-dir.js";
import { episodeMetrics, RunRecorder } from "../runs/run-recorder.js";
import { Rng } from "../rng.js";
import { ActorCriticLayout, ActorCriticWorkspace, act, type ActResult, type PpoMinibatch, type PpoLossStats } from "../nn/actor-critic.js";
import type { BackendName } from "../nn/learner.js";
import type { TrainProgress } from "../../../protocol/src/runtime.js";
import { createLearner, type BackendRequest } from "../backends/select.js";
import { deriveSizes } from "./sizes.js";
import { computeGae, explainedVariance } from "./gae.js";
import { RunningMeanStd, normalizeObservationInto } from "./normalize.js";
import { ppoTrainerState } from "./checkpoint-state.js";

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
  const numSteps = h.numSteps;

  // Env setup: one Gymnasium-style vector env, same-step autoreset.
  const envs = new SyncVectorEnv(() => experiment.makeEnv(), numEnvs);
  const actionSpace = envs.singleActionSpace;
  const discrete = actionSpace.kind === "discrete";
  const obsDim = envs.obsDim;
  const actionDim = discrete ? actionSpace.n : actionSpace.size;
  const actWidth = discrete ? 1 : actionDim;

  // Agent setup.
  const layout = new ActorCriticLayout({ obsDim, actionKind: discrete ? "discrete" : "box", actionDim, hiddenSizes: h.hiddenSizes });
  const initRng = new Rng(experiment.seed);
  const actionRng = new Rng(experiment.seed + 7919);
  const shuffleRng = new Rng(experiment.seed + 104729);
  const { learner, notice } = await createLearner(opts.backend ?? "auto", layout, layout.initParams(initRng), minibatchSize);
  log(notice);
  const obsRms = h.normalizeObservations ? new RunningMeanStd(obsDim) : null;
  const returnRms = h.normalizeRewards ? new RunningMeanStd(1) : null;
  const discountedReturn = new Float64Array(numEnvs);

  // The run folder: restores the checkpoint on resume (validated whole before anything changes).
  let recorder: RunRecorder;
  try {
    recorder = await RunRecorder.open(
      {
        runDir,
        stepsPerIteration: batchSize,
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

  const shaper = experiment.reward
    ? new RewardShaper(experiment.reward, experiment.spec, numEnvs, {
        locate: (err) => locateError(err, experiment.source.bundle, experiment.source.path),
      })
    : null;

  // Rollout storage, time-major (t · numEnvs + e), as CleanRL's (num_steps, num_envs) tensors.
  const obsBuf = new Float64Array(batchSize * obsDim);
  const actionsBuf = new Float64Array(batchSize * actWidth);
  const logProbsBuf = new Float64Array(batchSize);
  const rewardsBuf = new Float64Array(batchSize);
  const donesBuf = new Uint8Array(batchSize);
  const valuesBuf = new Float64Array(batchSize);
  const advantages = new Float64Array(batchSize);
  const returns = new Float64Array(batchSize);
  const nextValues = new Float64Array(numEnvs);
  const stepOut: ActResult = { actions: new Float64Array(numEnvs * actWidth), logProbs: new Float64Array(numEnvs), values: new Float64Array(numEnvs) };
  const actWs = new ActorCriticWorkspace(layout, numEnvs);
  const finalWs = new ActorCriticWorkspace(layout, 1);
  const finalOut: ActResult = { actions: new Float64Array(actWidth), logProbs: new Float64Array(1), values: new Float64Array(1) };
  const envActions = discrete ? new Int32Array(numEnvs) : new Float32Array(numEnvs * actionDim);
  const policyObs = new Float64Array(numEnvs * obsDim);
  const finalPolicyObs = new Float64Array(obsDim);
  const prevRawObs = new Float32Array(numEnvs * obsDim);
  const episodeReturn = new Float64Array(numEnvs);
  const episodeLength = new Int32Array(numEnvs);
  const mb: PpoMinibatch = {
    size: minibatchSize,
    obs: new Float64Array(minibatchSize * obsDim),
    actions: new Float64Array(minibatchSize * actWidth),
    logProbs: new Float64Array(minibatchSize),
    advantages: new Float64Array(minibatchSize),
    returns: new Float64Array(minibatchSize),
    values: new Float64Array(minibatchSize),
  };
  const indices = new Int32Array(batchSize);
  /** float64 image of the learner's parameters for the plain-JS acting forward; refreshed after each update phase. */
  const actParams = Float64Array.from(learner.params);
  const low = discrete ? null : actionSpace.low;
  const high = discrete ? null : actionSpace.high;
  const coef = { clipCoef: h.clipCoef, clipVloss: h.clipVloss, entCoef: h.entCoef, vfCoef: h.vfCoef, normAdv: h.normAdv };

  /** The policy's view of raw observations (normalised when NormalizeObservation is on). */
  const toPolicyObs = (raw: Float32Array, rows: number, out: Float64Array, update: boolean) => {
    if (obsRms) {
      if (update) obsRms.update(raw, rows);
      normalizeObservationInto(obsRms, raw, rows, out);
    } else {
      for (let j = 0; j < rows * obsDim; j++) out[j] = raw[j]!;
    }
  };

  // Resume reseeds the envs so a resumed run does not replay the first episodes.
  let rawObs = envs.reset(experiment.seed + recorder.globalStep);
  toPolicyObs(rawObs, numEnvs, policyObs, true);
  prevRawObs.set(rawObs);

  let status: TrainSummary["status"] = "completed";
  let rolloutSeconds = 0;
  let error: string | undefined;
  try {
    for (let iteration = recorder.iteration + 1; iteration <= numIterations; iteration++) {
      if (signal?.aborted) {
        status = "stopped";
        break;
      }
      // Annealing the learning rate, as CleanRL: frac = 1 − (iteration − 1)/num_iterations.
      const learningRate = h.annealLr ? (1 - (iteration - 1) / numIterations) * h.learningRate : h.learningRate;
      const iterationEpisodes: EpisodeRecord[] = [];

      const rolloutStart = performance.now();
      for (let step = 0; step < numSteps; step++) {
        const base = step * numEnvs;
        recorder.addSteps(numEnvs);
        obsBuf.set(policyObs, base * obsDim);
        act(actParams, actWs, policyObs, numEnvs, actionRng, false, stepOut);
        valuesBuf.set(stepOut.values, base);
        logProbsBuf.set(stepOut.logProbs, base);
        actionsBuf.set(stepOut.actions, base * actWidth);
        if (discrete) {
          for (let e = 0; e < numEnvs; e++) (envActions as Int32Array)[e] = stepOut.actions[e]!;
        } else {
          // ClipAction: the env sees the action clipped to its bounds; the buffer keeps the sample.
          for (let e = 0; e < numEnvs; e++) {
            for (let k = 0; k < actionDim; k++) {
              const a = stepOut.actions[e * actionDim + k]!;
              envActions[e * actionDim + k] = Math.min(Math.max(a, low![k]!), high![k]!);
            }
          }
        }

        const res = envs.step(envActions);
        rawObs = res.obs;
        for (let e = 0; e < numEnvs; e++) {
          const envReward = res.rewards[e]!;
          const terminated = res.terminated[e] === 1;
          const truncated = res.truncated[e] === 1;
          const done = terminated || truncated;
          const nextRaw = done ? res.finalObs[e]! : rawObs.subarray(e * obsDim, (e + 1) * obsDim);
          let reward = envReward;
          if (shaper) {
            const action = discrete ? envActions[e]! : (envActions as Float32Array).subarray(e * actionDim, (e + 1) * actionDim);
            reward = shaper.shape(e, prevRawObs.subarray(e * obsDim, (e + 1) * obsDim), action, nextRaw, envReward, terminated, truncated, episodeLength[e]!);
          }
          episodeReturn[e]! += envReward;
          episodeLength[e]!++;
          if (returnRms) {
            // NormalizeReward (Gymnasium 1.0): scale by the std of the discounted return; CleanRL clips to ±10.
            discountedReturn[e] = discountedReturn[e]! * h.gamma * (terminated ? 0 : 1) + reward;
            returnRms.update([discountedReturn[e]!], 1);
            reward = Math.min(Math.max(reward / Math.sqrt(returnRms.var[0]! + 1e-8), -10), 10);
            if (done) discountedReturn[e] = 0;
          }
          if (truncated && !terminated && h.bootstrapTruncated) {
            // Time-limit truncation is not a terminal state: fold γ·V(s_final) into the reward (Pardo et al. 2018).
            toPolicyObs(res.finalObs[e]!, 1, finalPolicyObs, false);
            act(actParams, finalWs, finalPolicyObs, 1, actionRng, true, finalOut);
            reward += h.gamma * finalOut.values[0]!;
          }
          rewardsBuf[base + e] = reward;
          donesBuf[base + e] = done ? 1 : 0;
          if (done) {
            const info = res.infos[e] ?? {};
            const cause = (terminated ? info.terminationCause : info.truncationCause) as string | undefined;
            const record = recorder.episode({
              envIndex: e,
              episodicReturn: episodeReturn[e]!,
              episodicLength: episodeLength[e]!,
              terminated,
              truncated,
              ...(cause ? { cause } : {}),
              ...(shaper ? { components: shaper.takeEpisodeSums(e) } : {}),
            });
            iterationEpisodes.push(record);
            episodeReturn[e] = 0;
            episodeLength[e] = 0;
          }
        }
        prevRawObs.set(rawObs);
        toPolicyObs(rawObs, numEnvs, policyObs, true);
      }

      rolloutSeconds += (performance.now() - rolloutStart) / 1000;

      // Bootstrap value of the observation after the rollout, then GAE.
      act(actParams, actWs, policyObs, numEnvs, actionRng, true, stepOut);
      nextValues.set(stepOut.values);
      computeGae(rewardsBuf, valuesBuf, donesBuf, nextValues, numSteps, numEnvs, h.gamma, h.gaeLambda, advantages, returns);

      // Optimizing the policy and value network.
      for (let i = 0; i < batchSize; i++) indices[i] = i;
      let stats: PpoLossStats | null = null;
      let clipFracSum = 0;
      let clipFracCount = 0;
      for (let epoch = 0; epoch < h.updateEpochs; epoch++) {
        // Fisher-Yates shuffle (np.random.shuffle(b_inds)).
        for (let i = batchSize - 1; i > 0; i--) {
          const j = shuffleRng.integer(i + 1);
          const t = indices[i]!;
          indices[i] = indices[j]!;
          indices[j] = t;
        }
        for (let start = 0; start + minibatchSize <= batchSize; start += minibatchSize) {
          for (let r = 0; r < minibatchSize; r++) {
            const src = indices[start + r]!;
            for (let k = 0; k < obsDim; k++) mb.obs[r * obsDim + k] = obsBuf[src * obsDim + k]!;
            for (let k = 0; k < actWidth; k++) mb.actions[r * actWidth + k] = actionsBuf[src * actWidth + k]!;
            mb.logProbs[r] = logProbsBuf[src]!;
            mb.advantages[r] = advantages[src]!;
            mb.returns[r] = returns[src]!;
            mb.values[r] = valuesBuf[src]!;
          }
          stats = await learner.step(mb, coef, learningRate, h.maxGradNorm);
          clipFracSum += stats.clipFrac;
          clipFracCount++;
        }
        if (h.targetKl !== null && stats && stats.approxKl > h.targetKl) break;
      }
      await learner.syncParams();
      actParams.set(learner.params);

      const sps = recorder.sps();
      const metrics: Record<string, number> = {
        "charts/learning_rate": learningRate,
        "charts/SPS": Math.round(sps),
      };
      if (stats) {
        metrics["losses/value_loss"] = stats.valueLoss;
        metrics["losses/policy_loss"] = stats.policyLoss;
        metrics["losses/entropy"] = stats.entropy;
        metrics["losses/old_approx_kl"] = stats.oldApproxKl;
        metrics["losses/approx_kl"] = stats.approxKl;
        metrics["losses/clipfrac"] = clipFracSum / Math.max(1, clipFracCount);
      }
      const ev = explainedVariance(valuesBuf, returns, batchSize);
      if (Number.isFinite(ev)) metrics["losses/explained_variance"] = ev;
      Object.assign(metrics, episodeMetrics(iterationEpisodes));
      if (iterationEpisodes.length > 0) {
        const n = iterationEpisodes.length;
        if (shaper) {
          for (const name of shaper.componentNames) {
            metrics[`reward/${name}`] = iterationEpisodes.reduce((s, r) => s + (r.components?.[name] ?? 0), 0) / n;
          }
        }
      }
      const progress = await recorder.endIterationWithProgress(iteration, metrics, sps);
      opts.onProgress?.(progress);
      // Yield to the event loop so an abort (Ctrl-C, a JSON-RPC stop) is seen between iterations.
      await new Promise<void>((r) => setImmediate(r));
    }
  } catch (err) {
    status = "failed";
    const step = recorder.globalStep;
    if (err instanceof RewardError) err.globalStep = step;
    // The experiment's own code at fault (its reward, its env): the message says where, no stack needed.
    const userError = err instanceof RewardError || err instanceof EnvError;
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
  const totals = await recorder.finish(status, error);
  learner.dispose();
  return {
    runDir: runDir.path,
    backend: learner.backend,
    status,
    ...(error ? { error } : {}),
    globalStep: totals.globalStep,
    wallSeconds: totals.wallSeconds,
    cpuSeconds: totals.cpuSeconds,
    sps: totals.sps,
    rolloutSps: rolloutSeconds > 0 ? totals.segmentSteps / rolloutSeconds : 0,
    meanReturnLast20: totals.meanReturnLast20,
    solvedAtStep: totals.solvedAtStep,
    solvedAtSeconds: totals.solvedAtSeconds,
  };
}
