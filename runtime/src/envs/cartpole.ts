/**
 * CartPole-v1, transcribed from Gymnasium's `classic_control/cartpole.py` (Barto, Sutton & Anderson 1983).
 *
 * ## Description
 * A pole is attached by an un-actuated joint to a cart moving along a frictionless track. The pole
 * starts upright; the goal is to balance it by pushing the cart left or right.
 *
 * ## Action Space
 * Discrete(2): 0 pushes the cart to the left, 1 pushes it to the right, with a fixed force of 10 N.
 *
 * ## Observation Space
 * Box(4): cart position x ∈ [−4.8, 4.8], cart velocity, pole angle θ ∈ [−0.419, 0.419] rad,
 * pole angular velocity. The episode terminates long before x or θ reach those bounds.
 *
 * ## Rewards
 * +1 for every step taken, including the terminating one.
 *
 * ## Starting State
 * All four state variables uniform in (−0.05, 0.05).
 *
 * ## Episode End
 * Terminated when |θ| > 12° (0.2095 rad) or |x| > 2.4 (the cart's centre leaves the display);
 * truncated at 500 steps by the TimeLimit of the v1 registration.
 */
import { EnvRng } from "../rng.js";
import { Box, Discrete } from "./spaces.js";
import type { Env, EnvSpec, ResetResult, StepResult } from "./types.js";
import { assertEpisodeRunning, assertStateShape } from "./episode-guard.js";

const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_POLE + MASS_CART;
/** Half the pole's length, as in Gymnasium. */
const POLE_HALF_LENGTH = 0.5;
const POLE_MASS_LENGTH = MASS_POLE * POLE_HALF_LENGTH;
const FORCE_MAG = 10.0;
/** Seconds between state updates (explicit Euler). */
const TAU = 0.02;
const THETA_THRESHOLD_RADIANS = (12 * 2 * Math.PI) / 360;
const X_THRESHOLD = 2.4;

export const CARTPOLE_SPEC: EnvSpec = {
  id: "CartPole-v1",
  description:
    "A pole is attached by an un-actuated joint to a cart that moves along a frictionless track. The pole starts upright; balance it by pushing the cart left or right.",
  observationFields: [
    { name: "x", description: "cart position (m)", low: -X_THRESHOLD * 2, high: X_THRESHOLD * 2, episodeRange: [-X_THRESHOLD, X_THRESHOLD] },
    { name: "xDot", description: "cart velocity (m/s)", low: -Infinity, high: Infinity },
    {
      name: "theta",
      description: "pole angle from vertical (rad, positive leans right)",
      low: -THETA_THRESHOLD_RADIANS * 2,
      high: THETA_THRESHOLD_RADIANS * 2,
      episodeRange: [-THETA_THRESHOLD_RADIANS, THETA_THRESHOLD_RADIANS],
    },
    { name: "thetaDot", description: "pole angular velocity (rad/s)", low: -Infinity, high: Infinity },
  ],
  actionMeanings: ["push cart to the left", "push cart to the right"],
  docs: {
    actionSpace: "Discrete(2): 0 pushes the cart to the left, 1 pushes it to the right (fixed force of 10 N).",
    observationSpace:
      "Box(4): cart position x in [-4.8, 4.8], cart velocity in (-inf, inf), pole angle theta in [-0.419, 0.419] rad, pole angular velocity in (-inf, inf).",
    rewards: "+1 for every step taken, including the terminating step. Reward threshold: 475.",
    startingState: "All observations uniform in (-0.05, 0.05).",
    episodeEnd:
      "Terminated when |theta| > 0.2095 rad (12 degrees) or |x| > 2.4. Truncated after 500 steps.",
  },
  maxEpisodeSteps: 500,
  rewardThreshold: 475,
  terminationCauses: ["pole angle", "cart position"],
  actionSpace: { kind: "discrete", n: 2 },
};

