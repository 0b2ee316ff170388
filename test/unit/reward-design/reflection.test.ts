/**
 * Eureka's reward reflection (Ma et al. 2023, appendix: "reward reflection") on inputs small
 * enough to check by hand: each component's per-episode values over training with max / mean /
 * min, the task fitness the same way, and the failed candidates with their errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { rewardReflection, type CandidateResult, type CurvePoint } from "../../../runtime/src/reward-design/evolve.js";
import { CARTPOLE_SPEC } from "../../../runtime/src/envs/cartpole.js";

const experiment = { spec: CARTPOLE_SPEC };

function candidate(over: Partial<CandidateResult>): CandidateResult {
  return { iteration: 1, index: 1, components: [], rationale: "", code: "", status: "trained", repaired: false, fitness: null, successRate: null, episodes: 0, globalStep: 0, wallSeconds: 0, curves: [], ...over };
}

const point = (globalStep: number, episodicReturn: number | null, components: Record<string, number>): CurvePoint => ({ globalStep, episodicReturn, components });

const best = candidate({
  index: 1,
  components: [
    { name: "alive", code: "envReward" },
    { name: "centered", code: "-0.1 * Math.abs(nextObs.x)" },
  ],
  globalStep: 768,
  fitness: 150,
  successRate: 0.25,
  curves: [
    point(256, 10, { alive: 10, centered: -0.5 }),
    // No episode ended in this iteration: no return and no component sums to show.
    point(512, null, {}),
    point(768, 150, { alive: 30, centered: -0.25 }),
  ],
});

const crashed = candidate({
  index: 2,
  status: "failed",
  components: [{ name: "boom", code: "episodeStep > 60 ? explode() : 0" }],
  error: 'component "boom": Error: boom\n    at reward (candidate:1:20)\n    at step (train.ts:10:3)\n    at rollout (train.ts:20:5)\n    at train (train.ts:30:7)',
});
const invalid = candidate({ index: 3, status: "rejected", components: [{ name: "io", code: "process.pid" }], error: '"process" is not defined; after one repair attempt: "require" is not defined' });
const unreadable = candidate({ index: 4, status: "rejected", error: "the output has no candidates array" });
const cancelled = candidate({ index: 5, status: "cancelled", components: [{ name: "late", code: "1" }] });

test("rewardReflection: each component's series and the fitness with Max / Mean / Min, then the failures with their errors", () => {
  const text = rewardReflection(best, [best, crashed, invalid, unreadable, cancelled], experiment);
  const lines = text.split("\n");
  assert.match(lines[0]!, /^We trained a PPO policy for 768 steps with this reward .*solved at 475\)/);
  assert.deepEqual(lines.slice(1, 3), ["- alive: envReward", "- centered: -0.1 * Math.abs(nextObs.x)"]);
  // alive: 10, 30 (mean 20); centered: -0.5, -0.25 (mean -0.375); return: 10, 150 (mean 80; |v| ≥ 100 shows 1 decimal).
  assert.deepEqual(lines.slice(3, 7), [
    "alive: [10.000, 30.000], Max: 30.000, Mean: 20.000, Min: 10.000",
    "centered: [-0.500, -0.250], Max: -0.250, Mean: -0.375, Min: -0.500",
    "task fitness (episodic return): [10.000, 150.0], Max: 150.0, Mean: 80.000, Min: 10.000",
    "success rate over the last episodes: 0.250",
  ]);
  assert.match(lines[7]!, /^Analyse this feedback and write new, improved reward functions\. Tips: /);
  // Failed and rejected candidates, a traceback cut to its first 4 lines; a cancelled one is no failure.
  assert.deepEqual(lines.slice(8), [
    "These candidates failed; do not repeat their mistakes:",
    "- boom: episodeStep > 60 ? explode() : 0",
    '  error: component "boom": Error: boom |     at reward (candidate:1:20) |     at step (train.ts:10:3) |     at rollout (train.ts:20:5)',
    "- io: process.pid",
    '  error: "process" is not defined; after one repair attempt: "require" is not defined',
    "- (malformed)",
    "  error: the output has no candidates array",
  ]);
});

test("rewardReflection: a long series is thinned to 10 evenly spaced values; the statistics use all of them", () => {
  const curves = Array.from({ length: 12 }, (_, i) => point(256 * (i + 1), i, { alive: i }));
  const text = rewardReflection(candidate({ components: [{ name: "alive", code: "envReward" }], globalStep: 3072, curves }), [], experiment);
  // Indices round(i * 11 / 9) for i = 0…9; mean of 0…11 is 5.5.
  assert.ok(text.includes("alive: [0.000, 1.000, 2.000, 4.000, 5.000, 6.000, 7.000, 9.000, 10.000, 11.000], Max: 11.000, Mean: 5.500, Min: 0.000"), text);
  assert.ok(!text.includes("These candidates failed"), "no failure section without failures");
});

test("rewardReflection: with no trained candidate it asks for new rewards from scratch and still lists the failures", () => {
  const text = rewardReflection(null, [crashed], experiment);
  assert.equal(
    text,
    [
      "No candidate of the previous iteration trained successfully; write new reward functions from scratch.",
      "These candidates failed; do not repeat their mistakes:",
      "- boom: episodeStep > 60 ? explode() : 0",
      '  error: component "boom": Error: boom |     at reward (candidate:1:20) |     at step (train.ts:10:3) |     at rollout (train.ts:20:5)',
    ].join("\n"),
  );
});
