/**
 * What PPO does for sub-goals and Collect & Infer (Di Palo et al. 2023), kept out of train.ts so
 * that file still reads as CleanRL's ppo.py: the trainer calls this once per transition, once per
 * finished episode, once per update and once per iteration.
 *
 * - Sub-goal reward: the tracker's ordered, once-per-episode bonus (subgoals/semantics.ts), added
 *   to the training reward and logged as the reward component `subgoals`; per-sub-goal achievement
 *   rates as `subgoals/<name>`.
 * - Collect: every transition goes to the env's experience store (experience/writer.ts), one block
 *   per iteration.
 * - Infer + self-imitation: at the start, the store is relabelled for this experiment's sub-goals and
 *   its best episodes loaded (experience/imitation.ts); the run's own qualifying episodes join them;
 *   after each PPO update, SIL minibatch steps (nn/self-imitation.ts) through the learner.
 */
import type { ResolvedExperiment } from "../experiment/resolve.js";
import { RewardShaper } from "../experiment/reward-shaper.js";
import { locateError } from "../experiment/compile.js";
import type { EpisodeRecord } from "../runs/run-dir.js";
import type { ActorCriticLayout } from "../nn/actor-critic.js";
import { JsLearner, type Learner } from "../nn/learner.js";
import type { SilMinibatch } from "../nn/self-imitation.js";
import type { Info } from "../envs/types.js";
import type { Rng } from "../rng.js";
import { ExperienceWriter } from "../experience/writer.js";
import { envFolder } from "../experience/paths.js";
import { ImitationBuffer, LiveEpisodes, discountedReturns, imitationScore, loadImitationEpisodes } from "../experience/imitation.js";
import { PredicateRunner } from "../subgoals/predicates.js";
import { SubgoalTracker, achievementRates } from "../subgoals/semantics.js";
import { SUBGOAL_COMPONENT, type RolloutHooks } from "./rollout.js";

/** The store's cap when neither the experiment, the CLI nor the editor setting says (rlStudio.experience.maxMegabytes). */
export const DEFAULT_EXPERIENCE_MEGABYTES = 256;
/** The reward component the sub-goal reward is logged as (declared beside the rollout that adds it). */
export { SUBGOAL_COMPONENT };

/**
 * Did this episode achieve the task? The env says so in `info.success` (text envs), or it ended by
 * a termination cause that is its goal (MountainCar's flag, Acrobot's target).
 */
export function episodeSucceeded(info: Info, terminated: boolean, successCauses: readonly string[]): boolean {
  if (typeof info.success === "boolean") return info.success;
  return terminated && typeof info.terminationCause === "string" && successCauses.includes(info.terminationCause);
}

/** Termination causes that mean success: the spec's `successCauses`, or a text env's success cause. */
export function successCausesOf(experiment: ResolvedExperiment): string[] {
  const spec = experiment.spec;
  return [...(spec.successCauses ?? []), ...(spec.text ? [spec.text.successCause] : [])];
}

/**
 * Runs with self-imitation need a learner with `silStep`; a backend without it gives way to `js`
 * (same parameters), with a one-line notice.
 */
export function learnerFor(learner: Learner, experiment: ResolvedExperiment, layout: ActorCriticLayout, initial: Float32Array, minibatchSize: number, log: (l: string) => void): Learner {
  if (!experiment.selfImitation || learner.silStep) return learner;
  log(`self-imitation: the ${learner.backend} backend has no self-imitation step; training on js instead`);
  learner.dispose();
  return new JsLearner(layout, Float32Array.from(initial), minibatchSize);
}

export interface CollectAndInferOptions {
  experiment: ResolvedExperiment;
  numEnvs: number;
  /** Run id, stored with every transition. */
  runId: string;
  /** The store's root (`<workspace>/.rl-studio/experience`); null stores nothing. */
  experienceRoot: string | null;
  /** The cap in MB when the experiment's experienceMaxMegabytes is null. */
  defaultMegabytes: number;
  minibatchSize: number;
  numMinibatches: number;
  log: (line: string) => void;
  signal?: AbortSignal;
}

export class CollectAndInfer implements RolloutHooks {
  private readonly tracker: SubgoalTracker | null;
  private readonly runner: PredicateRunner | null;
  private readonly writer: ExperienceWriter | null;
  private readonly episodeIds: Int32Array;
  private readonly bonusSums: Float64Array;
  private readonly live: LiveEpisodes | null;
  private readonly buffer: ImitationBuffer | null;
  private readonly silMb: SilMinibatch | null;
  private readonly successCauses: string[];
  private readonly names: string[];
  private readonly obsDim: number;
  private readonly discrete: boolean;
  private liveEpisodes = 0;

