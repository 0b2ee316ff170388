// The explanation panel's heat map (media/src/explain-scene.ts actionMapView, its layout and hit test) on hand-built facts.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ActionBin, ActionMap, BehaviourFacts } from "../../../protocol/src/explain.js";
import { actionMapLayout, actionMapView, cellAt, cellOrigin } from "../../../media/src/explain-scene.js";

type Cell = Omit<ActionBin, "lo" | "hi">;
/** A discrete cell; frequencies follow from the counts. */
const dcell = (counts: number[], meanProbability: number[] | null): Cell => {
  const n = counts.reduce((a, b) => a + b, 0);
  return { n, actionCounts: counts, actionFrequency: counts.map((c) => (n === 0 ? 0 : c / n)), meanProbability, meanAction: null };
};
const ccell = (n: number, meanAction: number[]): Cell => ({ n, actionCounts: null, actionFrequency: null, meanProbability: null, meanAction });

/** Only the parts the heat map reads. */
function facts(actionKind: "discrete" | "box", actionMeanings: string[], actionMap: ActionMap | null): BehaviourFacts {
  return { actionKind, actionMeanings, actionMap } as unknown as BehaviourFacts;
}

// CartPole-like, 2 × 2 cells over theta (x) and thetaDot (y). The action taken (argmax, deterministic
// rollouts) differs from the mean probability, so the two cannot be confused: in the bottom-left cell
// "left" was taken in 36 of 40 states (90 %) but its mean π is 0.8. The top-right cell is empty.
const map = (cells: Cell[][]): ActionMap => ({ mode: "deterministic", xField: "theta", yField: "thetaDot", xEdges: [0], yEdges: [0.5], xRange: [-0.2, 0.2], yRange: [-1, 2], cells });
const cartpoleCells = [
  [dcell([36, 4], [0.8, 0.2]), dcell([10, 10], [0.5, 0.5])],
  [dcell([3, 57], [0.125, 0.875]), dcell([0, 0], [0, 0])],
];
const meanings = ["push cart to the left", "push cart to the right"];

test("discrete facts with probabilities: the mean π per cell, n and the taken frequency in the tooltip, the title says so", () => {
  const v = actionMapView(facts("discrete", meanings, map(cartpoleCells)), 0)!;
  assert.equal(v.quantity, "meanProbability");
  assert.equal(v.title, "Mean action probability π(push cart to the left | s) over theta and thetaDot (deterministic rollouts)");
  assert.match(v.note, /mean probability of "push cart to the left" over its n visited states/);
  assert.deepEqual(v.xs, [-0.2, 0, 0.2]);
  assert.deepEqual(v.ys, [-1, 0.5, 2]);
  assert.deepEqual([v.lo, v.hi], [0, 1]);
  // Row by row (iy, then ix); mean π, not actionFrequency (0.9 / 0.5 / 0.05).
  assert.deepEqual(v.cells.map((c) => [c.ix, c.iy, c.n, c.value, c.text]), [
    [0, 0, 40, 0.8, "80%"],
    [1, 0, 20, 0.5, "50%"],
    [0, 1, 60, 0.125, "12.5%"],
    [1, 1, 0, null, ""],
  ]);
  assert.deepEqual(v.cells[0]!.tooltip, ["theta < 0, thetaDot < 0.5", "n = 40 visited states", "mean π(push cart to the left | s) = 80%", "push cart to the left taken in 90% of them (36)"]);
  assert.deepEqual(v.cells[2]!.tooltip, ["theta < 0, thetaDot ≥ 0.5", "n = 60 visited states", "mean π(push cart to the left | s) = 12.5%", "push cart to the left taken in 5% of them (3)"]);
  assert.deepEqual(v.cells[3]!.tooltip, ["theta ≥ 0, thetaDot ≥ 0.5", "n = 0 visited states"]);
  // The other action.
  const right = actionMapView(facts("discrete", meanings, map(cartpoleCells)), 1)!;
  assert.deepEqual(right.cells.map((c) => c.value), [0.2, 0.5, 0.875, null]);
  assert.equal(right.cells[1]!.tooltip.at(-1), "push cart to the right taken in 50% of them (10)");
});

test("discrete facts without probabilities (an older explanation.json): the taken frequency, said in the title", () => {
  const old = cartpoleCells.map((row) => row.map((c) => ({ ...c, meanProbability: null })));
  const v = actionMapView(facts("discrete", meanings, map(old)), 0)!;
  assert.equal(v.quantity, "actionFrequency");
  assert.equal(v.title, "How often push cart to the left was taken over theta and thetaDot (deterministic rollouts)");
  assert.match(v.note, /carry no action probabilities/);
  assert.deepEqual(v.cells.map((c) => c.value), [0.9, 0.5, 0.05, null]);
  assert.deepEqual(v.cells[0]!.tooltip, ["theta < 0, thetaDot < 0.5", "n = 40 visited states", "push cart to the left taken in 90% of them (36)"]);
});

test("continuous facts: the mean applied action element, the colour scale fitted to the values", () => {
  const cells = [
    [ccell(10, [-1.5, 0]), ccell(1, [0.25, 1])],
    [ccell(0, [0, 0]), ccell(30, [1.75, -1])],
  ];
  const v = actionMapView(facts("box", ["torque at the pivot in N m (clipped to [-2, 2])"], map(cells)), 0)!;
  assert.equal(v.quantity, "meanAction");
  assert.equal(v.title, "Mean applied action (torque at the pivot in N m) over theta and thetaDot (deterministic rollouts)");
  assert.deepEqual(v.cells.map((c) => c.value), [-1.5, 0.25, null, 1.75]);
  assert.deepEqual(v.cells.map((c) => c.text), ["-1.50", "0.25", "", "1.75"]);
  assert.deepEqual([v.lo, v.hi], [-1.5, 1.75]);
  assert.deepEqual(v.cells[1]!.tooltip, ["theta ≥ 0, thetaDot < 0.5", "n = 1 visited state", "mean torque at the pivot in N m = 0.25"]);
});

test("no action map: no view", () => {
  assert.equal(actionMapView(facts("discrete", meanings, null), 0), null);
});

test("layout and hit test: row 0 at the bottom, nothing outside the grid", () => {
  const v = actionMapView(facts("discrete", meanings, map(cartpoleCells)), 0)!;
  const l = actionMapLayout(v, 420, 320);
  assert.deepEqual(l, { left: 56, top: 8, width: 356, height: 276, cellWidth: 178, cellHeight: 138 });
  assert.deepEqual(cellOrigin(v, l, 0, 0), { x: 56, y: 146 });
  assert.deepEqual(cellOrigin(v, l, 1, 1), { x: 234, y: 8 });
  const at = (x: number, y: number) => {
    const c = cellAt(v, l, x, y);
    return c && [c.ix, c.iy];
  };
  assert.deepEqual(at(60, 280), [0, 0]);
  assert.deepEqual(at(400, 280), [1, 0]);
  assert.deepEqual(at(60, 10), [0, 1]);
  assert.deepEqual(at(300, 100), [1, 1]);
  for (const [x, y] of [[10, 100], [413, 100], [100, 4], [100, 300]] as const) assert.equal(at(x, y), null, `${x}, ${y}`);
});
