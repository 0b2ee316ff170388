import { test } from "node:test";
import assert from "node:assert/strict";
import { ActorCriticLayout, ActorCriticWorkspace } from "../../../runtime/src/nn/actor-critic.js";
import { silLossAndGradient, type SilMinibatch } from "../../../runtime/src/nn/self-imitation.js";
import { JsLearner } from "../../../runtime/src/nn/learner.js";
import { Rng } from "../../../runtime/src/rng.js";

function setup(actionKind: "discrete" | "box", B = 9) {
  const rng = new Rng(11);
  const layout = new ActorCriticLayout({ obsDim: 3, actionKind, actionDim: actionKind === "discrete" ? 3 : 2, hiddenSizes: [5, 4] });
  const params = Float64Array.from(layout.initParams(rng));
  for (let i = 0; i < params.length; i++) params[i] = params[i]! + 0.3 * rng.normal();
  const width = actionKind === "discrete" ? 1 : 2;
  const mb: SilMinibatch = {
    size: B,
    obs: Float64Array.from({ length: B * 3 }, () => rng.normal()),
    actions: Float64Array.from({ length: B * width }, () => (actionKind === "discrete" ? rng.integer(3) : rng.normal())),
    // Returns straddle the critic's outputs, so some samples are clipped away and some teach.
    returns: Float64Array.from({ length: B }, () => 1.5 * rng.normal()),
  };
  return { layout, params, mb, ws: new ActorCriticWorkspace(layout, B) };
}

/**
 * Central finite differences. The actor's parameters (and log-std) move only the policy term; the
 * critic's move V, whose gradient is the value term's alone (the policy term's weight (R − V)₊ is a
 * constant by construction, as in the paper), so each side is checked against its own term.
 */
function gradientCheck(actionKind: "discrete" | "box"): number {
  const { layout, params, mb, ws } = setup(actionKind);
  const coef = { coef: 1.7, valueCoef: 0.3 };
  const grad = new Float64Array(layout.size);
  const stats = silLossAndGradient(params, ws, mb, coef, grad);
  assert.ok(stats.validFraction > 0 && stats.validFraction < 1, `a mix of teaching and clipped samples (${stats.validFraction})`);
  const criticStart = layout.critic[0]!.wOffset;
  const criticEnd = layout.critic.at(-1)!.bOffset + 1;
  const h = 1e-6;
  let worst = 0;
  for (let p = 0; p < params.length; p++) {
    const critic = p >= criticStart && p < criticEnd;
    const term = (s: { policyLoss: number; valueLoss: number }) => coef.coef * (critic ? coef.valueCoef * s.valueLoss : s.policyLoss);
    const saved = params[p]!;
    params[p] = saved + h;
    const up = term(silLossAndGradient(params, ws, mb, coef, new Float64Array(layout.size)));
    params[p] = saved - h;
    const down = term(silLossAndGradient(params, ws, mb, coef, new Float64Array(layout.size)));
    params[p] = saved;
    const numeric = (up - down) / (2 * h);
    worst = Math.max(worst, Math.abs(numeric - grad[p]!) / Math.max(1e-3, Math.abs(numeric)));
  }
  return worst;
}

test("discrete SIL gradient matches finite differences (policy term on the actor, value term on the critic)", () => {
  assert.ok(gradientCheck("discrete") < 1e-4);
});

test("continuous SIL gradient matches finite differences, log-std included", () => {
  assert.ok(gradientCheck("box") < 1e-4);
});

test("hand-computed: one sample whose return beats the critic; one that does not teaches nothing", () => {
  const { layout, params, ws } = setup("discrete", 1);
  // Zero the actor's head so π is uniform over 3 actions, and the critic's so V = 0.
  const zero = (l: { wOffset: number; bOffset: number; nIn: number; nOut: number }) => params.fill(0, l.wOffset, l.bOffset + l.nOut);
  zero(layout.actor.at(-1)!);
  zero(layout.critic.at(-1)!);
  const mb: SilMinibatch = { size: 1, obs: Float64Array.of(0.1, -0.2, 0.3), actions: Float64Array.of(2), returns: Float64Array.of(2) };
  const s = silLossAndGradient(params, ws, mb, { coef: 1, valueCoef: 0.5 }, new Float64Array(layout.size));
  // −log(1/3)·(2 − 0) and ½·2².
  assert.ok(Math.abs(s.policyLoss - 2 * Math.log(3)) < 1e-12);
  assert.ok(Math.abs(s.valueLoss - 2) < 1e-12);
  assert.ok(Math.abs(s.loss - (2 * Math.log(3) + 0.5 * 2)) < 1e-12);
  mb.returns[0] = -1;
  const g = new Float64Array(layout.size);
  const none = silLossAndGradient(params, ws, mb, { coef: 1, valueCoef: 0.5 }, g);
  assert.equal(none.validFraction, 0);
  assert.equal(none.loss, 0);
  assert.ok(g.every((v) => v === 0), "R ≤ V: no gradient at all");
});

test("JsLearner.silStep raises the imitated action's probability and the critic's value toward the return", async () => {
  const { layout, mb } = setup("discrete", 16);
  mb.actions.fill(1);
  mb.returns.fill(3);
  const learner = new JsLearner(layout, layout.initParams(new Rng(2)), 16);
  const ws = new ActorCriticWorkspace(layout, 16);
  const before = silLossAndGradient(Float64Array.from(learner.params), ws, mb, { coef: 1, valueCoef: 0.01 }, new Float64Array(layout.size));
  for (let i = 0; i < 50; i++) await learner.silStep(mb, { coef: 1, valueCoef: 0.01 }, 1e-2, 0.5);
  await learner.syncParams();
  const after = silLossAndGradient(Float64Array.from(learner.params), ws, mb, { coef: 1, valueCoef: 0.01 }, new Float64Array(layout.size));
  assert.ok(after.policyLoss < 0.5 * before.policyLoss, `policy loss ${before.policyLoss} → ${after.policyLoss}`);
  assert.ok(after.valueLoss < before.valueLoss, `value loss ${before.valueLoss} → ${after.valueLoss}`);
});
