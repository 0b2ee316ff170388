/**
 * Sample transitions for trying candidate rewards before anyone sees them: random-policy rollouts
 * of the experiment's own env (uniform actions from the action space, as Gymnasium's
 * `action_space.sample()`), run until enough transitions are collected, episode ends included.
 */
import type { Env, EnvSpec } from "../envs/types.js";
import { Rng } from "../rng.js";
import type { TransitionLayout } from "./sandbox.js";

/** How obs, action and nextObs of `spec` appear in the sandbox. */
export function layoutOf(spec: EnvSpec): TransitionLayout {
  return {
    fields: spec.observationFields.map((f) => f.name),
    actionKind: spec.actionSpace.kind,
    actionSize: spec.actionSpace.kind === "discrete" ? 1 : spec.actionSpace.low.length,
  };
}

export interface SampleOptions {
  /** Transitions to collect (default 128). */
  count?: number;
  /** Seeds the env resets and the random policy (default 0). */
  seed?: number;
}

/**
 * Input rows (obs, action, nextObs, envReward, terminated, truncated, episodeStep; see
 * `SandboxedReward.setInput`) from random-policy rollouts of a fresh env.
 */
export function sampleTransitions(makeEnv: () => Env, options: SampleOptions = {}): number[][] {
  const count = options.count ?? 128;
  const seed = options.seed ?? 0;
  const env = makeEnv();
  const rng = new Rng(seed);
  const rows: number[][] = [];
  let episode = 0;
  let obs = env.reset({ seed }).obs;
  let step = 0;
  while (rows.length < count) {
    const sampled = env.actionSpace.sample(rng);
    const action = typeof sampled === "number" ? sampled : Float32Array.from(sampled);
    const r = env.step(action as never);
    const actionValues = typeof action === "number" ? [action] : Array.from(action);
    rows.push([...obs, ...actionValues, ...r.obs, r.reward, r.terminated ? 1 : 0, r.truncated ? 1 : 0, step]);
    step++;
    if (r.terminated || r.truncated) {
      episode++;
      obs = env.reset({ seed: seed + episode }).obs;
      step = 0;
    } else {
      obs = r.obs;
    }
  }
  return rows;
}
