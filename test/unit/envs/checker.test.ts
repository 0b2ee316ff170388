import { test } from "node:test";
import assert from "node:assert/strict";
import { checkEnv, type EnvCheckReport } from "../../../runtime/src/envs/checker.js";
import { envIds, makeEnv } from "../../../runtime/src/envs/registry.js";
import { CartPoleEnv, CARTPOLE_SPEC } from "../../../runtime/src/envs/cartpole.js";
import { Discrete } from "../../../runtime/src/envs/spaces.js";
import type { Env, EnvSpec, ResetResult, StepResult, TextView } from "../../../runtime/src/envs/types.js";
import { FoodPreparationEnv } from "../../../runtime/src/envs/text/virtualhome-env.js";

const STEPS = 600;

function failed(report: EnvCheckReport): string[] {
  return report.results.filter((r) => r.status === "fail").map((r) => r.check);
}

for (const id of envIds()) {
  test(`checkEnv passes on ${id}`, () => {
    const report = checkEnv(() => makeEnv(id), { steps: STEPS, seed: 3 });
    assert.equal(report.envId, id);
    assert.deepEqual(failed(report), [], JSON.stringify(report.results, null, 2));
    assert.ok(report.ok);
    const statuses = Object.fromEntries(report.results.map((r) => [r.check, r.status]));
    assert.equal(statuses["determinism"], "pass");
    assert.equal(statuses["invalid actions throw"], "pass");
  });
}

/** CartPole with one deliberate defect, switched on by name. */
type Defect = "nondeterministic" | "no-end-guard" | "obs-outside-space" | "reseeds-on-reset" | "accepts-any-action" | "field-count" | "nan-reward";

class BrokenCartPole implements Env<number> {
  readonly spec: EnvSpec;
  readonly actionSpace = new Discrete(2);
  private readonly inner = new CartPoleEnv();
  readonly observationSpace = this.inner.observationSpace;
  private ended = false;

  constructor(private readonly defect: Defect) {
    this.spec = defect === "field-count" ? { ...CARTPOLE_SPEC, id: "Broken-v0", observationFields: CARTPOLE_SPEC.observationFields.slice(0, 3) } : { ...CARTPOLE_SPEC, id: "Broken-v0" };
  }

  reset(options: { seed?: number } = {}): ResetResult {
    this.ended = false;
    if (this.defect === "nondeterministic") return this.inner.reset({ seed: Math.floor(Math.random() * 1e9) });
    if (this.defect === "reseeds-on-reset") return this.inner.reset({ seed: options.seed ?? 0 });
    return this.inner.reset(options);
  }

  step(action: number): StepResult {
    if (this.defect === "no-end-guard" && this.ended) {
      return { obs: new Float32Array(4), reward: 0, terminated: true, truncated: false, info: {} };
    }
    const r = this.inner.step(this.defect === "accepts-any-action" ? (action === 1 ? 1 : 0) : action);
    this.ended = r.terminated;
    if (this.defect === "obs-outside-space" && r.terminated) r.obs[2] = 1.0; // θ beyond the ±0.419 bound
    if (this.defect === "nan-reward") return { ...r, reward: Number.NaN };
    return r;
  }
}

const EXPECTED_FAILURE: Record<Defect, string> = {
  nondeterministic: "determinism",
  "no-end-guard": "step after episode end throws",
  "obs-outside-space": "rollout",
  "reseeds-on-reset": "reset without seed continues the stream",
  "accepts-any-action": "invalid actions throw",
  "field-count": "spaces",
  "nan-reward": "rollout",
};

for (const [defect, check] of Object.entries(EXPECTED_FAILURE) as [Defect, string][]) {
  test(`checkEnv fails a deliberately broken env (${defect}) on "${check}", naming env and check`, () => {
    const report = checkEnv(() => new BrokenCartPole(defect), { steps: STEPS });
    assert.equal(report.ok, false);
    assert.ok(failed(report).includes(check), `failed checks: ${failed(report).join(", ")}`);
    const result = report.results.find((r) => r.check === check)!;
    assert.ok(result.message.startsWith(`Broken-v0: ${check}: `), result.message);
  });
}

test("checkEnv: specific messages for an out-of-space observation and a NaN reward", () => {
  const outside = checkEnv(() => new BrokenCartPole("obs-outside-space"), { steps: STEPS });
  assert.match(outside.results.find((r) => r.check === "rollout")!.message, /observation\[2\] \(theta\) = 1 is outside \[-0.41887\d*, 0.41887\d*\]/);
  const nan = checkEnv(() => new BrokenCartPole("nan-reward"), { steps: STEPS });
  assert.match(nan.results.find((r) => r.check === "rollout")!.message, /step 0: reward must be a finite number, got NaN/);
});

test("checkEnv: throwOnFailure throws one error listing the failures", () => {
  assert.throws(
    () => checkEnv(() => new BrokenCartPole("accepts-any-action"), { steps: STEPS, throwOnFailure: true }),
    /env check failed for Broken-v0:\n {2}- Broken-v0: invalid actions throw: step\(-1\) did not throw; it is outside Discrete\(2\)/,
  );
});

test("checkEnv: a constructor that throws is reported, not thrown", () => {
  const report = checkEnv(() => {
    throw new Error("boom");
  });
  assert.equal(report.ok, false);
  assert.deepEqual(failed(report), ["construct"]);
  assert.match(report.results[0]!.message, /construct: boom/);
});

/** Food Preparation with one text-view defect. */
class BrokenTextEnv implements Env<number> {
  private readonly inner = new FoodPreparationEnv();
  readonly spec: EnvSpec;
  readonly observationSpace = this.inner.observationSpace;
  readonly actionSpace = this.inner.actionSpace;
  readonly text: TextView;

  constructor(private readonly defect: "mask-disagrees" | "no-spec" | "index-off-by-one") {
    const { text: _text, ...noText } = this.inner.spec;
    this.spec = defect === "no-spec" ? { ...noText, id: "BrokenText-v0" } : { ...this.inner.spec, id: "BrokenText-v0" };
    const view = this.inner.text;
    this.text = defect === "index-off-by-one" ? { ...view, actionIndex: (i) => view.actionIndex(i) + 1 } : view;
  }

  reset(options?: { seed?: number }): ResetResult {
    return this.patch(this.inner.reset(options));
  }

  step(action: number): StepResult {
    return this.patch(this.inner.step(action));
  }

  private patch<R extends { info: Record<string, unknown> }>(r: R): R {
    if (this.defect === "mask-disagrees") r.info.actionMask = new Uint8Array(this.actionSpace.n).fill(1);
    return r;
  }
}

for (const [defect, pattern] of [
  ["mask-disagrees", /info\.actionMask\[1\] = 1 disagrees with env\.text\.validActions\(\) \[0,2,3,4,5\]/],
  ["no-spec", /env\.text exists but spec\.text does not describe it/],
  ["index-off-by-one", /actionIndex\(0\) = 1 but validActions\(\)\[0\] = 0/],
] as const) {
  test(`checkEnv fails a text view with a defect (${defect}) on "text view"`, () => {
    const report = checkEnv(() => new BrokenTextEnv(defect), { steps: 50 });
    assert.deepEqual(failed(report), ["text view"]);
    assert.match(report.results.find((r) => r.check === "text view")!.message, pattern);
  });
}

test("checkEnv skips the text view check on an env without one", () => {
  const report = checkEnv(() => makeEnv("CartPole-v1"), { steps: 50 });
  assert.equal(report.results.find((r) => r.check === "text view")!.status, "skip");
});
