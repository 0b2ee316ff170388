/**
 * Acrobot-v1, transcribed from Gymnasium's `classic_control/acrobot.py` (itself from RLPy), after
 * Sutton (1996), "Generalization in Reinforcement Learning: Successful Examples Using Sparse Coarse
 * Coding", and Sutton & Barto's book. Dynamics are the book's (`book_or_nips = "book"`).
 *
 * ## Description
 * Two links hang in a chain from a fixed pivot; only the joint between them is actuated. Starting
 * hanging down, swing the free end of the outer link above a target height one link-length above
 * the pivot.
 *
 * ## Action Space
 * Discrete(3): torque on the actuated joint of −1 (0), 0 (1) or +1 (2) N·m.
 *
 * ## Observation Space
 * Box(6): cos θ1, sin θ1, cos θ2, sin θ2 ∈ [−1, 1], θ̇1 ∈ [−4π, 4π], θ̇2 ∈ [−9π, 9π] rad/s.
 * θ1 is the first link's angle from straight down; θ2 is the second link's angle relative to the first.
 *
 * ## Rewards
 * −1 for every step that does not reach the target, 0 for the step that does. Reward threshold −100.
 *
 * ## Starting State
 * θ1, θ2, θ̇1, θ̇2 each uniform in (−0.1, 0.1), stored as float32 as Gymnasium does: both links hang down.
 *
 * ## Episode End
 * Terminated when −cos θ1 − cos(θ1 + θ2) > 1 (the free end is above the target height);
 * truncated at 500 steps by the TimeLimit of the v1 registration.
 */
import { EnvRng } from "../rng.js";
import { Box, Discrete } from "./spaces.js";
import type { Env, EnvSpec, ResetResult, StepResult } from "./types.js";
import { assertEpisodeRunning, assertStateShape } from "./episode-guard.js";
import { assertDiscreteAction } from "./action-guard.js";

/** Seconds per step: one RK4 step over [0, DT]. */
const DT = 0.2;
const LINK_LENGTH_1 = 1.0; // [m]
const LINK_MASS_1 = 1.0; // [kg]
const LINK_MASS_2 = 1.0; // [kg]
/** Position of each link's centre of mass along the link [m]. */
const LINK_COM_POS_1 = 0.5;
const LINK_COM_POS_2 = 0.5;
/** Moment of inertia of both links. */
const LINK_MOI = 1.0;
const GRAVITY = 9.8;
const MAX_VEL_1 = 4 * Math.PI;
const MAX_VEL_2 = 9 * Math.PI;
/** Torque for actions 0, 1, 2 (`AVAIL_TORQUE`). Gymnasium's `torque_noise_max` is 0: no noise. */
const AVAIL_TORQUE = [-1.0, 0.0, 1.0] as const;
const TARGET_HEIGHT = 1.0;
const RESET_BOUND = 0.1;

const TARGET_REACHED = "target height reached";

export const ACROBOT_SPEC: EnvSpec = {
  id: "Acrobot-v1",
  description:
    "Two links hang in a chain from a fixed pivot and only the joint between them is actuated. Starting hanging down, apply torque at that joint to swing the free end above a target height one link-length above the pivot, in as few steps as possible.",
  observationFields: [
    { name: "cosTheta1", description: "cosine of the first link's angle from straight down (1 = hanging down)", low: -1, high: 1 },
    { name: "sinTheta1", description: "sine of the first link's angle from straight down", low: -1, high: 1 },
    { name: "cosTheta2", description: "cosine of the second link's angle relative to the first (1 = links aligned)", low: -1, high: 1 },
    { name: "sinTheta2", description: "sine of the second link's angle relative to the first", low: -1, high: 1 },
    { name: "thetaDot1", description: "angular velocity of the first link (rad/s), bounded at ±4π", low: -MAX_VEL_1, high: MAX_VEL_1 },
    { name: "thetaDot2", description: "angular velocity of the second link relative to the first (rad/s), bounded at ±9π", low: -MAX_VEL_2, high: MAX_VEL_2 },
  ],
  actionMeanings: ["apply -1 N·m torque to the actuated joint", "apply no torque", "apply +1 N·m torque to the actuated joint"],
  docs: {
    actionSpace: "Discrete(3): torque on the joint between the two links of -1 (action 0), 0 (action 1) or +1 (action 2) N m.",
    observationSpace:
      "Box(6): cos(theta1), sin(theta1), cos(theta2), sin(theta2) in [-1, 1], angular velocity of theta1 in [-4pi, 4pi], of theta2 in [-9pi, 9pi] rad/s. theta1 is measured from straight down; theta2 is relative to the first link.",
    rewards: "-1 for every step that does not reach the target height, 0 on the step that reaches it. Reward threshold: -100.",
    startingState: "theta1, theta2 and both angular velocities uniform in (-0.1, 0.1): both links hang down.",
    episodeEnd:
      "Terminated when the free end is above the target height: -cos(theta1) - cos(theta1 + theta2) > 1. Truncated after 500 steps.",
  },
  maxEpisodeSteps: 500,
  rewardThreshold: -100,
  terminationCauses: [TARGET_REACHED],
  successCauses: [TARGET_REACHED],
  actionSpace: { kind: "discrete", n: 3 },
};

