import { test } from "node:test";
import assert from "node:assert/strict";
import { annealedClipCoef, progressRemaining } from "../../../runtime/src/ppo/schedules.js";
import { defaultHyperparameters, HYPERPARAMETERS } from "../../../runtime/src/experiment/hyperparameters.js";

test("SB3's progress_remaining: 1 − steps done / total, clamped", () => {
  assert.equal(progressRemaining(0, 100_000), 1);
  assert.equal(progressRemaining(25_000, 100_000), 0.75);
  assert.equal(progressRemaining(100_000, 100_000), 0);
  assert.equal(progressRemaining(120_000, 100_000), 0);
});

test("annealClip follows RL Zoo's lin_0.2: 0.2 · progress remaining after each rollout", () => {
  // RL Zoo CartPole-v1: 8 envs × 32 steps = 256 per rollout, 100 k steps.
  assert.ok(Math.abs(annealedClipCoef(0.2, 256, 100_000) - 0.2 * (1 - 256 / 100_000)) < 1e-15);
  assert.ok(Math.abs(annealedClipCoef(0.2, 50_000, 100_000) - 0.1) < 1e-15);
  assert.equal(annealedClipCoef(0.2, 100_000, 100_000), 0);
});

test("annealClip is off by default (CleanRL) and on in RL Zoo's CartPole config", () => {
  const spec = HYPERPARAMETERS.find((h) => h.key === "annealClip")!;
  assert.equal(defaultHyperparameters("discrete").annealClip, false);
  assert.equal(spec.cleanrl, false);
  assert.equal(spec.zoo, true);
  assert.match(spec.doc, /Stable-Baselines3/);
});
