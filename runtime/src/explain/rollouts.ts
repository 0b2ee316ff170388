/**
 * Evaluation rollouts for explanations: the trained policy acts in fresh copies of the
 * experiment's env, and every step is recorded with the policy's own view of it (action
 * probabilities or Gaussian mean, state value) and, when the experiment shapes the reward, the
 * reward components recomputed with the experiment's own `reward` function.
 *
 * Reproducible by construction: episode i resets with seed `envSeed + i` in both modes, and the
 * stochastic mode draws its actions from one `Rng(actionSeed)` consumed in episode order through
 * `Policy.act` (the deterministic mode draws nothing), so a test can replay the same episodes.
 */
import type { RolloutMode } from "../../../protocol/src/explain.js";
import type { ResolvedExperiment } from "../experiment/resolve.js";
import { RewardShaper } from "../experiment/reward-shaper.js";
import { locateError } from "../experiment/compile.js";
import type { Env } from "../envs/types.js";
import type { Policy } from "../ppo/policy.js";
import { PredicateRunner } from "../subgoals/predicates.js";
import { SubgoalTracker } from "../subgoals/semantics.js";
import { Rng } from "../rng.js";

/** The experiment parts the rollouts need (a `ResolvedExperiment` has them all). */
export type ExplainedExperiment = Pick<ResolvedExperiment, "name" | "envId" | "spec" | "makeEnv" | "task" | "seed" | "reward"> & {
  source?: ResolvedExperiment["source"];
  /** The experiment's sub-goals, whose achievement the facts report. */
  subgoals?: ResolvedExperiment["subgoals"];
};

/** One env step, from the state the policy saw. */
export interface StepRecord {
  mode: RolloutMode;
  episode: number;
  /** Index in the episode, from 0 (the state after reset). */
  step: number;
  /** The observation the policy acted on. */
  obs: Float32Array;
  /** Discrete: the action index; continuous: the action applied (clipped to the env's bounds). */
  action: number | Float32Array;
  /** Discrete: π(· | s). */
  probabilities: number[] | null;
  /** Continuous: the Gaussian's mean and std. */
  mean: number[] | null;
  std: number[] | null;
  /** Critic's V(s). */
  value: number;
  /** The env's own reward for this step. */
  envReward: number;
}

export interface RolloutEpisode {
  mode: RolloutMode;
  episode: number;
  seed: number;
  /** Sum of the env's own reward. */
  return: number;
  length: number;
  ending: { kind: "terminated" | "truncated"; cause: string };
  /** Index of this episode's first step in `ModeRollout.steps`. */
  firstStep: number;
  /** The observation after the last step. */
  finalObs: Float32Array;
  /** Simulator state after reset and after each step, where the env exposes `state`. */
  states: number[][] | null;
  /** Per-episode sums of the shaped reward's components; null when the experiment does not shape. */
  components: Record<string, number> | null;
  /** Episode step at which each sub-goal it reached was reached, in order; null without sub-goals. */
  subgoalSteps?: number[] | null;
}

export interface ModeRollout {
  mode: RolloutMode;
  episodes: RolloutEpisode[];
  steps: StepRecord[];
  /** Component names in the order the reward function first returned them. */
  componentNames: string[];
  /** The experiment's sub-goals (name, description), in order; empty without. */
  subgoals?: { name: string; description: string }[];
}

export interface RolloutOptions {
  /** Episodes to run. */
  episodes: number;
  /** Episode i resets with seed envSeed + i. */
  envSeed: number;
  /** Seed of the stochastic mode's action sampling. */
  actionSeed: number;
  signal?: AbortSignal | undefined;
  /** After each episode. */
  onEpisode?: ((index: number) => void) | undefined;
}

/** Simulator state of the innermost env, if it exposes a numeric `state` (the built-in classic-control envs do). */
function simulatorState(env: Env): number[] | null {
  const inner = (env as Env & { unwrapped?: Env }).unwrapped ?? env;
  const s = (inner as unknown as { state?: unknown }).state;
  return Array.isArray(s) && s.every((x) => typeof x === "number") ? [...(s as number[])] : null;
}

/** Roll the policy out for `options.episodes` episodes in one mode. */
export async function rollout(policy: Policy, experiment: ExplainedExperiment, mode: RolloutMode, options: RolloutOptions): Promise<ModeRollout> {
  const env = experiment.makeEnv();
  const deterministic = mode === "deterministic";
  const rng = new Rng(options.actionSeed);
  const source = experiment.source;
  const shaper = experiment.reward
    ? new RewardShaper(experiment.reward, experiment.spec, 1, source ? { locate: (err) => locateError(err, source.bundle, source.path) } : {})
    : null;
  const steps: StepRecord[] = [];
  const episodes: RolloutEpisode[] = [];
  const subgoals = experiment.subgoals ?? [];
  const runner =
    subgoals.length > 0
      ? new PredicateRunner(subgoals, experiment.spec.observationFields.map((f) => f.name), {
          envId: experiment.spec.id,
          ...(source ? { locate: (err: unknown) => locateError(err, source.bundle, source.path) } : {}),
          places: subgoals.map((sg) => sg.place),
        })
      : null;
  const tracker = runner ? new SubgoalTracker(subgoals.length, 1, 1) : null;
  for (let i = 0; i < options.episodes; i++) {
    options.signal?.throwIfAborted();
    const seed = options.envSeed + i;
    let obs = env.reset({ seed }).obs;
    const first = simulatorState(env);
    const states: number[][] | null = first ? [first] : null;
    const firstStep = steps.length;
    let total = 0;
    for (let t = 0; ; t++) {
      const out = policy.evaluate(obs);
      const action = policy.act(obs, env, deterministic, rng);
      const r = env.step(action);
      steps.push({
        mode,
        episode: i,
        step: t,
        obs,
        action,
        probabilities: out.probabilities,
        mean: out.mean,
        std: out.std,
        value: out.value,
        envReward: r.reward,
      });
      shaper?.shape(0, obs, action, r.obs, r.reward, r.terminated, r.truncated, t);
      if (runner) {
        runner.setState(r.obs);
        tracker!.observe(0, t, runner.test);
      }
      total += r.reward;
      if (states) states.push(simulatorState(env) ?? []);
      obs = r.obs;
      if (r.terminated || r.truncated) {
        // Terminated wins when both fire on one step: the MDP reached a terminal state.
        const ending = r.terminated
          ? { kind: "terminated" as const, cause: String(r.info.terminationCause ?? "terminated") }
          : { kind: "truncated" as const, cause: String(r.info.truncationCause ?? "truncated") };
        episodes.push({
          mode,
          episode: i,
          seed,
          return: total,
          length: t + 1,
          ending,
          firstStep,
          finalObs: obs,
          states,
          components: shaper ? shaper.takeEpisodeSums(0) : null,
          subgoalSteps: tracker ? tracker.endEpisode(0) : null,
        });
        break;
      }
    }
    options.onEpisode?.(i);
    // Let an abort (and the JSON-RPC connection) through between episodes.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { mode, episodes, steps, componentNames: shaper ? [...shaper.componentNames] : [], subgoals: subgoals.map((sg) => ({ name: sg.name, description: sg.description })) };
}
