/**
 * What self-imitation imitates (Oh et al. 2018, "Self-Imitation Learning", arXiv 1806.05635): the
 * best episodes found so far — loaded from the env's experience store when a run starts (what
 * earlier runs found), then joined by the run's own — with each transition's discounted return
 * under THIS experiment's training reward (its `reward` function recomputed on the stored
 * transition, plus `subgoalReward` where the relabelled episode reached a sub-goal).
 *
 * "task": episodes that achieved the task, best return first. "subgoals": episodes that reached at
 * least one sub-goal, most sub-goals first (task success counting as one more), then return.
 * The buffer keeps the best episodes within `maxTransitions`; minibatches are drawn uniformly over
 * its transitions (the paper prioritises by the clipped advantage; the clipping in the loss already
 * zeroes what no longer beats the critic).
 */
import type { EnvSpec } from "../envs/types.js";
import type { RewardShaper } from "../experiment/reward-shaper.js";
import type { Rng } from "../rng.js";
import type { SilMinibatch } from "../nn/self-imitation.js";
import type { ResolvedSubgoal } from "../subgoals/config.js";
import { forEachEpisode, type ReadOptions, type ScanReport, type StoredEpisode } from "./reader.js";
import { relabelStore, type EpisodeLabel } from "./labels.js";

export type ImitationSource = "task" | "subgoals";

/** One episode to imitate: states s₀…s_{T−1} (raw), the actions taken in them, and the return from each. */
export interface ImitationEpisode {
  key: string;
  states: Float32Array;
  actions: Float32Array;
  returns: Float64Array;
  /** Higher is better: compared lexicographically. */
  score: readonly [number, number];
}

/** R_t = r_t + γ·R_{t+1}, R_T = 0 (no bootstrap: a truncated episode's return is a lower bound, as SIL assumes). */
export function discountedReturns(rewards: ArrayLike<number>, gamma: number): Float64Array {
  const out = new Float64Array(rewards.length);
  let acc = 0;
  for (let t = rewards.length - 1; t >= 0; t--) {
    acc = rewards[t]! + gamma * acc;
    out[t] = acc;
  }
  return out;
}

/** Whether an episode is imitated under `source`, and its score; null when it is not. */
export function imitationScore(source: ImitationSource, success: boolean, reachedCount: number, trainingReturn: number): [number, number] | null {
  if (source === "task") return success ? [0, trainingReturn] : null;
  return reachedCount > 0 ? [reachedCount + (success ? 1 : 0), trainingReturn] : null;
}

function better(a: readonly [number, number], b: readonly [number, number]): boolean {
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
}

export class ImitationBuffer {
  private readonly list: ImitationEpisode[] = [];
  private total = 0;
  /** Cumulative transition counts, rebuilt on the first sample after a change. */
  private cumulative: Int32Array | null = null;

  constructor(
    readonly maxTransitions: number,
    readonly obsDim: number,
    readonly actionWidth: number,
  ) {}

  get episodes(): number {
    return this.list.length;
  }

  get transitions(): number {
    return this.total;
  }

  /** The best score held (null when empty). */
  get best(): readonly [number, number] | null {
    return this.list[0]?.score ?? null;
  }

  /** Keep `ep` if it ranks among the best within the budget; evicts the worst to make room. */
  offer(ep: ImitationEpisode): boolean {
    const len = ep.returns.length;
    if (len === 0 || len > this.maxTransitions) return false;
    let at = this.list.findIndex((o) => better(ep.score, o.score));
    if (at === -1) at = this.list.length;
    // Everything ranked above it stays; it fits only if those leave room.
    let above = 0;
    for (let i = 0; i < at; i++) above += this.list[i]!.returns.length;
    if (above + len > this.maxTransitions) return false;
    this.list.splice(at, 0, ep);
    this.total += len;
    while (this.total > this.maxTransitions) this.total -= this.list.pop()!.returns.length;
    this.cumulative = null;
    return true;
  }

  /**
   * Fill `mb` with `mb.size` transitions drawn uniformly. `toPolicyObs(raw, out, offset)` writes one
   * raw state as the policy sees it (normalised when observation normalisation is on); returns are
   * multiplied by `returnScale` (reward normalisation's 1/σ).
   */
  sample(rng: Rng, mb: SilMinibatch, toPolicyObs: (raw: Float32Array, out: Float64Array, offset: number) => void, returnScale = 1): void {
    if (this.total === 0) throw new Error("ImitationBuffer.sample: the buffer is empty");
    if (!this.cumulative) {
      this.cumulative = new Int32Array(this.list.length);
      let acc = 0;
      this.list.forEach((e, i) => (this.cumulative![i] = acc += e.returns.length));
    }
    const cum = this.cumulative;
    const d = this.obsDim;
    const w = this.actionWidth;
    for (let r = 0; r < mb.size; r++) {
      const j = rng.integer(this.total);
      let lo = 0;
      let hi = cum.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid]! > j) hi = mid;
        else lo = mid + 1;
      }
      const ep = this.list[lo]!;
      const t = j - (lo === 0 ? 0 : cum[lo - 1]!);
      toPolicyObs(ep.states.subarray(t * d, (t + 1) * d), mb.obs, r * d);
      for (let k = 0; k < w; k++) mb.actions[r * w + k] = ep.actions[t * w + k]!;
      mb.returns[r] = ep.returns[t]! * returnScale;
    }
  }
}