export class AcrobotEnv implements Env<number> {
  readonly spec = ACROBOT_SPEC;
  readonly observationSpace = new Box(
    new Float32Array([-1, -1, -1, -1, -MAX_VEL_1, -MAX_VEL_2]),
    new Float32Array([1, 1, 1, 1, MAX_VEL_1, MAX_VEL_2]),
  );
  readonly actionSpace = new Discrete(3);

  /** Seeded by `reset({ seed })`; from OS entropy at the first reset without one (Gymnasium's `np_random`). */
  private readonly rng = new EnvRng();
  private theta1 = 0;
  private theta2 = 0;
  private dtheta1 = 0;
  private dtheta2 = 0;
  private needsReset = true;
  /** Output of `dsdt`: the two angular accelerations (no allocation per RK4 stage). */
  private ddtheta1 = 0;
  private ddtheta2 = 0;

  reset(options: { seed?: number } = {}): ResetResult {
    this.rng.forReset(options.seed);
    // np_random.uniform(-0.1, 0.1, size=(4,)).astype(np.float32)
    this.theta1 = Math.fround(this.rng.uniform(-RESET_BOUND, RESET_BOUND));
    this.theta2 = Math.fround(this.rng.uniform(-RESET_BOUND, RESET_BOUND));
    this.dtheta1 = Math.fround(this.rng.uniform(-RESET_BOUND, RESET_BOUND));
    this.dtheta2 = Math.fround(this.rng.uniform(-RESET_BOUND, RESET_BOUND));
    this.needsReset = false;
    return { obs: this.observation(), info: {} };
  }

  step(action: number): StepResult {
    assertEpisodeRunning(this.needsReset, this.spec.id);
    assertDiscreteAction(action, 3, this.spec.id);
    const torque = AVAIL_TORQUE[action]!;

    // rk4(self._dsdt, s_augmented, [0, dt]): one classical Runge–Kutta step; the torque is
    // held constant over the step (its derivative is 0). Same operation order as Gymnasium's rk4.
    const dt = DT;
    const dt2 = dt / 2.0;
    const y0 = this.theta1, y1 = this.theta2, y2 = this.dtheta1, y3 = this.dtheta2;

    this.dsdt(y0, y1, y2, y3, torque);
    const k1a = y2, k1b = y3, k1c = this.ddtheta1, k1d = this.ddtheta2;
    this.dsdt(y0 + dt2 * k1a, y1 + dt2 * k1b, y2 + dt2 * k1c, y3 + dt2 * k1d, torque);
    const k2a = y2 + dt2 * k1c, k2b = y3 + dt2 * k1d, k2c = this.ddtheta1, k2d = this.ddtheta2;
    this.dsdt(y0 + dt2 * k2a, y1 + dt2 * k2b, y2 + dt2 * k2c, y3 + dt2 * k2d, torque);
    const k3a = y2 + dt2 * k2c, k3b = y3 + dt2 * k2d, k3c = this.ddtheta1, k3d = this.ddtheta2;
    this.dsdt(y0 + dt * k3a, y1 + dt * k3b, y2 + dt * k3c, y3 + dt * k3d, torque);
    const k4a = y2 + dt * k3c, k4b = y3 + dt * k3d, k4c = this.ddtheta1, k4d = this.ddtheta2;

    const w = dt / 6.0;
    const n0 = y0 + w * (k1a + 2 * k2a + 2 * k3a + k4a);
    const n1 = y1 + w * (k1b + 2 * k2b + 2 * k3b + k4b);
    const n2 = y2 + w * (k1c + 2 * k2c + 2 * k3c + k4c);
    const n3 = y3 + w * (k1d + 2 * k2d + 2 * k3d + k4d);

    // Angles wrap into [−π, π]; angular velocities are clipped (Gymnasium's wrap() and bound()).
    this.theta1 = wrap(n0, -Math.PI, Math.PI);
    this.theta2 = wrap(n1, -Math.PI, Math.PI);
    this.dtheta1 = bound(n2, -MAX_VEL_1, MAX_VEL_1);
    this.dtheta2 = bound(n3, -MAX_VEL_2, MAX_VEL_2);

    const terminated = -Math.cos(this.theta1) - Math.cos(this.theta2 + this.theta1) > TARGET_HEIGHT;
    const info: Record<string, unknown> = {};
    if (terminated) {
      this.needsReset = true;
      info.terminationCause = TARGET_REACHED;
    }
    return { obs: this.observation(), reward: terminated ? 0.0 : -1.0, terminated, truncated: false, info };
  }