  constructor(private readonly o: CollectAndInferOptions) {
    const { experiment, numEnvs, log } = o;
    const spec = experiment.spec;
    const fields = spec.observationFields.map((f) => f.name);
    this.obsDim = fields.length;
    this.discrete = spec.actionSpace.kind === "discrete";
    const actionSize = spec.actionSpace.kind === "discrete" ? spec.actionSpace.n : spec.actionSpace.low.length;
    const actionWidth = this.discrete ? 1 : actionSize;
    this.names = experiment.subgoals.map((s) => s.name);
    this.successCauses = successCausesOf(experiment);
    const locate = (err: unknown) => locateError(err, experiment.source.bundle, experiment.source.path);
    this.runner = experiment.subgoals.length > 0 ? new PredicateRunner(experiment.subgoals, fields, { envId: spec.id, locate, places: experiment.subgoals.map((s) => s.place) }) : null;
    this.tracker = experiment.subgoals.length > 0 ? new SubgoalTracker(experiment.subgoals.length, numEnvs, experiment.subgoalReward) : null;
    this.bonusSums = new Float64Array(numEnvs);

    const megabytes = experiment.hyperparameters.experienceMaxMegabytes ?? o.defaultMegabytes;
    this.writer =
      o.experienceRoot !== null && megabytes > 0
        ? new ExperienceWriter({
            root: o.experienceRoot,
            header: { envId: spec.id, fields, obsDim: fields.length, actionKind: spec.actionSpace.kind, actionSize, runId: o.runId },
            maxBytes: Math.floor(megabytes * 1024 * 1024),
            log,
          })
        : null;
    this.episodeIds = new Int32Array(numEnvs);
    if (this.writer) for (let e = 0; e < numEnvs; e++) this.episodeIds[e] = this.writer.beginEpisode();

    const sil = experiment.selfImitation;
    if (sil) {
      this.buffer = new ImitationBuffer(sil.maxTransitions, this.obsDim, actionWidth);
      this.live = new LiveEpisodes(numEnvs);
      this.silMb = { size: o.minibatchSize, obs: new Float64Array(o.minibatchSize * this.obsDim), actions: new Float64Array(o.minibatchSize * actionWidth), returns: new Float64Array(o.minibatchSize) };
      if (o.experienceRoot !== null) {
        try {
          this.loadStore(o.experienceRoot);
        } catch (err) {
          if ((err as Error).name === "AbortError") throw err;
          // Imitation starts from the run's own episodes; a predicate at fault fails the run at its first step, with its place.
          log(`self-imitation: the experience store could not be loaded (${(err as Error).message}); imitating this run's own episodes only`);
        }
      }
    } else {
      this.buffer = null;
      this.live = null;
      this.silMb = null;
    }
  }

  private loadStore(root: string): void {
    const { experiment, log } = this.o;
    const sil = experiment.selfImitation!;
    const dir = envFolder(root, experiment.spec.id);
    const shaper = experiment.reward ? new RewardShaper(experiment.reward, experiment.spec, 1) : null;
    const spec = experiment.spec;
    const r = loadImitationEpisodes(dir, this.buffer!, {
      source: sil.source,
      spec,
      subgoals: experiment.subgoals,
      reward: { shaper, subgoalReward: experiment.subgoalReward, gamma: experiment.hyperparameters.gamma },
      expect: { envId: spec.id, fields: spec.observationFields.map((f) => f.name), obsDim: this.obsDim, actionKind: spec.actionSpace.kind, actionSize: spec.actionSpace.kind === "discrete" ? spec.actionSpace.n : spec.actionSpace.low.length },
      // A damaged store never stops training: say where, skip it.
      onProblem: (p) => {
        if (p.kind !== "incomplete") log(`experience store: ${p.message}`);
      },
      ...(this.o.signal ? { signal: this.o.signal } : {}),
    });
    const relabel = experiment.subgoals.length > 0 ? `; sub-goal labels: ${r.cachedSessions} session(s) cached, ${r.relabelledSessions} relabelled` : "";
    log(
      `self-imitation (${sil.source}): ${r.qualifying} of ${r.stored} stored episode(s) qualify, ${this.buffer!.episodes} loaded (${this.buffer!.transitions} transitions)${relabel}`,
    );
  }

