/**
 * Pendulum-v1, transcribed from Gymnasium's `classic_control/pendulum.py` (the classic inverted
 * pendulum swing-up problem of control theory).
 *
 * ## Description
 * A pendulum hangs from a fixed pivot and starts at a random angle. Apply torque at the pivot to
 * swing it up and keep it balanced upright, with as little speed and torque as possible.
 * θ = 0 is upright; torque is positive counter-clockwise.
 *
 * ## Action Space
 * Box(1) in [−2, 2]: torque at the pivot (N·m). Gymnasium clips the torque into [−2, 2] inside
 * `step`; so does this env.
 *
 * ## Observation Space
 * Box(3): x = cos θ, y = sin θ ∈ [−1, 1] (the free end's coordinates), θ̇ ∈ [−8, 8] rad/s.
 *
 * ## Transition Dynamics
 * θ̇ ← clip(θ̇ + (3g/(2l)·sin θ + 3/(m l²)·u)·dt, −8, 8); θ ← θ + θ̇·dt (semi-implicit Euler),
 * with g = 10, m = 1, l = 1, dt = 0.05.
 *
 * ## Rewards
 * −(θ² + 0.1·θ̇² + 0.001·u²), θ normalised into [−π, π) and u the clipped torque, all taken before
 * the update. Between −16.2736044 and 0. No reward threshold.
 *
 * ## Starting State
 * θ uniform in [−π, π), θ̇ uniform in [−1, 1).
 *
 * ## Episode End
 * Never terminates; truncated at 200 steps by the TimeLimit of the v1 registration.
 *
 * Arithmetic is float64 throughout, as Gymnasium computes under NumPy 1.x, where a float32 scalar
 * combined with a Python number promotes to float64: u is the float32 action's value, and u², 0.001·u²
 * and 3/(m l²)·u are float64 products (no rounding to float32). Under NumPy 2 (NEP 50) those three
 * products of the float32 action are float32, which moves rewards and θ̇ by about 1e-8 relative.
 */
import { EnvRng } from "../rng.js";
import { Box } from "./spaces.js";
import type { Env, EnvSpec, ResetResult, StepResult } from "./types.js";
import { assertEpisodeRunning, assertStateShape } from "./episode-guard.js";
import { readScalarBoxAction } from "./action-guard.js";

const MAX_SPEED = 8;
const MAX_TORQUE = 2.0;
/** Seconds per step. */
const DT = 0.05;
/** Gravity (Gymnasium's default `g=10.0`, not 9.81). */
const GRAVITY = 10.0;
const MASS = 1.0;
const LENGTH = 1.0;
/** Reset bounds: θ in ±DEFAULT_X, θ̇ in ±DEFAULT_Y. */
const DEFAULT_X = Math.PI;
const DEFAULT_Y = 1.0;

const ACTION_SPACE_TEXT = "Box(-2.0, 2.0, (1,), float32)";

export const PENDULUM_SPEC: EnvSpec = {
  id: "Pendulum-v1",
  description:
    "A pendulum hangs from a fixed pivot and starts at a random angle. Apply torque at the pivot to swing it up and keep it balanced upright (theta = 0), using little speed and torque.",
  observationFields: [
    { name: "cosTheta", description: "cosine of the pendulum angle (1 = upright); x-coordinate of the free end (m)", low: -1, high: 1 },
    { name: "sinTheta", description: "sine of the pendulum angle (positive counter-clockwise); y-coordinate of the free end (m)", low: -1, high: 1 },
    { name: "thetaDot", description: "angular velocity (rad/s, positive counter-clockwise), bounded at ±8", low: -MAX_SPEED, high: MAX_SPEED },
  ],
  actionMeanings: ["torque at the pivot in N m, positive counter-clockwise (clipped to [-2, 2])"],
  docs: {
    actionSpace: "Box(1) in [-2, 2]: torque applied at the pivot (N m, positive counter-clockwise), clipped to [-2, 2].",
    observationSpace: "Box(3): x = cos(theta) in [-1, 1], y = sin(theta) in [-1, 1], angular velocity in [-8, 8] rad/s.",
    rewards:
      "-(theta^2 + 0.1 * thetaDot^2 + 0.001 * torque^2), theta normalised to [-pi, pi) with 0 upright, taken before the update. Ranges from -16.2736044 to 0. No reward threshold.",
    startingState: "Angle uniform in [-pi, pi), angular velocity uniform in [-1, 1).",
    episodeEnd: "Never terminates. Truncated after 200 steps.",
  },
  maxEpisodeSteps: 200,
  terminationCauses: [],
  actionSpace: { kind: "box", low: [-MAX_TORQUE], high: [MAX_TORQUE] },
};

