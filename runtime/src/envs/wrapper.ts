/**
 * Gymnasium's `Wrapper` (gymnasium/core.py): an env around another env, passing its spec and
 * spaces through unchanged; subclasses override `reset`/`step` to change what crosses.
 */
import type { Action, Env, EnvSpec, ResetResult, StepResult, TextView } from "./types.js";

export abstract class EnvWrapper<A extends Action = Action> implements Env<A> {
  constructor(
    /** The wrapped env. */
    readonly env: Env<A>,
  ) {}

  get spec(): EnvSpec {
    return this.env.spec;
  }

  get observationSpace(): Env<A>["observationSpace"] {
    return this.env.observationSpace;
  }

  get actionSpace(): Env<A>["actionSpace"] {
    return this.env.actionSpace;
  }

  /** The wrapped env's text view, when it has one (TWOSOME's text envs: envs/text/). */
  get text(): TextView | undefined {
    return this.env.text;
  }

  abstract reset(options?: { seed?: number }): ResetResult;
  abstract step(action: A): StepResult;
}
