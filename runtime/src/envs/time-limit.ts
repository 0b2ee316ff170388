/**
 * Gymnasium's `TimeLimit` wrapper (gymnasium/wrappers/common.py): counts steps since `reset` and
 * sets `truncated = true` on the step that reaches `maxEpisodeSteps`, whether or not the episode
 * also terminated on that step. The registry wraps every built-in env with it, using the spec's
 * `maxEpisodeSteps`, as `gymnasium.make` does.
 *
 * Truncation is decided here, not in the env, so the env cannot know the episode ended: this
 * wrapper enforces "step after the end of an episode is an error" itself.
 */
import type { Action, Env, ResetResult, StepResult } from "./types.js";
import { EnvWrapper } from "./wrapper.js";
import { TIME_LIMIT } from "./types.js";
import { assertEpisodeRunning } from "./episode-guard.js";

export class TimeLimit<A extends Action = Action> extends EnvWrapper<A> {
  private elapsed = 0;
  private needsReset = true;

  constructor(
    env: Env<A>,
    /** Steps after which the episode is truncated (Gymnasium's `max_episode_steps`). */
    readonly maxEpisodeSteps: number = env.spec.maxEpisodeSteps,
  ) {
    super(env);
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps <= 0) {
      throw new RangeError(`TimeLimit(${env.spec.id}): maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
    }
  }

  /** Steps taken in the current episode (Gymnasium's `_elapsed_steps`). */
  get elapsedSteps(): number {
    return this.elapsed;
  }

  /** The innermost env, past any stack of wrappers (Gymnasium's `env.unwrapped`). */
  get unwrapped(): Env<A> {
    const inner = this.env as Env<A> & { unwrapped?: Env<A> };
    return inner.unwrapped ?? inner;
  }

  reset(options?: { seed?: number }): ResetResult {
    this.elapsed = 0;
    const result = this.env.reset(options);
    this.needsReset = false;
    return result;
  }

  step(action: A): StepResult {
    assertEpisodeRunning(this.needsReset, this.spec.id);
    const result = this.env.step(action);
    this.elapsed += 1;
    let out = result;
    if (this.elapsed >= this.maxEpisodeSteps) {
      // A fresh info object: the env may hand out a shared one.
      out = { ...result, truncated: true, info: { ...result.info, truncationCause: TIME_LIMIT } };
    }
    if (out.terminated || out.truncated) this.needsReset = true;
    return out;
  }
}
