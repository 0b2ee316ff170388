import { test } from "node:test";
import assert from "node:assert/strict";
import { CARTPOLE_SPEC } from "../../../runtime/src/envs/cartpole.js";
import { criticalStates, modeFacts, trajectory, typicalEpisodeIndex, worstEpisodeIndex, type ModeRollout, type StepRecord } from "../../../runtime/src/explain/facts.js";

// Two hand-made episodes of CartPole records: only theta (obs[2]) varies.
const thetas = [-0.1, -0.05, 0.02, 0.1, 0.03, -0.02];
const actions = [0, 0, 1, 1, 1, 0];
const probs = [[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.1, 0.9], [0.4, 0.6], [0.6, 0.4]];
const values = [1, 2, 3, 10, 5, 4];
const episodeOf = [0, 0, 0, 0, 1, 1];
const stepOf = [0, 1, 2, 3, 0, 1];
const steps: StepRecord[] = thetas.map((theta, i) => ({
  mode: "deterministic",
  episode: episodeOf[i]!,
  step: stepOf[i]!,
  obs: Float32Array.of(0, 0, theta, 0),
  action: actions[i]!,
  probabilities: probs[i]!,
  mean: null,
  std: null,
  value: values[i]!,
  envReward: 1,
}));
const rollout: ModeRollout = {
  mode: "deterministic",
  steps,
  componentNames: ["alive", "upright"],
  episodes: [
    { mode: "deterministic", episode: 0, seed: 100, return: 4, length: 4, ending: { kind: "terminated", cause: "pole angle" }, firstStep: 0, finalObs: Float32Array.of(0, 0, 0.25, 0), states: null, components: { alive: 4, upright: 2 } },
    { mode: "deterministic", episode: 1, seed: 101, return: 2, length: 2, ending: { kind: "truncated", cause: "time limit" }, firstStep: 4, finalObs: Float32Array.of(0, 0, 0, 0), states: null, components: { alive: 2, upright: -1 } },
  ],
};

test("conditioning counts the action taken in each quantile bin and on each side of zero", () => {
  const f = modeFacts(rollout, CARTPOLE_SPEC, 2);
  const theta = f.conditioning.find((c) => c.field === "theta")!;
  // Sorted thetas: −0.1, −0.05, −0.02, 0.02, 0.03, 0.1; the edge is the value at rank ⌊6/2⌋ = 3: 0.02.
  assert.equal(theta.bins.length, 2);
  assert.equal(theta.bins[0]!.lo, null);
  assert.equal(theta.bins[0]!.hi, Math.fround(0.02));
  assert.deepEqual(theta.bins[0]!.actionCounts, [3, 0]);
  assert.deepEqual(theta.bins[1]!.actionCounts, [0, 3]);
  assert.deepEqual(theta.bins[1]!.actionFrequency, [0, 1]);
  assert.ok(Math.abs(theta.bins[0]!.meanProbability![0]! - (0.9 + 0.8 + 0.6) / 3) < 1e-12);
  assert.deepEqual(theta.signSplit!.below.actionCounts, [3, 0]);
  assert.equal(theta.signSplit!.above.n, 3);
  // x never moves: one bin holding every state, and no split at zero (nothing is below it).
  const x = f.conditioning.find((c) => c.field === "x")!;
  assert.equal(x.bins.length, 1);
  assert.equal(x.bins[0]!.n, 6);
  assert.equal(x.signSplit, null);
  assert.deepEqual(f.actionCounts, [3, 3]);
  assert.equal(f.steps, 6);
});

test("endings, returns and reward components of the hand-made episodes", () => {
  const f = modeFacts(rollout, CARTPOLE_SPEC, 2);
  assert.deepEqual(f.endings.causes, [
    { cause: "pole angle", kind: "terminated", count: 1, fraction: 0.5, meanLength: 4 },
    { cause: "time limit", kind: "truncated", count: 1, fraction: 0.5, meanLength: 2 },
  ]);
  assert.deepEqual(f.endings.neverFired, ["cart position"]);
  assert.equal(f.endings.truncated, 1);
  assert.equal(f.return.mean, 3);
  assert.equal(f.return.std, 1);
  const c = f.components!;
  // alive: 4 + 2 = 6, upright: 2 − 1 = 1; shaped total 7 over 6 steps and 2 episodes.
  assert.deepEqual(c.components.map((x) => x.name), ["alive", "upright"]);
  assert.ok(Math.abs(c.components[0]!.share - 6 / 7) < 1e-12);
  assert.ok(Math.abs(c.components[1]!.absShare - 1 / 7) < 1e-12);
  assert.equal(c.components[0]!.meanPerStep, 1);
  assert.equal(c.components[1]!.meanPerEpisode, 0.5);
  assert.equal(c.shapedReturn.mean, 3.5);
});

test("typical and worst episodes, critical states", () => {
  // Returns 4 and 2: the median is 3, both are 1 away, the first wins; the worst is the second.
  assert.equal(typicalEpisodeIndex(rollout.episodes), 0);
  assert.equal(worstEpisodeIndex(rollout.episodes), 1);
  const t = trajectory(rollout, 0, "typical");
  assert.equal(t.observations.length, 5);
  assert.deepEqual(t.actions, [0, 0, 1, 1]);
  assert.equal(t.observations[4]![2], Math.fround(0.25));
  const c = criticalStates(rollout, 3);
  const swings = c.filter((s) => s.kind === "valueSwing");
  // V: 1 → 2 → 3 → 10 in episode 0 (largest swing +7 at step 2), 5 → 4 in episode 1; one per event.
  assert.deepEqual(swings.map((s) => [s.episode, s.step, s.score]), [[0, 2, 7], [1, 0, -1]]);
  // Gaps 0.8, 0.6, 0.4, 0.8 in episode 0 (the tie goes to the earlier step), 0.2, 0.2 in episode 1.
  const gaps = c.filter((s) => s.kind === "actionGap");
  assert.deepEqual(gaps.map((s) => [s.episode, s.step]), [[0, 0], [1, 0]]);
  assert.ok(Math.abs(gaps[0]!.score - 0.8) < 1e-12);
});
