/**
 * MountainCarContinuous-v0, transcribed from Gymnasium's `classic_control/continuous_mountain_car.py`
 * (Olivier Sigaud's merge of Gymnasium's MountainCar with the FAReinforcement library's version),
 * after Moore (1990), "Efficient Memory-based Learning for Robot Control".
 *
 * ## Description
 * The MountainCar valley with a continuous engine: the car must rock back and forth to build
 * momentum and reach the flag on the right hilltop, while paying for the energy it uses.
 *
 * ## Action Space
 * Box(1) in [−1, 1]: the directional force on the car, multiplied by a power of 0.0015. Gymnasium
 * clips the force into [−1, 1] inside `step`; so does this env.
 *
 * ## Observation Space
 * Box(2): position ∈ [−1.2, 0.6] m, velocity ∈ [−0.07, 0.07].
 *
 * ## Transition Dynamics
 * velocity ← clip(velocity + force·power − 0.0025·cos(3·position), −0.07, 0.07);
 * position ← clip(position + velocity, −1.2, 0.6); hitting the left wall sets a negative velocity to 0.
 * The state is stored as float32 after each step, as Gymnasium does; the arithmetic in between is
 * float64 (NumPy 1.x promotion; NumPy 2's NEP 50 would keep some of it in float32, a difference
 * of a few float32 ulps).
 *
 * ## Rewards
 * −0.1·action² every step, +100 on the step that reaches the goal. As in Gymnasium the energy cost
 * uses the action as given, before clipping. Reward threshold 90.
 *
 * ## Starting State
 * Position uniform in [−0.6, −0.4), velocity 0.
 *
 * ## Episode End
 * Terminated when position ≥ 0.45 with velocity ≥ 0; truncated at 999 steps by the TimeLimit of the
 * v0 registration.
 */
import { EnvRng } from "../rng.js";
import { Box } from "./spaces.js";
import type { Env, EnvSpec, ResetResult, StepResult } from "./types.js";
import { assertEpisodeRunning, assertStateShape } from "./episode-guard.js";
import { readScalarBoxAction } from "./action-guard.js";

const MIN_ACTION = -1.0;
const MAX_ACTION = 1.0;
const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
/** 0.45 here (Arnaud de Broissia's version), 0.5 in the discrete MountainCar. */
const GOAL_POSITION = 0.45;
const GOAL_VELOCITY = 0;
/** Force per unit of action. */
const POWER = 0.0015;
const GRAVITY = 0.0025;
const GOAL_REWARD = 100.0;
const ACTION_COST = 0.1;

const GOAL_REACHED = "goal reached";
const ACTION_SPACE_TEXT = "Box(-1.0, 1.0, (1,), float32)";

export const MOUNTAIN_CAR_CONTINUOUS_SPEC: EnvSpec = {
  id: "MountainCarContinuous-v0",
  description:
    "A car starts at the bottom of a sinusoidal valley with an engine too weak to climb the right hill directly. Apply a continuous force to rock back and forth, build momentum and reach the flag on the right hilltop, paying a small cost for the force used.",
  observationFields: [
    { name: "position", description: "car position along the x-axis (m); the goal is at 0.45, the valley floor near -0.52", low: MIN_POSITION, high: MAX_POSITION },
    { name: "velocity", description: "car velocity (m per step, positive to the right)", low: -MAX_SPEED, high: MAX_SPEED },
  ],
  actionMeanings: ["force on the car: negative pushes left, positive pushes right (clipped to [-1, 1], times power 0.0015)"],
  docs: {
    actionSpace: "Box(1) in [-1, 1]: the directional force on the car, clipped to [-1, 1] and multiplied by a power of 0.0015.",
    observationSpace: "Box(2): car position in [-1.2, 0.6] m, car velocity in [-0.07, 0.07].",
    rewards: "-0.1 * action^2 every step (action as given, before clipping), plus 100 on the step that reaches the goal. Reward threshold: 90.",
    startingState: "Position uniform in [-0.6, -0.4), velocity 0.",
    episodeEnd: "Terminated when position >= 0.45 with velocity >= 0. Truncated after 999 steps.",
  },
  maxEpisodeSteps: 999,
  rewardThreshold: 90,
  terminationCauses: [GOAL_REACHED],
  successCauses: [GOAL_REACHED],
  actionSpace: { kind: "box", low: [MIN_ACTION], high: [MAX_ACTION] },
};

export class MountainCarContinuousEnv implements Env<Float32Array> {
  readonly spec = MOUNTAIN_CAR_CONTINUOUS_SPEC;
  readonly observationSpace = new Box(new Float32Array([MIN_POSITION, -MAX_SPEED]), new Float32Array([MAX_POSITION, MAX_SPEED]));
  readonly actionSpace = Box.uniform(1, MIN_ACTION, MAX_ACTION);

  /** Seeded by `reset({ seed })`; from OS entropy at the first reset without one (Gymnasium's `np_random`). */
  private readonly rng = new EnvRng();
  private position = 0;
  private velocity = 0;
  private needsReset = true;

  reset(options: { seed?: number } = {}): ResetResult {
    this.rng.forReset(options.seed);
    // Float64 at reset; float32 after the first step (Gymnasium stores the stepped state as float32).
    this.position = this.rng.uniform(-0.6, -0.4);
    this.velocity = 0;
    this.needsReset = false;
    return { obs: this.observation(), info: {} };
  }

  step(action: Float32Array): StepResult {
    assertEpisodeRunning(this.needsReset, this.spec.id);
    const a = readScalarBoxAction(action, this.spec.id, ACTION_SPACE_TEXT);
    let position = this.position;
    let velocity = this.velocity;
    const force = Math.min(Math.max(a, MIN_ACTION), MAX_ACTION);

    velocity += force * POWER - GRAVITY * Math.cos(3 * position);
    if (velocity > MAX_SPEED) velocity = MAX_SPEED;
    if (velocity < -MAX_SPEED) velocity = -MAX_SPEED;
    position += velocity;
    if (position > MAX_POSITION) position = MAX_POSITION;
    if (position < MIN_POSITION) position = MIN_POSITION;
    // Inelastic collision with the left wall.
    if (position === MIN_POSITION && velocity < 0) velocity = 0;

    const terminated = position >= GOAL_POSITION && velocity >= GOAL_VELOCITY;
    let reward = 0;
    if (terminated) reward = GOAL_REWARD;
    reward -= Math.pow(a, 2) * ACTION_COST;

    // self.state = np.array([position, velocity], dtype=np.float32)
    this.position = Math.fround(position);
    this.velocity = Math.fround(velocity);
    const info: Record<string, unknown> = {};
    if (terminated) {
      this.needsReset = true;
      info.terminationCause = GOAL_REACHED;
    }
    return { obs: this.observation(), reward, terminated, truncated: false, info };
  }

  /** State [position, velocity] (float64 after reset, float32 values after a step), for tests and replays. */
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