  /** Full float64 state [θ1, θ2, θ̇1, θ̇2], for tests and the explanation replay. */
  get state(): [number, number, number, number] {
    return [this.theta1, this.theta2, this.dtheta1, this.dtheta2];
  }

  /**
   * Puts the env in state [θ1, θ2, θ̇1, θ̇2] as if `reset` had produced it (for tests and replays;
   * Gymnasium's equivalent is assigning `env.unwrapped.state`). Returns that state's observation.
   */
  setState(state: readonly [number, number, number, number]): Float32Array {
    assertStateShape(this.spec.id, ["theta1", "theta2", "thetaDot1", "thetaDot2"], state);
    [this.theta1, this.theta2, this.dtheta1, this.dtheta2] = state;
    this.needsReset = false;
    return this.observation();
  }

  /**
   * Angular accelerations of the book's equations of motion (Sutton & Barto; Gymnasium's `_dsdt`
   * with `book_or_nips == "book"`), written into `ddtheta1`/`ddtheta2`.
   */
  private dsdt(theta1: number, theta2: number, dtheta1: number, dtheta2: number, a: number): void {
    const m1 = LINK_MASS_1;
    const m2 = LINK_MASS_2;
    const l1 = LINK_LENGTH_1;
    const lc1 = LINK_COM_POS_1;
    const lc2 = LINK_COM_POS_2;
    const I1 = LINK_MOI;
    const I2 = LINK_MOI;
    const g = GRAVITY;
    const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(theta2)) + I1 + I2;
    const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(theta2)) + I2;
    const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - Math.PI / 2.0);
    const phi1 =
      -m2 * l1 * lc2 * dtheta2 ** 2 * Math.sin(theta2) -
      2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2) +
      (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - Math.PI / 2) +
      phi2;
    // The book's form: includes the −m2·l1·lc2·θ̇1²·sin θ2 term the NIPS paper omitted.
    const ddtheta2 =
      (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * dtheta1 ** 2 * Math.sin(theta2) - phi2) / (m2 * lc2 ** 2 + I2 - d2 ** 2 / d1);
    this.ddtheta2 = ddtheta2;
    this.ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  }

  private observation(): Float32Array {
    return Float32Array.of(Math.cos(this.theta1), Math.sin(this.theta1), Math.cos(this.theta2), Math.sin(this.theta2), this.dtheta1, this.dtheta2);
  }
}

/** Gymnasium's `wrap(x, m, M)`: shifts x by whole periods (M − m) until m ≤ x ≤ M. */
export function wrap(x: number, m: number, M: number): number {
  const diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

/** Gymnasium's `bound(x, m, M)`: clips x into [m, M]. */
export function bound(x: number, m: number, M: number): number {
  return Math.min(Math.max(x, m), M);
}