/** How a stored or live transition is rewarded under the current experiment. */
export interface TrainingRewardSpec {
  /** The experiment's reward function on one env (null: the env's own reward). */
  shaper: RewardShaper | null;
  subgoalReward: number;
  gamma: number;
}

/** Training rewards of a stored episode: shaped (or env) reward plus the sub-goal reward at the steps it reached sub-goals. */
export function storedTrainingRewards(ep: StoredEpisode, reached: readonly number[], spec: EnvSpec, r: TrainingRewardSpec): Float64Array {
  const d = spec.observationFields.length;
  const a = spec.actionSpace;
  const discrete = a.kind === "discrete";
  const w = a.kind === "discrete" ? 1 : a.low.length;
  const out = new Float64Array(ep.length);
  for (let t = 0; t < ep.length; t++) {
    let v = ep.envRewards[t]!;
    if (r.shaper) {
      const last = t === ep.length - 1;
      const action = discrete ? ep.actions[t]! : ep.actions.subarray(t * w, (t + 1) * w);
      v = r.shaper.shape(0, ep.states.subarray(t * d, (t + 1) * d), action, ep.states.subarray((t + 1) * d, (t + 2) * d), v, last && ep.terminated, last && ep.truncated, t);
    }
    out[t] = v;
  }
  if (r.shaper) r.shaper.takeEpisodeSums(0);
  for (const t of reached) out[t]! += r.subgoalReward;
  return out;
}

export interface LoadOptions extends ReadOptions {
  source: ImitationSource;
  spec: EnvSpec;
  subgoals: readonly ResolvedSubgoal[];
  reward: TrainingRewardSpec;
}

export interface LoadReport {
  /** Complete episodes in the store. */
  stored: number;
  /** Of those, how many qualify under the source. */
  qualifying: number;
  /** How many the buffer kept. */
  loaded: number;
  /** Sessions relabelled now / taken from the label cache (0 / 0 without sub-goals). */
  relabelledSessions: number;
  cachedSessions: number;
  report: ScanReport;
}

/** Fill `buffer` with the store's best episodes for `options.source`. Never throws for the store's damage. */
export function loadImitationEpisodes(dir: string, buffer: ImitationBuffer, options: LoadOptions): LoadReport {
  const { spec, subgoals, reward, source } = options;
  // The relabelling pass reads only sessions missing from its cache; the loading pass below reads
  // everything, so it is the one that reports the store's problems.
  const relabelled = subgoals.length > 0 ? relabelStore(dir, subgoals, spec, { ...options, onProblem: () => {} }) : null;
  const labelOf = (ep: StoredEpisode): EpisodeLabel => relabelled?.labels.get(ep.key) ?? { reached: [], success: ep.success, length: ep.length, envReturn: 0 };
  let stored = 0;
  let qualifying = 0;
  let loaded = 0;
  const report = forEachEpisode(
    dir,
    (ep) => {
      stored++;
      const label = labelOf(ep);
      // Cheap test first: a task episode that failed, or one that reached no sub-goal, never qualifies.
      if (imitationScore(source, label.success, label.reached.length, 0) === null) return;
      const rewards = storedTrainingRewards(ep, label.reached, spec, reward);
      const returns = discountedReturns(rewards, reward.gamma);
      let sum = 0;
      for (let t = 0; t < rewards.length; t++) sum += rewards[t]!;
      qualifying++;
      const d = spec.observationFields.length;
      if (buffer.offer({ key: ep.key, states: ep.states.slice(0, ep.length * d), actions: ep.actions, returns, score: imitationScore(source, label.success, label.reached.length, sum)! })) loaded++;
    },
    options,
  );
  return {
    stored,
    qualifying,
    loaded: Math.min(loaded, buffer.episodes),
    relabelledSessions: relabelled?.computedSessions ?? 0,
    cachedSessions: relabelled?.cachedSessions ?? 0,
    report,
  };
}

/** The running episodes of a vector env, kept for self-imitation: raw states, actions and training rewards. */
export class LiveEpisodes {
  private readonly states: number[][];
  private readonly actions: number[][];
  private readonly rewards: number[][];

  constructor(numEnvs: number) {
    this.states = Array.from({ length: numEnvs }, () => []);
    this.actions = Array.from({ length: numEnvs }, () => []);
    this.rewards = Array.from({ length: numEnvs }, () => []);
  }

  push(e: number, state: ArrayLike<number>, action: number | ArrayLike<number>, trainingReward: number): void {
    const s = this.states[e]!;
    for (let k = 0; k < state.length; k++) s.push(state[k]!);
    const a = this.actions[e]!;
    if (typeof action === "number") a.push(action);
    else for (let k = 0; k < action.length; k++) a.push(action[k]!);
    this.rewards[e]!.push(trainingReward);
  }

  /** End env e's episode: what it recorded, and a fresh start. */
  end(e: number): { states: Float32Array; actions: Float32Array; rewards: Float64Array } {
    const out = { states: Float32Array.from(this.states[e]!), actions: Float32Array.from(this.actions[e]!), rewards: Float64Array.from(this.rewards[e]!) };
    this.states[e] = [];
    this.actions[e] = [];
    this.rewards[e] = [];
    return out;
  }
}
