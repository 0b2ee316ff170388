/**
 * MountainCar-v0, transcribed from Gymnasium's `classic_control/mountain_car.py`, after Moore (1990),
 * "Efficient Memory-based Learning for Robot Control", and Sutton's MountainCar1.cp.
 *
 * ## Description
 * A car sits at the bottom of a sinusoidal valley. Its engine is too weak to drive straight up the
 * right hill; it must rock back and forth to build momentum and reach the flag on the right hilltop.
 *
 * ## Action Space
 * Discrete(3): 0 accelerates to the left, 1 does not accelerate, 2 accelerates to the right.
 *
 * ## Observation Space
 * Box(2): position ∈ [−1.2, 0.6] m, velocity ∈ [−0.07, 0.07].
 *
 * ## Transition Dynamics
 * velocity ← clip(velocity + (action − 1)·force − cos(3·position)·gravity, −0.07, 0.07);
 * position ← clip(position + velocity, −1.2, 0.6); hitting the left wall sets a negative velocity
 * to 0 (inelastic collision). force = 0.001, gravity = 0.0025.
 *
 * ## Rewards
 * −1 for every step. Reward threshold −110.
 *
 * ## Starting State
 * Position uniform in [−0.6, −0.4), velocity 0.
 *
 * ## Episode End
 * Terminated when position ≥ 0.5 with velocity ≥ 0 (the flag); truncated at 200 steps by the
 * TimeLimit of the v0 registration.
 */
import { EnvRng } from "../rng.js";
import { Box, Discrete } from "./spaces.js";
import type { Env, EnvSpec, ResetResult, StepResult } from "./types.js";
import { assertEpisodeRunning, assertStateShape } from "./episode-guard.js";
import { assertDiscreteAction } from "./action-guard.js";

const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
const GOAL_POSITION = 0.5;
/** Gymnasium's `goal_velocity` default: the car must reach the flag moving right (or still). */
const GOAL_VELOCITY = 0;
const FORCE = 0.001;
const GRAVITY = 0.0025;

const GOAL_REACHED = "goal reached";

export const MOUNTAIN_CAR_SPEC: EnvSpec = {
  id: "MountainCar-v0",
  description:
    "A car starts at the bottom of a sinusoidal valley. Its engine is too weak to climb the right hill directly, so it must rock back and forth to build momentum and reach the flag on top of the right hill as quickly as possible.",
  observationFields: [
    { name: "position", description: "car position along the x-axis (m); the flag is at 0.5, the valley floor near -0.52", low: MIN_POSITION, high: MAX_POSITION },
    { name: "velocity", description: "car velocity (m per step, positive to the right)", low: -MAX_SPEED, high: MAX_SPEED },
  ],
  actionMeanings: ["accelerate to the left", "don't accelerate", "accelerate to the right"],
  docs: {
    actionSpace: "Discrete(3): 0 accelerates to the left, 1 does not accelerate, 2 accelerates to the right.",
    observationSpace: "Box(2): car position in [-1.2, 0.6] m, car velocity in [-0.07, 0.07].",
    rewards: "-1 for every step. Reward threshold: -110.",
    startingState: "Position uniform in [-0.6, -0.4), velocity 0.",
    episodeEnd: "Terminated when position >= 0.5 (the flag on the right hilltop) with velocity >= 0. Truncated after 200 steps.",
  },
  maxEpisodeSteps: 200,
  rewardThreshold: -110,
  terminationCauses: [GOAL_REACHED],
  successCauses: [GOAL_REACHED],
  actionSpace: { kind: "discrete", n: 3 },
};

export class MountainCarEnv implements Env<number> {
  readonly spec = MOUNTAIN_CAR_SPEC;
  readonly observationSpace = new Box(new Float32Array([MIN_POSITION, -MAX_SPEED]), new Float32Array([MAX_POSITION, MAX_SPEED]));
  readonly actionSpace = new Discrete(3);

  /** Seeded by `reset({ seed })`; from OS entropy at the first reset without one (Gymnasium's `np_random`). */
  private readonly rng = new EnvRng();
  private position = 0;
  private velocity = 0;
  private needsReset = true;

  reset(options: { seed?: number } = {}): ResetResult {
    this.rng.forReset(options.seed);
    this.position = this.rng.uniform(-0.6, -0.4);
    this.velocity = 0;
    this.needsReset = false;
    return { obs: this.observation(), info: {} };
  }

  step(action: number): StepResult {
    assertEpisodeRunning(this.needsReset, this.spec.id);
    assertDiscreteAction(action, 3, this.spec.id);
    let position = this.position;
    let velocity = this.velocity;
    velocity += (action - 1) * FORCE + Math.cos(3 * position) * -GRAVITY;
    velocity = clip(velocity, -MAX_SPEED, MAX_SPEED);
    position += velocity;
    position = clip(position, MIN_POSITION, MAX_POSITION);
    // Inelastic collision with the left wall.
    if (position === MIN_POSITION && velocity < 0) velocity = 0;

    const terminated = position >= GOAL_POSITION && velocity >= GOAL_VELOCITY;
    this.position = position;
    this.velocity = velocity;
    const info: Record<string, unknown> = {};
    if (terminated) {
      this.needsReset = true;
      info.terminationCause = GOAL_REACHED;
    }
    return { obs: this.observation(), reward: -1.0, terminated, truncated: false, info };
  }

  /** Full float64 state [position, velocity], for tests and the explanation replay. */
  get state(): [number, number] {
    return [this.position, this.velocity];
  }

  /**
   * Puts the env in state [position, velocity] as if `reset` had produced it (for tests and replays;
   * Gymnasium's equivalent is assigning `env.unwrapped.state`). Returns that state's observation.
   */
  setState(state: readonly [number, number]): Float32Array {
    assertStateShape(this.spec.id, ["position", "velocity"], state);
    [this.position, this.velocity] = state;
    this.needsReset = false;
    return this.observation();
  }

  private observation(): Float32Array {
    return Float32Array.of(this.position, this.velocity);
  }
}

/** np.clip for a scalar. */
function clip(x: number, low: number, high: number): number {
  return x < low ? low : x > high ? high : x;
}
