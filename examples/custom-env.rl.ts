/**
 * A custom environment written in the experiment file itself: GoToTarget, a 1-D walk to a target.
 *
 * ## Description
 * An agent on the segment [−1, 1] must reach a target drawn at random on the same segment.
 *
 * ## Action Space
 * Discrete(3): 0 moves left by 0.1, 1 stays, 2 moves right by 0.1 (the position is clipped to [−1, 1]).
 *
 * ## Observation Space
 * Box(2): position ∈ [−1, 1], target ∈ [−1, 1].
 *
 * ## Rewards
 * −0.01 per step; +1 on the step that reaches the target.
 *
 * ## Starting State
 * Position and target uniform in [−1, 1], at least 0.3 apart.
 *
 * ## Episode End
 * Terminated when |position − target| < 0.05; truncated after 100 steps.
 */
import { Box, defineExperiment, Discrete, Rng, type Env, type EnvSpec, type ResetResult, type StepResult } from "rl-studio";

const STEP_SIZE = 0.1;
const REACH_RADIUS = 0.05;
const MIN_START_DISTANCE = 0.3;
const STEP_COST = -0.01;
const GOAL_REWARD = 1;

const GO_TO_TARGET_SPEC: EnvSpec = {
  id: "GoToTarget-v0",
  description: "An agent on the segment [-1, 1] moves left or right in steps of 0.1 to reach a randomly placed target.",
  observationFields: [
    { name: "position", description: "agent position (m)", low: -1, high: 1 },
    { name: "target", description: "target position (m)", low: -1, high: 1 },
  ],
  actionMeanings: ["move left by 0.1", "stay", "move right by 0.1"],
  docs: {
    actionSpace: "Discrete(3): 0 moves left by 0.1, 1 stays, 2 moves right by 0.1.",
    observationSpace: "Box(2): position in [-1, 1], target in [-1, 1].",
    rewards: "-0.01 per step; +1 on the step that reaches the target.",
    startingState: "Position and target uniform in [-1, 1], at least 0.3 apart.",
    episodeEnd: "Terminated when |position - target| < 0.05. Truncated after 100 steps.",
  },
  maxEpisodeSteps: 100,
  rewardThreshold: 0.9,
  terminationCauses: ["target reached"],
  actionSpace: { kind: "discrete", n: 3 },
};

export class GoToTarget implements Env<number> {
  readonly spec = GO_TO_TARGET_SPEC;
  readonly observationSpace = Box.uniform(2, -1, 1);
  readonly actionSpace = new Discrete(3);

  private readonly rng = new Rng(0);
  private position = 0;
  private target = 0;
  private needsReset = true;

  reset(options: { seed?: number } = {}): ResetResult {
    if (options.seed !== undefined) this.rng.seed(options.seed);
    do {
      this.position = this.rng.uniform(-1, 1);
      this.target = this.rng.uniform(-1, 1);
    } while (Math.abs(this.position - this.target) < MIN_START_DISTANCE);
    this.needsReset = false;
    return { obs: this.observation(), info: {} };
  }

  step(action: number): StepResult {
    if (this.needsReset) throw new Error("GoToTarget-v0: step() called on an episode that has ended or was never reset; call reset() first");
    if (!this.actionSpace.contains(action)) throw new RangeError(`GoToTarget-v0: action must be 0, 1 or 2 (Discrete(3)), got ${String(action)}`);
    this.position = Math.min(1, Math.max(-1, this.position + (action - 1) * STEP_SIZE));
    const terminated = Math.abs(this.position - this.target) < REACH_RADIUS;
    if (terminated) this.needsReset = true;
    return {
      obs: this.observation(),
      reward: terminated ? GOAL_REWARD : STEP_COST,
      terminated,
      truncated: false,
      info: terminated ? { terminationCause: "target reached" } : {},
    };
  }

  private observation(): Float32Array {
    return new Float32Array([this.position, this.target]);
  }
}

export default defineExperiment({
  name: "go-to-target-ppo",
  env: GoToTarget,
  task: "Move the agent to the target as quickly as possible.",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: 50_000, numEnvs: 8, numSteps: 64, learningRate: 1e-3 },
  seed: 1,
  // Shaping by distance progress: positive when a step brings the agent closer to the target.
  reward: ({ obs, nextObs, envReward }) => ({
    env: envReward,
    progress: Math.abs(obs.position - obs.target) - Math.abs(nextObs.position - nextObs.target),
  }),
});