  /**
   * After env e's transition: store it, and return the sub-goal reward it earned (0 without
   * sub-goals). `trainingReward` is the reward so far (env or shaped), before normalisation.
   */
  transition(
    e: number,
    obs: Float32Array,
    action: number | Float32Array,
    nextObs: Float32Array,
    envReward: number,
    trainingReward: number,
    terminated: boolean,
    truncated: boolean,
    info: Info,
    episodeStep: number,
  ): number {
    let bonus = 0;
    if (this.tracker) {
      this.runner!.setState(nextObs);
      bonus = this.tracker.observe(e, episodeStep, this.runner!.test);
      this.bonusSums[e]! += bonus;
    }
    const done = terminated || truncated;
    if (this.writer) {
      const success = done && episodeSucceeded(info, terminated, this.successCauses);
      this.writer.add(this.episodeIds[e]!, obs, action, envReward, terminated, truncated, success, done ? nextObs : undefined);
    }
    this.live?.push(e, obs, action, trainingReward + bonus);
    return bonus;
  }

  /** Env e's episode ended: the record's extra fields, and the episode offered for self-imitation. */
  endEpisode(e: number, terminated: boolean, info: Info): Pick<EpisodeRecord, "subgoals"> & { subgoalReward?: number } {
    if (this.writer) this.episodeIds[e] = this.writer.beginEpisode();
    const reached = this.tracker ? this.tracker.endEpisode(e) : [];
    const bonus = this.bonusSums[e]!;
    this.bonusSums[e] = 0;
    if (this.live) {
      const ep = this.live.end(e);
      const success = episodeSucceeded(info, terminated, this.successCauses);
      let sum = 0;
      for (let t = 0; t < ep.rewards.length; t++) sum += ep.rewards[t]!;
      const score = imitationScore(this.o.experiment.selfImitation!.source, success, reached.length, sum);
      if (score) this.buffer!.offer({ key: `live:${this.liveEpisodes++}`, states: ep.states, actions: ep.actions, returns: discountedReturns(ep.rewards, this.o.experiment.hyperparameters.gamma), score });
    }
    if (!this.tracker) return {};
    const steps: Record<string, number> = {};
    reached.forEach((t, k) => (steps[this.names[k]!] = t));
    return { subgoals: steps, subgoalReward: bonus };
  }

  /** One block per iteration to the store. */
  flush(): void {
    this.writer?.flush();
  }

  /**
   * SIL's updates after a PPO update: `updatesPerIteration` (default numMinibatches) minibatch steps.
   * Returns the mean losses, or null when there is nothing to imitate yet.
   */
  async selfImitate(learner: Learner, learningRate: number, maxGradNorm: number, rng: Rng, toPolicyObs: (raw: Float32Array, out: Float64Array, offset: number) => void, returnScale: number): Promise<{ policyLoss: number; valueLoss: number; validFraction: number } | null> {
    const sil = this.o.experiment.selfImitation;
    if (!sil || !this.buffer || this.buffer.transitions === 0 || !learner.silStep) return null;
    const updates = sil.updatesPerIteration ?? this.o.numMinibatches;
    let p = 0;
    let v = 0;
    let f = 0;
    for (let i = 0; i < updates; i++) {
      this.buffer.sample(rng, this.silMb!, toPolicyObs, returnScale);
      const s = await learner.silStep(this.silMb!, { coef: sil.coef, valueCoef: sil.valueCoef }, learningRate, maxGradNorm);
      p += s.policyLoss;
      v += s.valueLoss;
      f += s.validFraction;
    }
    return { policyLoss: p / updates, valueLoss: v / updates, validFraction: f / updates };
  }

  /** This iteration's sub-goal and self-imitation metrics, added to `metrics`. */
  addMetrics(episodes: readonly Pick<EpisodeRecord, "subgoals" | "components">[], metrics: Record<string, number>, sil: { policyLoss: number; valueLoss: number; validFraction: number } | null): void {
    if (this.tracker && episodes.length > 0) {
      const rates = achievementRates(
        episodes.map((r) => Object.keys(r.subgoals ?? {}).length),
        this.names.length,
      );
      this.names.forEach((name, k) => (metrics[`subgoals/${name}`] = rates[k]!));
      metrics[`reward/${SUBGOAL_COMPONENT}`] = episodes.reduce((s, r) => s + (r.components?.[SUBGOAL_COMPONENT] ?? 0), 0) / episodes.length;
    }
    if (sil) {
      metrics["losses/sil_policy_loss"] = sil.policyLoss;
      metrics["losses/sil_value_loss"] = sil.valueLoss;
      metrics["losses/sil_valid_fraction"] = sil.validFraction;
    }
    if (this.buffer) metrics["charts/sil_episodes"] = this.buffer.episodes;
  }

  close(): void {
    this.writer?.close();
  }
}
