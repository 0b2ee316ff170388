// The explanation panel's facts → chart series / table rows (media/src/explain-scene.ts), on hand-built facts.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ActionBin, BehaviourFacts, FieldConditioning, FieldSensitivity } from "../../../protocol/src/explain.js";
import { actionName, binLabel, conditioningTable, fieldChartSeries } from "../../../media/src/explain-scene.js";
import { influentialConditioning } from "../../../runtime/src/explain/summary.js";

/** A discrete bin; frequencies follow from the counts. */
const dbin = (lo: number | null, hi: number | null, counts: number[], meanProbability: number[]): ActionBin => {
  const n = counts.reduce((a, b) => a + b, 0);
  return { lo, hi, n, actionCounts: counts, actionFrequency: counts.map((c) => (n === 0 ? 0 : c / n)), meanProbability, meanAction: null };
};
const cbin = (lo: number | null, hi: number | null, n: number, meanAction: number[]): ActionBin => ({ lo, hi, n, actionCounts: null, actionFrequency: null, meanProbability: null, meanAction });
const sens = (field: string, rank: number, delta = 0.1): FieldSensitivity => ({ field, rank, delta, n: 200, meanEffect: 0.1 / rank, meanShift: [0, 0] });

/** Only the parts the panel's shaping reads; the rest of BehaviourFacts is not consulted. */
function facts(o: { actionKind: "discrete" | "box"; actionMeanings: string[]; fields: string[]; conditioning: FieldConditioning[]; sensitivity: FieldSensitivity[] }): BehaviourFacts {
  return {
    actionKind: o.actionKind,
    actionMeanings: o.actionMeanings,
    observationFields: o.fields.map((name) => ({ name, description: name })),
    sensitivity: o.sensitivity,
    deterministic: { mode: "deterministic", conditioning: o.conditioning },
  } as unknown as BehaviourFacts;
}

// CartPole-like: theta is the most influential field, thetaDot second, x third, xDot does not vary.
// In the deterministic rollouts the action taken (argmax) differs from the mean probability, so the
// two cannot be confused: theta < −0.05 has pushes left in 36 of 40 states (90 %) but mean π(left) 0.8.
const theta: FieldConditioning = {
  field: "theta",
  bins: [dbin(null, -0.05, [36, 4], [0.8, 0.2]), dbin(-0.05, 0.05, [50, 50], [0.5, 0.5]), dbin(0.05, null, [3, 57], [0.125, 0.875])],
  signSplit: null,
};
const thetaDot: FieldConditioning = { field: "thetaDot", bins: [dbin(null, 0, [70, 30], [0.625, 0.375]), dbin(0, null, [20, 80], [0.25, 0.75])], signSplit: null };
const x: FieldConditioning = { field: "x", bins: [dbin(null, null, [100, 100], [0.5, 0.5])], signSplit: null };
const xDot: FieldConditioning = { field: "xDot", bins: [dbin(null, null, [100, 100], [0.5, 0.5])], signSplit: null };
const cartpole = facts({
  actionKind: "discrete",
  actionMeanings: ["push cart to the left", "push cart to the right"],
  fields: ["x", "xDot", "theta", "thetaDot"],
  conditioning: [x, xDot, theta, thetaDot],
  // Out of rank order on purpose: the shaping sorts by rank.
  sensitivity: [sens("x", 3), sens("xDot", 4, 0), sens("thetaDot", 2), sens("theta", 1)],
});

test("binLabel: open ends, interior ranges, the one bin", () => {
  assert.equal(binLabel({ lo: null, hi: -0.05 }), "< -0.05");
  assert.equal(binLabel({ lo: -0.05, hi: 0.05 }), "[-0.05, 0.05)");
  assert.equal(binLabel({ lo: 0.05, hi: null }), "≥ 0.05");
  assert.equal(binLabel({ lo: null, hi: null }), "all");
});

test("actionName: the meaning up to its units or remarks", () => {
  const f = { actionMeanings: ["push cart to the left", "torque at the pivot in N m, positive counter-clockwise (clipped to [-2, 2])", "force on the car: negative pushes left"] };
  assert.equal(actionName(f, 0), "push cart to the left");
  assert.equal(actionName(f, 1), "torque at the pivot in N m, positive counter-clockwise");
  assert.equal(actionName(f, 2), "force on the car");
  assert.equal(actionName(f, 3), "action 3");
});

test("influentialConditioning: the two best-ranked fields that vary, in rank order; the first two fields when none varies", () => {
  assert.deepEqual(influentialConditioning(cartpole).map((c) => [c.conditioning.field, c.rank]), [["theta", 1], ["thetaDot", 2]]);
  const flat = facts({ ...base(), sensitivity: [sens("theta", 1, 0), sens("x", 2, 0)] });
  assert.deepEqual(influentialConditioning(flat).map((c) => [c.conditioning.field, c.rank]), [["x", null], ["xDot", null]]);
});

function base() {
  return { actionKind: "discrete" as const, actionMeanings: ["push cart to the left", "push cart to the right"], fields: ["x", "xDot", "theta", "thetaDot"], conditioning: [x, xDot, theta, thetaDot], sensitivity: [] };
}