export class CartPoleEnv implements Env<number> {
  readonly spec = CARTPOLE_SPEC;
  readonly observationSpace = new Box(
    new Float32Array([-X_THRESHOLD * 2, -Infinity, -THETA_THRESHOLD_RADIANS * 2, -Infinity]),
    new Float32Array([X_THRESHOLD * 2, Infinity, THETA_THRESHOLD_RADIANS * 2, Infinity]),
  );
  readonly actionSpace = new Discrete(2);

  /** Seeded by `reset({ seed })`; from OS entropy at the first reset without one (Gymnasium's `np_random`). */
  private readonly rng = new EnvRng();
  private x = 0;
  private xDot = 0;
  private theta = 0;
  private thetaDot = 0;
  private needsReset = true;

  reset(options: { seed?: number } = {}): ResetResult {
    this.rng.forReset(options.seed);
    this.x = this.rng.uniform(-0.05, 0.05);
    this.xDot = this.rng.uniform(-0.05, 0.05);
    this.theta = this.rng.uniform(-0.05, 0.05);
    this.thetaDot = this.rng.uniform(-0.05, 0.05);
    this.needsReset = false;
    return { obs: this.observation(), info: {} };
  }

  step(action: number): StepResult {
    assertEpisodeRunning(this.needsReset, this.spec.id);
    if (action !== 0 && action !== 1) {
      throw new RangeError(`CartPole-v1: action must be 0 or 1 (Discrete(2)), got ${String(action)}`);
    }
    const force = action === 1 ? FORCE_MAG : -FORCE_MAG;
    const cosTheta = Math.cos(this.theta);
    const sinTheta = Math.sin(this.theta);
    // Florian (2007), "Correct equations for the dynamics of the cart-pole system", in Gymnasium's
    // operation order to the bit: Python's `x**2` on a float is one correctly rounded x·x, so
    // `polemass_length * theta_dot**2 * sintheta` is pml·(θ̇·θ̇)·sinθ, not (pml·θ̇)·θ̇·sinθ, and
    // `masspole * costheta**2` is m_p·(cosθ·cosθ). Regrouping changes the last bit, and that
    // difference grows chaotically over a 500-step episode.
    const temp = (force + POLE_MASS_LENGTH * (this.thetaDot * this.thetaDot) * sinTheta) / TOTAL_MASS;
    const thetaAcc =
      (GRAVITY * sinTheta - cosTheta * temp) /
      (POLE_HALF_LENGTH * (4.0 / 3.0 - (MASS_POLE * (cosTheta * cosTheta)) / TOTAL_MASS));
    const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cosTheta) / TOTAL_MASS;
    // kinematics_integrator == "euler"
    this.x = this.x + TAU * this.xDot;
    this.xDot = this.xDot + TAU * xAcc;
    this.theta = this.theta + TAU * this.thetaDot;
    this.thetaDot = this.thetaDot + TAU * thetaAcc;

    const cartOut = this.x < -X_THRESHOLD || this.x > X_THRESHOLD;
    const poleFell = this.theta < -THETA_THRESHOLD_RADIANS || this.theta > THETA_THRESHOLD_RADIANS;
    const terminated = cartOut || poleFell;
    const info: Record<string, unknown> = {};
    if (terminated) {
      this.needsReset = true;
      info.terminationCause = poleFell ? "pole angle" : "cart position";
    }
    return { obs: this.observation(), reward: 1.0, terminated, truncated: false, info };
  }

  /** Full float64 state, for tests and the explanation replay. */
  get state(): [number, number, number, number] {
    return [this.x, this.xDot, this.theta, this.thetaDot];
  }

  /**
   * Puts the env in state [x, ẋ, θ, θ̇] as if `reset` had produced it (for tests and replays;
   * Gymnasium's equivalent is assigning `env.unwrapped.state`). Returns that state's observation.
   */
  setState(state: readonly [number, number, number, number]): Float32Array {
    assertStateShape(this.spec.id, ["x", "xDot", "theta", "thetaDot"], state);
    [this.x, this.xDot, this.theta, this.thetaDot] = state;
    this.needsReset = false;
    return this.observation();
  }

  private observation(): Float32Array {
    return Float32Array.of(this.x, this.xDot, this.theta, this.thetaDot);
  }
}
