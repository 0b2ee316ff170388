/**
 * Sub-goal rewards, after Di Palo et al. (2023), "Towards A Unified Agent with Foundation Models"
 * (arXiv 2307.09668): the task is split into an ordered list of sub-goals, and the agent is
 * rewarded when it reaches the sub-goal it is currently on. Their detector is a fine-tuned CLIP
 * on the camera image; ours is a predicate over the env's named observation fields.
 *
 * The semantics, pure, shared by training, relabelling of stored episodes and explanations:
 * - Sub-goals are pursued in order. After each transition only the next pending one is checked
 *   against the state the transition reached; when it holds, it is reached at that episode step,
 *   the agent gets `subgoalReward`, and the next one is checked against the same state (so one
 *   transition can reach several in a row, each rewarded once).
 * - Each sub-goal is rewarded at most once per episode; a new episode starts from the first.
 * - A later sub-goal that holds before an earlier one is reached earns nothing then.
 */

/** `holds(k)`: does sub-goal k hold in the state being checked? */
export type SubgoalTest = (k: number) => boolean;

/**
 * Advance an episode's progress through the sub-goals for one reached state: returns the new
 * count of reached sub-goals (≥ `reached`). `holds` is called for pending sub-goals in order,
 * stopping at the first that does not hold.
 */
export function advance(reached: number, count: number, holds: SubgoalTest): number {
  while (reached < count && holds(reached)) reached++;
  return reached;
}

/**
 * Per-env progress of a vector env's running episodes, and the reward it earns.
 * `observe` after each transition with the state it reached; `endEpisode` when it ended.
 */
export class SubgoalTracker {
  private readonly reached: Int32Array;
  /** steps[e][k]: episode step (0-based transition index) at which env e reached sub-goal k. */
  private readonly steps: number[][];

  constructor(
    readonly count: number,
    readonly numEnvs: number,
    readonly reward: number,
  ) {
    this.reached = new Int32Array(numEnvs);
    this.steps = Array.from({ length: numEnvs }, () => []);
  }

  /** The sub-goal reward of env e's transition at `episodeStep`, whose reached state `holds` tests. */
  observe(e: number, episodeStep: number, holds: SubgoalTest): number {
    const before = this.reached[e]!;
    const after = advance(before, this.count, holds);
    if (after === before) return 0;
    for (let k = before; k < after; k++) this.steps[e]!.push(episodeStep);
    this.reached[e] = after;
    return (after - before) * this.reward;
  }

  /** Sub-goals env e has reached in its running episode. */
  reachedCount(e: number): number {
    return this.reached[e]!;
  }

  /** End env e's episode: the steps at which its sub-goals were reached (one per reached sub-goal, in order); progress resets. */
  endEpisode(e: number): number[] {
    const out = this.steps[e]!;
    this.steps[e] = [];
    this.reached[e] = 0;
    return out;
  }
}

/**
 * The steps at which a recorded episode reached its sub-goals: `holdsAt(t, k)` tests sub-goal k on
 * the state after transition t. The same semantics as the tracker, for relabelling stored episodes.
 */
export function reachedSteps(length: number, count: number, holdsAt: (t: number, k: number) => boolean): number[] {
  const steps: number[] = [];
  let reached = 0;
  for (let t = 0; t < length && reached < count; t++) {
    const next = advance(reached, count, (k) => holdsAt(t, k));
    for (let k = reached; k < next; k++) steps.push(t);
    reached = next;
  }
  return steps;
}

/** Share of episodes that reached each sub-goal: `reached[i]` is how many episode i reached. */
export function achievementRates(reached: readonly number[], count: number): number[] {
  const rates = new Array<number>(count).fill(0);
  if (reached.length === 0) return rates;
  for (const r of reached) for (let k = 0; k < Math.min(r, count); k++) rates[k]!++;
  return rates.map((n) => n / reached.length);
}