test("fieldChartSeries (discrete): one chart per field, its own range labels, the mean probability per action, frequency and n in the tooltip", () => {
  const [a, b, ...rest] = fieldChartSeries(cartpole);
  assert.equal(rest.length, 0);
  assert.equal(a!.field, "theta");
  assert.equal(a!.title, "Action probability by theta (most influential field)");
  assert.deepEqual(a!.labels, ["< -0.05", "[-0.05, 0.05)", "≥ 0.05"]);
  assert.deepEqual(a!.n, [40, 100, 60]);
  assert.deepEqual(a!.yRange, { min: 0, max: 1 });
  assert.match(a!.xTitle, /^theta /);
  assert.deepEqual(a!.datasets.map((d) => d.label), ["π(push cart to the left)", "π(push cart to the right)"]);
  // meanProbability, not actionFrequency (which is 0.9 / 0.5 / 0.05 for left).
  assert.deepEqual(a!.datasets.map((d) => d.data), [[0.8, 0.5, 0.125], [0.2, 0.5, 0.875]]);
  assert.deepEqual(a!.datasets[0]!.details[0], ["theta < -0.05, n = 40", "taken in 90% of them (36)"]);
  assert.deepEqual(a!.datasets[1]!.details[2], ["theta ≥ 0.05, n = 60", "taken in 95% of them (57)"]);
  assert.equal(b!.field, "thetaDot");
  assert.equal(b!.title, "Action probability by thetaDot (influence rank 2)");
  assert.deepEqual(b!.labels, ["< 0", "≥ 0"]);
  assert.deepEqual(b!.datasets.map((d) => d.data), [[0.625, 0.25], [0.375, 0.75]]);
});

test("conditioningTable (discrete): field, range, n and P(a) = mean π per action, one row per bin", () => {
  const t = conditioningTable(cartpole);
  assert.deepEqual(t.head, ["field", "range", "states (n)", "P(push cart to the left)", "P(push cart to the right)"]);
  assert.deepEqual(t.rows, [
    ["theta", "< -0.05", 40, "80%", "20%"],
    ["theta", "[-0.05, 0.05)", 100, "50%", "50%"],
    ["theta", "≥ 0.05", 60, "12.5%", "87.5%"],
    ["thetaDot", "< 0", 100, "62.5%", "37.5%"],
    ["thetaDot", "≥ 0", 100, "25%", "75%"],
  ]);
});

test("fieldChartSeries / conditioningTable (continuous): the mean action per bin for every action element; an empty bin has no value", () => {
  const f = facts({
    actionKind: "box",
    actionMeanings: ["torque at the pivot in N m (clipped to [-2, 2])", "brake"],
    fields: ["cos", "sin", "thetaDot"],
    conditioning: [
      { field: "cos", bins: [cbin(null, 0.5, 10, [1, 0]), cbin(0.5, null, 30, [-0.5, 0.25])], signSplit: null },
      { field: "sin", bins: [cbin(null, null, 40, [0.1, 0.2])], signSplit: null },
      { field: "thetaDot", bins: [cbin(null, 0, 25, [-1.5, 0.5]), cbin(0, 1, 0, [0, 0]), cbin(1, null, 15, [1.75, -0.5])], signSplit: null },
    ],
    sensitivity: [sens("thetaDot", 1), sens("cos", 2), sens("sin", 3)],
  });
  const [a, b] = fieldChartSeries(f);
  assert.equal(a!.title, "Mean action by thetaDot (most influential field)");
  assert.equal(a!.yRange, null);
  assert.equal(a!.yTitle, "mean applied action");
  assert.deepEqual(a!.datasets.map((d) => d.label), ["mean [0] torque at the pivot in N m", "mean [1] brake"]);
  assert.deepEqual(a!.datasets.map((d) => d.data), [[-1.5, null, 1.75], [0.5, null, -0.5]]);
  assert.deepEqual(a!.datasets[0]!.details[1], ["thetaDot [0, 1), n = 0"]);
  assert.equal(b!.field, "cos");
  assert.deepEqual(b!.datasets.map((d) => d.data), [[1, -0.5], [0, 0.25]]);
  const t = conditioningTable(f);
  assert.deepEqual(t.head, ["field", "range", "states (n)", "mean [0] torque at the pivot in N m", "mean [1] brake"]);
  assert.deepEqual(t.rows, [
    ["thetaDot", "< 0", 25, "-1.50", "0.5"],
    ["thetaDot", "[0, 1)", 0, "–", "–"],
    ["thetaDot", "≥ 1", 15, "1.75", "-0.5"],
    ["cos", "< 0.5", 10, "1", "0"],
    ["cos", "≥ 0.5", 30, "-0.5", "0.25"],
  ]);
});

test("fieldChartSeries: a single observation field gives one chart", () => {
  const f = facts({ ...base(), fields: ["theta"], conditioning: [theta], sensitivity: [sens("theta", 1)] });
  assert.deepEqual(fieldChartSeries(f).map((s) => s.field), ["theta"]);
});
