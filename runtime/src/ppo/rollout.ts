/**
 * One learner's rollout, as CleanRL's `ppo.py` collects it: a Gymnasium-style vector env (same-step
 * autoreset), numSteps steps into time-major buffers (t · numEnvs + e, its (num_steps, num_envs)
 * tensors), reward shaping and normalisation, time-limit bootstrapping, then the bootstrap value and
 * GAE. train.ts runs one; with `numLearners` > 1 every data-parallel rank runs its own (rank-worker.ts).
 */
import type { ResolvedExperiment } from "../experiment/resolve.js";
import { RewardShaper } from "../experiment/reward-shaper.js";
import { locateError } from "../experiment/compile.js";
import { SyncVectorEnv } from "../envs/vector.js";
import type { EpisodeFacts } from "../runs/run-recorder.js";
import type { Rng } from "../rng.js";
import { ActorCriticLayout, ActorCriticWorkspace, act, type ActResult } from "../nn/actor-critic.js";
import { computeGae } from "./gae.js";
import { RunningMeanStd, normalizeObservationInto } from "./normalize.js";

/** Where a rollout's steps and finished episodes go: the run's recorder, or a rank's report to rank 0. */
export interface RolloutSink {
  /** One vector step of `n` environment steps was taken. */
  addSteps(n: number): void;
  /** A finished episode; returns the record the iteration's metrics read. */
  episode(facts: EpisodeFacts): EpisodeFacts;
}

export class Rollout {
  readonly envs: SyncVectorEnv;
  readonly layout: ActorCriticLayout;
  readonly discrete: boolean;
  readonly numEnvs: number;
  readonly numSteps: number;
  readonly batchSize: number;
  readonly obsDim: number;
  readonly actWidth: number;
  readonly obsRms: RunningMeanStd | null;
  readonly returnRms: RunningMeanStd | null;
  readonly shaper: RewardShaper | null;
  // Rollout storage, time-major (t · numEnvs + e).
  readonly obs: Float64Array;
  readonly actions: Float64Array;
  readonly logProbs: Float64Array;
  readonly rewards: Float64Array;
  readonly dones: Uint8Array;
  readonly values: Float64Array;
  readonly advantages: Float64Array;
  readonly returns: Float64Array;
  private readonly actionDim: number;
  private readonly nextValues: Float64Array;
  private readonly stepOut: ActResult;
  private readonly actWs: ActorCriticWorkspace;
  private readonly finalWs: ActorCriticWorkspace;
  private readonly finalOut: ActResult;
  private readonly envActions: Int32Array | Float32Array;
  private readonly policyObs: Float64Array;
  private readonly finalPolicyObs: Float64Array;
  private readonly prevRawObs: Float32Array;
  private readonly episodeReturn: Float64Array;
  private readonly episodeLength: Int32Array;
  private readonly discountedReturn: Float64Array;
  private rawObs: Float32Array = new Float32Array(0);

  constructor(
    private readonly experiment: ResolvedExperiment,
    numEnvs: number,
  ) {
    const h = experiment.hyperparameters;
    this.numEnvs = numEnvs;
    this.numSteps = h.numSteps;
    this.batchSize = numEnvs * h.numSteps;
    this.envs = new SyncVectorEnv(() => experiment.makeEnv(), numEnvs);
    const actionSpace = this.envs.singleActionSpace;
    this.discrete = actionSpace.kind === "discrete";
    this.obsDim = this.envs.obsDim;
    this.actionDim = actionSpace.kind === "discrete" ? actionSpace.n : actionSpace.size;
    this.actWidth = this.discrete ? 1 : this.actionDim;
    this.layout = new ActorCriticLayout({ obsDim: this.obsDim, actionKind: this.discrete ? "discrete" : "box", actionDim: this.actionDim, hiddenSizes: h.hiddenSizes });
    this.obsRms = h.normalizeObservations ? new RunningMeanStd(this.obsDim) : null;
    this.returnRms = h.normalizeRewards ? new RunningMeanStd(1) : null;
    this.shaper = experiment.reward
      ? new RewardShaper(experiment.reward, experiment.spec, numEnvs, {
          locate: (err) => locateError(err, experiment.source.bundle, experiment.source.path),
        })
      : null;
    const { batchSize, obsDim, actWidth, layout } = this;
    this.obs = new Float64Array(batchSize * obsDim);
    this.actions = new Float64Array(batchSize * actWidth);
    this.logProbs = new Float64Array(batchSize);
    this.rewards = new Float64Array(batchSize);
    this.dones = new Uint8Array(batchSize);
    this.values = new Float64Array(batchSize);
    this.advantages = new Float64Array(batchSize);
    this.returns = new Float64Array(batchSize);
    this.nextValues = new Float64Array(numEnvs);
    this.stepOut = { actions: new Float64Array(numEnvs * actWidth), logProbs: new Float64Array(numEnvs), values: new Float64Array(numEnvs) };
    this.actWs = new ActorCriticWorkspace(layout, numEnvs);
    this.finalWs = new ActorCriticWorkspace(layout, 1);
    this.finalOut = { actions: new Float64Array(actWidth), logProbs: new Float64Array(1), values: new Float64Array(1) };
    this.envActions = this.discrete ? new Int32Array(numEnvs) : new Float32Array(numEnvs * this.actionDim);
    this.policyObs = new Float64Array(numEnvs * obsDim);
    this.finalPolicyObs = new Float64Array(obsDim);
    this.prevRawObs = new Float32Array(numEnvs * obsDim);
    this.episodeReturn = new Float64Array(numEnvs);
    this.episodeLength = new Int32Array(numEnvs);
    this.discountedReturn = new Float64Array(numEnvs);
  }

