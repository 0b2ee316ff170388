/**
 * Acting with the TWOSOME policy on text envs: read each env's text state (`env.text`), score its
 * valid actions in one batched pass, pick one per env (sampled, or the most likely for evaluation),
 * and map the chosen text back to the env's Discrete action. Shared by the trainer, evaluation and
 * the zero-shot prior.
 */
import type { Env } from "../envs/types.js";
import type { Rng } from "../rng.js";
import type { ActionDistribution, TwosomePolicy } from "./policy.js";

export interface TextState {
  prompt: string;
  actions: string[];
}

/** The current text state of each env; throws naming the env when one has no text view. */
export function readTextStates(envs: readonly Env[]): TextState[] {
  return envs.map((env) => {
    const view = env.text;
    if (!view) throw new Error(`${env.spec.id} has no text view (env.text): algorithm "twosome" needs a text env`);
    return { prompt: view.prompt(), actions: [...view.actions()] };
  });
}

/**
 * Index of the chosen action: sampled from π by inverse CDF with one uniform draw of `rng`, or the
 * most likely one (first on ties) when `rng` is null.
 */
export function chooseAction(logProbs: ArrayLike<number>, rng: Rng | null): number {
  const n = logProbs.length;
  if (n === 0) throw new RangeError("no valid action to choose from");
  if (rng === null) {
    let best = 0;
    for (let i = 1; i < n; i++) if (logProbs[i]! > logProbs[best]!) best = i;
    return best;
  }
  const u = rng.random();
  let cumulative = 0;
  for (let i = 0; i < n; i++) {
    cumulative += Math.exp(logProbs[i]!);
    if (u < cumulative) return i;
  }
  // Rounding left the total a hair under 1: the last action with any probability.
  for (let i = n - 1; i > 0; i--) if (Number.isFinite(logProbs[i]!) && logProbs[i]! > -50) return i;
  return 0;
}

export interface TextChoice {
  state: TextState;
  distribution: ActionDistribution;
  /** Index into `state.actions`. */
  choice: number;
  /** The env's Discrete action for it. */
  action: number;
}

/** One action per env from the policy (sampled with `rng`, or greedy when it is null). */
export async function actOnText(policy: TwosomePolicy, envs: readonly Env[], rng: Rng | null): Promise<TextChoice[]> {
  const states = readTextStates(envs);
  const dists = await policy.scoreActions(
    states.map((s) => s.prompt),
    states.map((s) => s.actions),
  );
  return states.map((state, e) => {
    const choice = chooseAction(dists[e]!.logProbs, rng);
    return { state, distribution: dists[e]!, choice, action: envs[e]!.text!.actionIndex(choice) };
  });
}
