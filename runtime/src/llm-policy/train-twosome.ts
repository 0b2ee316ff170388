/**
 * TWOSOME training (Tan et al., ICLR 2024; WeihaoTan/TWOSOME twosome/overcooked/ppo_llm_pomdp.py),
 * read top to bottom like the reference: a vector of text envs, each step every env's prompt and
 * valid action texts scored by the LLM policy in one batched pass, an action sampled from π, the
 * frozen-base critic's value kept; after the rollout, GAE with γ^{primitive steps} per macro-action;
 * then the TWOSOME update (value minibatches, then policy minibatches with gradient accumulation and
 * the target-KL stop; policy.ts). Annealed learning rates as there.
 *
 * The run folder is the recorder's (runs/run-recorder.ts), as for PPO: episodes and metrics under
 * CleanRL's names (plus charts/success_rate), checkpoints of the adapter and value head only
 * (twosome-checkpoint.ts), resume, stop. An abort during an iteration stops without a checkpoint of
 * the half-done iteration: resume continues from the last whole one.
 */
import type { EpisodeRecord } from "../runs/run-dir.js";
import { episodeMetrics, RunRecorder } from "../runs/run-recorder.js";
import { SyncVectorEnv } from "../envs/vector.js";
import { EnvError } from "../experiment/checked-env.js";
import { sourceMappedStack } from "../experiment/compile.js";
import { Rng } from "../rng.js";
import { computeGae, explainedVariance } from "../ppo/gae.js";
import { trainSummary, type TrainOptions, type TrainSummary } from "../ppo/train.js";
import { actOnText } from "./act.js";
import { openTwosomeBackend } from "./backend.js";
import { TwosomePolicy, type TwosomeBatch } from "./policy.js";
import { twosomeTrainerState, TWOSOME_CHECKPOINT_FORMAT } from "./twosome-checkpoint.js";
import { twosomeSizes } from "./twosome-sizes.js";

export { TWOSOME_CHECKPOINT_FORMAT };