export class PendulumEnv implements Env<Float32Array> {
  readonly spec = PENDULUM_SPEC;
  readonly observationSpace = new Box(new Float32Array([-1, -1, -MAX_SPEED]), new Float32Array([1, 1, MAX_SPEED]));
  readonly actionSpace = Box.uniform(1, -MAX_TORQUE, MAX_TORQUE);

  /** Seeded by `reset({ seed })`; from OS entropy at the first reset without one (Gymnasium's `np_random`). */
  private readonly rng = new EnvRng();
  private theta = 0;
  private thetaDot = 0;
  private needsReset = true;

  reset(options: { seed?: number } = {}): ResetResult {
    this.rng.forReset(options.seed);
    this.theta = this.rng.uniform(-DEFAULT_X, DEFAULT_X);
    this.thetaDot = this.rng.uniform(-DEFAULT_Y, DEFAULT_Y);
    this.needsReset = false;
    return { obs: this.observation(), info: {} };
  }

  step(action: Float32Array): StepResult {
    assertEpisodeRunning(this.needsReset, this.spec.id);
    const th = this.theta;
    const thdot = this.thetaDot;
    const g = GRAVITY;
    const m = MASS;
    const l = LENGTH;
    const dt = DT;

    // u = np.clip(u, -max_torque, max_torque)[0], a float32 as the Box's dtype.
    const u = Math.fround(clip(readScalarBoxAction(action, this.spec.id, ACTION_SPACE_TEXT), -MAX_TORQUE, MAX_TORQUE));
    // angle_normalize(th) ** 2 + 0.1 * thdot**2 + 0.001 * (u**2), left to right; x**2 is one correctly rounded x·x.
    const an = angleNormalize(th);
    const costs = an * an + 0.1 * (thdot * thdot) + 0.001 * (u * u);

    let newthdot = thdot + ((3 * g) / (2 * l) * Math.sin(th) + (3.0 / (m * l ** 2)) * u) * dt;
    newthdot = clip(newthdot, -MAX_SPEED, MAX_SPEED);
    const newth = th + newthdot * dt;

    this.theta = newth;
    this.thetaDot = newthdot;
    return { obs: this.observation(), reward: -costs, terminated: false, truncated: false, info: {} };
  }

  /** Full float64 state [θ, θ̇] (θ not wrapped, as in Gymnasium), for tests and the explanation replay. */
  get state(): [number, number] {
    return [this.theta, this.thetaDot];
  }

  /**
   * Puts the env in state [θ, θ̇] as if `reset` had produced it (for tests and replays;
   * Gymnasium's equivalent is assigning `env.unwrapped.state`). Returns that state's observation.
   */
  setState(state: readonly [number, number]): Float32Array {
    assertStateShape(this.spec.id, ["theta", "thetaDot"], state);
    [this.theta, this.thetaDot] = state;
    this.needsReset = false;
    return this.observation();
  }

  private observation(): Float32Array {
    return Float32Array.of(Math.cos(this.theta), Math.sin(this.theta), this.thetaDot);
  }
}

/** Gymnasium's `angle_normalize`: ((x + π) mod 2π) − π, with Python's floored modulo, into [−π, π). */
export function angleNormalize(x: number): number {
  const period = 2 * Math.PI;
  let r = (x + Math.PI) % period;
  if (r < 0) r += period; // JavaScript's % keeps the dividend's sign; Python's takes the divisor's.
  return r - Math.PI;
}

function clip(x: number, low: number, high: number): number {
  return x < low ? low : x > high ? high : x;
}
