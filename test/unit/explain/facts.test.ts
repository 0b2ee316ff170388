import { test } from "node:test";
import assert from "node:assert/strict";
import { CARTPOLE_SPEC } from "../../../runtime/src/envs/cartpole.js";
import { PENDULUM_SPEC } from "../../../runtime/src/envs/pendulum.js";
import {
  criticalStates,
  measureBehaviour,
  measureSensitivity,
  modeFacts,
  trajectory,
  typicalEpisodeIndex,
  worstEpisodeIndex,
  type ModeRollout,
  type StepRecord,
} from "../../../runtime/src/explain/facts.js";
import type { Policy, PolicyOutput } from "../../../runtime/src/ppo/policy.js";
import { CARTPOLE_EXPERIMENT, thetaOnlyPolicy } from "./helpers.js";

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

test("sensitivity: a policy that looks only at theta ranks theta first, and nothing else moves it", async () => {
  const { facts } = await measureBehaviour(thetaOnlyPolicy(), CARTPOLE_EXPERIMENT, { episodes: 4 });
  const [top, ...rest] = facts.sensitivity;
  assert.equal(top!.field, "theta");
  assert.equal(top!.rank, 1);
  assert.ok(top!.delta > 0 && top!.meanEffect > 0.1, `theta moves the action distribution by ${top!.meanEffect}`);
  // Raising theta (the pole leans right) favours pushing right, by as much as it disfavours left.
  assert.ok(top!.meanShift[1]! > 0.1 && Math.abs(top!.meanShift[0]! + top!.meanShift[1]!) < 1e-12);
  assert.deepEqual(rest.map((r) => r.field).sort(), ["thetaDot", "x", "xDot"]);
  for (const r of rest) {
    // Every weight from these fields is 0: moving them by their (non-zero) std changes nothing.
    assert.ok(r.delta > 0, r.field);
    assert.equal(r.meanEffect, 0, r.field);
    assert.ok(Math.abs(r.meanShift[1]!) < Math.abs(top!.meanShift[1]!));
  }
  assert.equal(top!.n, facts.deterministic.steps + facts.stochastic.steps, "few enough states that all are probed");
});

/** A stand-in for the network: `evaluate` is all measureSensitivity calls. */
function stubPolicy(evaluate: (obs: Float32Array) => Omit<PolicyOutput, "value">): Policy {
  return { evaluate: (obs: Float32Array) => ({ ...evaluate(obs), value: 0 }) } as unknown as Policy;
}

function visited(obs: number[][]): StepRecord[] {
  return obs.map((o, i) => ({ mode: "deterministic", episode: 0, step: i, obs: Float32Array.from(o), action: 0, probabilities: null, mean: null, std: null, value: 0, envReward: 1 }));
}

test("sensitivity by hand: π(right | s) = 0.4 + theta + 0.5·max(0, thetaDot) over four states", async () => {
  // x is always 0 (std 0: not probed), xDot varies but is ignored, theta acts linearly, thetaDot one-sidedly.
  const omegas = [0.2, -0.1, 0.1, -0.2];
  const states = visited([
    [0, 1, -0.1, omegas[0]!],
    [0, -1, -0.05, omegas[1]!],
    [0, 1, 0.05, omegas[2]!],
    [0, -1, 0.1, omegas[3]!],
  ]);
  const relu = (v: number) => Math.max(0, v);
  const policy = stubPolicy((o) => {
    const right = 0.4 + o[2]! + 0.5 * relu(o[3]!);
    return { probabilities: [1 - right, right], mean: null, std: null };
  });
  const s = await measureSensitivity(policy, states, CARTPOLE_SPEC, { maxStates: 100 });
  const by = new Map(s.map((r) => [r.field, r]));
  const theta = by.get("theta")!;
  const thetaDot = by.get("thetaDot")!;
  // δ_theta = population std of (−0.1, −0.05, 0.05, 0.1) = √0.00625; π(right) moves by δ in each direction,
  // so the mean shift is ((θ+δ) − (θ−δ))/2 = δ and the total variation on either side is δ.
  const dTheta = Math.sqrt(0.00625);
  assert.ok(Math.abs(theta.delta - dTheta) < 1e-7);
  assert.ok(Math.abs(theta.meanShift[1]! - dTheta) < 1e-6 && Math.abs(theta.meanShift[0]! + dTheta) < 1e-6, String(theta.meanShift));
  assert.ok(Math.abs(theta.meanEffect - dTheta) < 1e-6);
  // δ_ω = std of (±0.1, ±0.2) = √0.025. Per state, π(right) moves by up = 0.5(relu(ω+δ) − relu(ω)) and
  // down = 0.5(relu(ω−δ) − relu(ω)); the shift averages (up − down)/2, the effect (|up| + |down|)/2
  // (two actions: the total variation is |Δπ(right)|). Both sides count: the up side alone differs.
  const d = Math.sqrt(0.025);
  const up = omegas.map((w) => 0.5 * (relu(w + d) - relu(w)));
  const down = omegas.map((w) => 0.5 * (relu(w - d) - relu(w)));
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(thetaDot.delta - d) < 1e-7);
  assert.ok(Math.abs(thetaDot.meanShift[1]! - avg(up.map((u, i) => (u - down[i]!) / 2))) < 1e-6, String(thetaDot.meanShift));
  assert.ok(Math.abs(thetaDot.meanEffect - avg(up.map((u, i) => (Math.abs(u) + Math.abs(down[i]!)) / 2))) < 1e-6, String(thetaDot.meanEffect));
  assert.ok(Math.abs(avg(up.map(Math.abs)) - thetaDot.meanEffect) > 0.005, "the up side alone would read differently");
  assert.deepEqual(by.get("x"), { field: "x", delta: 0, n: 4, meanEffect: 0, meanShift: [0, 0], rank: 3 });
  assert.equal(by.get("xDot")!.meanEffect, 0);
  // Ranked by effect; the two fields that do nothing keep their env order.
  assert.deepEqual(s.map((r) => r.field), ["theta", "thetaDot", "x", "xDot"]);
});

test("sensitivity by hand, continuous: mean torque = 3·thetaDot shifts by 3·δ per unit of the action", async () => {
  const states = visited([
    [1, 0, -2],
    [1, 0, 0],
    [1, 0, 2],
  ]);
  const policy = stubPolicy((o) => ({ probabilities: null, mean: [3 * o[2]!], std: [1] }));
  const s = await measureSensitivity(policy, states, PENDULUM_SPEC, { maxStates: 100 });
  const d = Math.sqrt(8 / 3);
  assert.equal(s[0]!.field, "thetaDot");
  assert.ok(Math.abs(s[0]!.delta - d) < 1e-6);
  assert.ok(Math.abs(s[0]!.meanShift[0]! - 3 * d) < 1e-5 && Math.abs(s[0]!.meanEffect - 3 * d) < 1e-5);
  assert.deepEqual(s.slice(1).map((r) => [r.delta, r.meanEffect]), [[0, 0], [0, 0]]);
});