export async function trainTwosome(opts: TrainOptions): Promise<TrainSummary> {
  const { experiment, runDir, signal } = opts;
  const log = opts.log ?? (() => {});
  const h = experiment.hyperparameters;
  const llm = experiment.llm;
  if (!llm) throw new Error(`${experiment.name}: algorithm "twosome" needs its llm settings`);
  const sizes = twosomeSizes(h);
  const { batchSize, numIterations } = sizes;
  const { numEnvs, numSteps } = h;

  const { tf, backend } = await openTwosomeBackend(opts.backend ?? "auto", log);
  const policy = await TwosomePolicy.load({ tf, model: llm.model, normalization: llm.normalization, lora: llm.lora, seed: experiment.seed });
  const actionRng = new Rng(experiment.seed + 7919);
  const shuffleRng = new Rng(experiment.seed + 104729);
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
        backend,
        ...(opts.onMetrics ? { onMetrics: opts.onMetrics } : {}),
        ...(opts.onEpisode ? { onEpisode: opts.onEpisode } : {}),
        log,
      },
      twosomeTrainerState(policy, { actionRng, shuffleRng }, { policy: sizes.policyStepsPerIteration, value: sizes.valueStepsPerIteration }, llm.model),
    );
  } catch (err) {
    policy.dispose();
    throw err;
  }
  opts.onRecorder?.(recorder);

  const envs = new SyncVectorEnv(() => experiment.makeEnv(), numEnvs);
  const successCause = experiment.spec.text?.successCause;
  // Rollout storage, time-major (t · numEnvs + e), as the reference's (num_steps, num_envs) tensors.
  const prompts: string[] = new Array(batchSize);
  const actionLists: string[][] = new Array(batchSize);
  const choices = new Int32Array(batchSize);
  const logProbs = new Float32Array(batchSize);
  const values = new Float64Array(batchSize);
  const rewards = new Float64Array(batchSize);
  const dones = new Uint8Array(batchSize);
  const discounts = new Float64Array(batchSize);
  const advantages = new Float64Array(batchSize);
  const returns = new Float64Array(batchSize);
  const envActions = new Int32Array(numEnvs);
  const episodeReturn = new Float64Array(numEnvs);
  const episodeLength = new Int32Array(numEnvs);

  // Resume reseeds the envs so a resumed run does not replay the first episodes.
  envs.reset(experiment.seed + recorder.globalStep);
  let status: TrainSummary["status"] = "completed";
  let checkpointAtEnd = true;
  let rolloutSeconds = 0;
  let updateSeconds = 0;
  let updates = 0;
  let error: string | undefined;
  try {
    for (let iteration = recorder.iteration + 1; iteration <= numIterations; iteration++) {
      if (signal?.aborted) {
        status = "stopped";
        break;
      }
      // Annealing both learning rates, as the reference: frac = 1 − (update − 1)/num_updates.
      const frac = h.annealLr ? 1 - (iteration - 1) / numIterations : 1;
      const policyLr = frac * h.learningRate;
      const valueLr = frac * h.valueLearningRate;
      const iterationEpisodes: EpisodeRecord[] = [];
      const successes: boolean[] = [];

      const rolloutStart = performance.now();
      for (let step = 0; step < numSteps; step++) {
        if (signal?.aborted) break;
        const base = step * numEnvs;
        const acted = await actOnText(policy, envs.envs, actionRng);
        const v = await policy.value(acted.map((a) => a.state.prompt));
        recorder.addSteps(numEnvs);
        acted.forEach((a, e) => {
          prompts[base + e] = a.state.prompt;
          actionLists[base + e] = a.state.actions;
          choices[base + e] = a.choice;
          logProbs[base + e] = a.distribution.logProbs[a.choice]!;
          values[base + e] = v[e]!;
          envActions[e] = a.action;
        });
        const res = envs.step(envActions);
        for (let e = 0; e < numEnvs; e++) {
          const terminated = res.terminated[e] === 1;
          const truncated = res.truncated[e] === 1;
          const info = res.infos[e] ?? {};
          const primitive = typeof info.primitiveSteps === "number" ? info.primitiveSteps : 1;
          rewards[base + e] = res.rewards[e]!;
          // TWOSOME treats the time limit as an end (no bootstrap), and discounts by γ^{primitive steps}.
          dones[base + e] = terminated || truncated ? 1 : 0;
          discounts[base + e] = h.gamma ** primitive;
          episodeReturn[e]! += res.rewards[e]!;
          episodeLength[e]!++;
          if (terminated || truncated) {
            const cause = (terminated ? info.terminationCause : info.truncationCause) as string | undefined;
            const success = info.success === true || (successCause !== undefined && cause === successCause);
            iterationEpisodes.push(
              recorder.episode({ envIndex: e, episodicReturn: episodeReturn[e]!, episodicLength: episodeLength[e]!, terminated, truncated, success, ...(cause ? { cause } : {}) }),
            );
            successes.push(success);
            episodeReturn[e] = 0;
            episodeLength[e] = 0;
          }
        }
        // Let an abort (Ctrl-C, a JSON-RPC stop) through between steps: an LLM step is slow.
        await new Promise<void>((r) => setImmediate(r));
      }
      rolloutSeconds += (performance.now() - rolloutStart) / 1000;
      if (signal?.aborted) {
        // Half an iteration: its steps are not a batch; resume starts again from the last checkpoint.
        status = "stopped";
        checkpointAtEnd = false;
        break;
      }

      // Bootstrap value of the states after the rollout, then GAE with per-macro-action discounts.
      const nextValues = Float64Array.from(await policy.value(envs.envs.map((env) => env.text!.prompt())));
      computeGae(rewards, values, dones, nextValues, numSteps, numEnvs, discounts, h.gaeLambda, advantages, returns);

      const batch: TwosomeBatch = {
        prompts,
        actionLists,
        actions: choices,
        logProbs,
        advantages: Float32Array.from(advantages),
        returns: Float32Array.from(returns),
        values: Float32Array.from(values),
      };
      const updateStart = performance.now();
      const stats = await policy.ppoStep(
        batch,
        { clipCoef: h.clipCoef, clipValueLoss: h.clipVloss, entCoef: h.entCoef, vfCoef: h.vfCoef, maxGradNorm: h.maxGradNorm, normAdvantages: h.normAdv, targetKl: h.targetKl },
        {
          policyLr,
          valueLr,
          policyMinibatchSize: sizes.policyMinibatchSize,
          valueMinibatchSize: sizes.valueMinibatchSize,
          accumulation: h.gradientAccumulationSteps,
          epochs: h.updateEpochs,
          rng: shuffleRng,
          ...(signal ? { signal } : {}),
        },
      );

      updateSeconds += (performance.now() - updateStart) / 1000;
      updates += stats.policyUpdates;
      const sps = recorder.sps();
      const metrics: Record<string, number> = {
        "charts/learning_rate": policyLr,
        "charts/value_learning_rate": valueLr,
        "charts/SPS": Math.round(sps),
        "losses/value_loss": stats.valueLoss,
        "losses/policy_loss": stats.policyLoss,
        "losses/entropy": stats.entropy,
        "losses/old_approx_kl": stats.oldApproxKl,
        "losses/approx_kl": stats.approxKl,
        "losses/clipfrac": stats.clipFrac,
        "losses/policy_updates": stats.policyUpdates,
      };
      const ev = explainedVariance(values, returns, batchSize);
      if (Number.isFinite(ev)) metrics["losses/explained_variance"] = ev;
      Object.assign(metrics, episodeMetrics(iterationEpisodes));
      if (successes.length > 0) metrics["charts/success_rate"] = successes.filter(Boolean).length / successes.length;
      const progress = await recorder.endIterationWithProgress(iteration, metrics, sps);
      opts.onProgress?.(progress);
    }
  } catch (err) {
    if (signal?.aborted) {
      // The update was cancelled part-way: the adapter is between two states, so no checkpoint of it.
      status = "stopped";
      checkpointAtEnd = false;
    } else {
      status = "failed";
      const userError = err instanceof EnvError;
      error = err instanceof Error ? err.message : String(err);
      if (userError) error = `${error} (global step ${recorder.globalStep}); the run stopped as failed and keeps its metrics`;
      else log(`training failed: ${sourceMappedStack(err instanceof Error ? (err.stack ?? err.message) : String(err), experiment.source.bundle, experiment.source.path)}`);
    }
  }

  let totals;
  try {
    totals = await recorder.finish(status, error, { checkpoint: checkpointAtEnd && status !== "failed" });
  } finally {
    policy.dispose();
  }
  return trainSummary({ runDir: runDir.path, backend, status, ...(error ? { error } : {}), rolloutSeconds, updates, updateSeconds }, totals);
}
