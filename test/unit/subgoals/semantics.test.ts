import { test } from "node:test";
import assert from "node:assert/strict";
import { SubgoalTracker, achievementRates, advance, reachedSteps } from "../../../runtime/src/subgoals/semantics.js";
import { PredicateRunner, SubgoalError, findSubgoalPlace } from "../../../runtime/src/subgoals/predicates.js";

// Three sub-goals on a 1-D position: past 1, past 2, past 3 (in that order).
const THRESHOLDS = [1, 2, 3];
const holdsAt = (x: number) => (k: number) => x > THRESHOLDS[k]!;

test("only the next pending sub-goal is checked: a later one that holds first earns nothing", () => {
  const tr = new SubgoalTracker(3, 1, 0.5);
  // x = 2.5: sub-goals 0 and 1 hold, so both are reached in order at this step (2 × 0.5).
  // Order matters: with sub-goal 0 unmet, sub-goal 2 holding earns nothing.
  const out = new SubgoalTracker(2, 1, 1);
  assert.equal(out.observe(0, 0, (k) => k === 1), 0, "sub-goal 1 holds but sub-goal 0 is pending");
  assert.equal(out.observe(0, 1, (k) => k === 0), 1, "sub-goal 0 reached");
  assert.equal(out.observe(0, 2, (k) => k === 1), 1, "now sub-goal 1 earns");
  assert.deepEqual(out.endEpisode(0), [1, 2]);
  assert.equal(tr.observe(0, 0, holdsAt(0.5)), 0);
  assert.equal(tr.observe(0, 1, holdsAt(2.5)), 1);
  assert.equal(tr.reachedCount(0), 2);
  assert.equal(tr.observe(0, 2, holdsAt(3.5)), 0.5);
  assert.deepEqual(tr.endEpisode(0), [1, 1, 2]);
});

test("each sub-goal is rewarded once per episode, and again in the next episode", () => {
  const tr = new SubgoalTracker(3, 2, 1);
  const xs = [1.5, 0, 1.5, 2.5, 0.2, 2.5];
  const rewards = xs.map((x, t) => tr.observe(0, t, holdsAt(x)));
  assert.deepEqual(rewards, [1, 0, 0, 1, 0, 0], "leaving and re-entering a reached sub-goal earns nothing");
  // Env 1 is independent.
  assert.equal(tr.observe(1, 0, holdsAt(5)), 3);
  assert.deepEqual(tr.endEpisode(0), [0, 3]);
  assert.equal(tr.reachedCount(0), 0);
  assert.equal(tr.observe(0, 0, holdsAt(1.5)), 1, "a new episode starts from the first sub-goal");
  assert.deepEqual(tr.endEpisode(1), [0, 0, 0]);
});

test("a predicate is not asked about sub-goals past the first that fails", () => {
  const asked: number[] = [];
  assert.equal(advance(0, 3, (k) => (asked.push(k), k === 0)), 1);
  assert.deepEqual(asked, [0, 1]);
  assert.equal(advance(3, 3, () => assert.fail("all reached: nothing to ask")), 3);
});

test("reachedSteps relabels a recorded episode with the tracker's semantics", () => {
  const xs = [0.5, 1.5, 1.2, 3.5, 0];
  assert.deepEqual(reachedSteps(xs.length, 3, (t, k) => holdsAt(xs[t]!)(k)), [1, 3, 3]);
  assert.deepEqual(reachedSteps(xs.length, 3, (t, k) => xs[t]! > [4, 0, 0][k]!), []);
});

test("achievement rates: the share of episodes that reached each sub-goal", () => {
  assert.deepEqual(achievementRates([0, 1, 3, 2], 3), [3 / 4, 2 / 4, 1 / 4]);
  assert.deepEqual(achievementRates([], 2), [0, 0]);
});

test("PredicateRunner: unknown fields, throws and non-booleans are SubgoalErrors naming the sub-goal", () => {
  const fields = ["position", "velocity"];
  const places = [{ file: "/w/mc.rl.ts", line: 7, column: 5 }, { file: "/w/mc.rl.ts", line: 9, column: 5 }];
  const ok = new PredicateRunner([{ name: "right", achieved: ({ obs }) => obs.position! > 0.2 }], fields, { envId: "MountainCar-v0" });
  ok.setState([0.3, 0]);
  assert.equal(ok.holds(0), true);
  ok.setState([0.1, 0]);
  assert.equal(ok.holds(0), false);

  const typo = new PredicateRunner([{ name: "fast", achieved: ({ obs }) => (obs as Record<string, number>).velocty! > 0 }], fields, { envId: "MountainCar-v0", places });
  typo.setState([0, 0]);
  assert.throws(() => typo.holds(0), (e: unknown) => e instanceof SubgoalError && e.subgoal === "fast" && /reads obs\.velocty, which MountainCar-v0 does not have: did you mean obs\.velocity\?/.test(e.message) && e.line === 7);

  const numeric = new PredicateRunner([{ name: "a", achieved: ({ obs }) => obs.position! > 0 }, { name: "b", achieved: ({ obs }) => obs.position as unknown as boolean }], fields, { envId: "MountainCar-v0", places });
  numeric.setState([0.5, 0]);
  assert.throws(() => numeric.holds(1), (e: unknown) => e instanceof SubgoalError && /returned 0\.5 \(number\); it must return true or false/.test(e.message) && e.line === 9);

  const thrower = new PredicateRunner([{ name: "boom", achieved: () => { throw new RangeError("nope"); } }], fields, { envId: "MountainCar-v0" });
  assert.throws(() => thrower.holds(0), /sub-goal "boom": achieved threw RangeError: nope/);
  // The observation is read-only to the predicate.
  const writer = new PredicateRunner([{ name: "w", achieved: ({ obs }) => { (obs as Record<string, number>).position = 1; return true; } }], fields, { envId: "MountainCar-v0" });
  assert.throws(() => writer.holds(0), SubgoalError);
});

test("findSubgoalPlace finds a sub-goal's name property", () => {
  const text = 'export default defineExperiment({\n  subgoals: [\n    { name: "left", achieved: () => true },\n    {\n      name: \'right\',\n    },\n  ],\n});';
  assert.deepEqual(findSubgoalPlace(text, "/f.rl.ts", "left"), { file: "/f.rl.ts", line: 3, column: 7 });
  assert.deepEqual(findSubgoalPlace(text, "/f.rl.ts", "right"), { file: "/f.rl.ts", line: 5, column: 7 });
  assert.equal(findSubgoalPlace(text, "/f.rl.ts", "middle"), undefined);
});