  /** The policy's view of raw observations (normalised when NormalizeObservation is on). */
  private toPolicyObs(raw: Float32Array, rows: number, out: Float64Array, update: boolean): void {
    if (this.obsRms) {
      if (update) this.obsRms.update(raw, rows);
      normalizeObservationInto(this.obsRms, raw, rows, out);
    } else {
      for (let j = 0; j < rows * this.obsDim; j++) out[j] = raw[j]!;
    }
  }

  reset(seed: number): void {
    this.rawObs = this.envs.reset(seed);
    this.toPolicyObs(this.rawObs, this.numEnvs, this.policyObs, true);
    this.prevRawObs.set(this.rawObs);
  }

  /**
   * numSteps vector steps acting with `actParams` (float64, plain-JS forward); finished episodes go to
   * `sink` and are appended to `episodes`.
   */
  collect(actParams: Float64Array, actionRng: Rng, sink: RolloutSink, episodes: EpisodeFacts[]): void {
    const h = this.experiment.hyperparameters;
    const { numEnvs, obsDim, actWidth, actionDim, discrete, stepOut, envActions, shaper, returnRms, episodeReturn, episodeLength, discountedReturn, prevRawObs } = this;
    const actionSpace = this.envs.singleActionSpace;
    const low = actionSpace.kind === "discrete" ? null : actionSpace.low;
    const high = actionSpace.kind === "discrete" ? null : actionSpace.high;
    for (let step = 0; step < this.numSteps; step++) {
      const base = step * numEnvs;
      sink.addSteps(numEnvs);
      this.obs.set(this.policyObs, base * obsDim);
      act(actParams, this.actWs, this.policyObs, numEnvs, actionRng, false, stepOut);
      this.values.set(stepOut.values, base);
      this.logProbs.set(stepOut.logProbs, base);
      this.actions.set(stepOut.actions, base * actWidth);
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

      const res = this.envs.step(envActions);
      this.rawObs = res.obs;
      for (let e = 0; e < numEnvs; e++) {
        const envReward = res.rewards[e]!;
        const terminated = res.terminated[e] === 1;
        const truncated = res.truncated[e] === 1;
        const done = terminated || truncated;
        const nextRaw = done ? res.finalObs[e]! : this.rawObs.subarray(e * obsDim, (e + 1) * obsDim);
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
          this.toPolicyObs(res.finalObs[e]!, 1, this.finalPolicyObs, false);
          act(actParams, this.finalWs, this.finalPolicyObs, 1, actionRng, true, this.finalOut);
          reward += h.gamma * this.finalOut.values[0]!;
        }
        this.rewards[base + e] = reward;
        this.dones[base + e] = done ? 1 : 0;
        if (done) {
          const info = res.infos[e] ?? {};
          const cause = (terminated ? info.terminationCause : info.truncationCause) as string | undefined;
          episodes.push(
            sink.episode({
              envIndex: e,
              episodicReturn: episodeReturn[e]!,
              episodicLength: episodeLength[e]!,
              terminated,
              truncated,
              ...(cause ? { cause } : {}),
              ...(shaper ? { components: shaper.takeEpisodeSums(e) } : {}),
            }),
          );
          episodeReturn[e] = 0;
          episodeLength[e] = 0;
        }
      }
      prevRawObs.set(this.rawObs);
      this.toPolicyObs(this.rawObs, numEnvs, this.policyObs, true);
    }
  }

  /** Bootstrap value of the observation after the rollout, then GAE into `advantages` and `returns`. */
  finish(actParams: Float64Array, actionRng: Rng): void {
    const h = this.experiment.hyperparameters;
    act(actParams, this.actWs, this.policyObs, this.numEnvs, actionRng, true, this.stepOut);
    this.nextValues.set(this.stepOut.values);
    computeGae(this.rewards, this.values, this.dones, this.nextValues, this.numSteps, this.numEnvs, h.gamma, h.gaeLambda, this.advantages, this.returns);
  }
}
