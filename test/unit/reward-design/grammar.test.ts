/**
 * The reward grammar (what a local model can write under it): every sentence is JSON of the
 * candidates schema, every component passes the static checks, divides only by positive
 * constants, and evaluates to finite numbers on each env's sample transitions. Sentences are drawn
 * by an independent GBNF reader (gbnf-sampler.ts); llama.cpp's own parser reads the same text in
 * the model tests (test/integration/llm.test.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { grammarOperands, MAX_GRAMMAR_COMPONENTS, MAX_RATIONALE_CHARS, rewardGrammar } from "../../../runtime/src/reward-design/grammar.js";
import { checkComponent } from "../../../runtime/src/reward-design/check-code.js";
import { readCandidates } from "../../../runtime/src/reward-design/schema.js";
import { layoutOf, sampleTransitions } from "../../../runtime/src/reward-design/samples.js";
import { validateCandidates } from "../../../runtime/src/reward-design/validate.js";
import { ENV_SPECS, makeEnv } from "../../../runtime/src/envs/registry.js";
import { Rng } from "../../../runtime/src/rng.js";
import { GbnfSampler } from "./gbnf-sampler.js";

test("grammarOperands: both observations' fields by name, then the action as the env's space has it", () => {
  assert.deepEqual(grammarOperands({ fields: ["x", "theta"], actionKind: "discrete", actionSize: 1 }), [
    "nextObs.x", "obs.x", "nextObs.theta", "obs.theta", "action", "envReward", "episodeStep",
  ]);
  assert.deepEqual(grammarOperands({ fields: ["cosTheta"], actionKind: "box", actionSize: 2 }), [
    "nextObs.cosTheta", "obs.cosTheta", "action[0]", "action[1]", "envReward", "episodeStep",
  ]);
});

test("rewardGrammar refuses a count below 1 and a layout without fields", () => {
  assert.throws(() => rewardGrammar(0, { fields: ["x"], actionKind: "discrete", actionSize: 1 }), /count must be a positive integer, got 0/);
  assert.throws(() => rewardGrammar(1, { fields: [], actionKind: "discrete", actionSize: 1 }), /no observation fields/);
});

for (const spec of ENV_SPECS) {
  test(`rewardGrammar on ${spec.id}: 120 random sentences are candidates JSON whose components pass every check`, async () => {
    const layout = layoutOf(spec);
    const rng = new Rng(7);
    const samples = sampleTransitions(() => makeEnv(spec.id), { count: 64, seed: 3 });
    const all = [];
    for (const count of [1, 2, 3]) {
      const sampler = new GbnfSampler(rewardGrammar(count, layout));
      for (let i = 0; i < 40; i++) {
        const text = sampler.sample(() => rng.random());
        const { candidates, malformed } = readCandidates(JSON.parse(text));
        assert.deepEqual(malformed, [], text);
        assert.equal(candidates.length, count, text);
        for (const c of candidates) {
          assert.ok(c.components.length >= 1 && c.components.length <= MAX_GRAMMAR_COMPONENTS, text);
          assert.ok(c.rationale.length <= MAX_RATIONALE_CHARS, text);
          for (const k of c.components) {
            assert.deepEqual(checkComponent(k.name, k.code, layout.fields), [], `${k.name}: ${k.code}`);
            // Division by a constant only: `/` is always followed by a number other than 0.
            assert.doesNotMatch(k.code, / \/ (?!\d)/, k.code);
            for (const m of k.code.matchAll(/ \/ (\d+(?:\.\d+)?)/g)) assert.ok(parseFloat(m[1]!) > 0, k.code);
          }
          all.push(c);
        }
      }
    }
    // Executed on real transitions: finite numbers, bar Math.exp of a large argument (the one
    // overflow the language can still write, and the NaN of Infinity - Infinity after it); two
    // components with the same random name are rejected as such.
    const checks = await validateCandidates(all, layout, samples);
    const failures = checks.flatMap((c) => (c.ok ? [] : [c]));
    for (const f of failures) {
      if (/two components are named/.test(f.reason)) continue;
      assert.match(f.reason, /returned (-?Infinity|NaN) \(number\); a component must be a finite number/, f.reason);
      const name = /component "(\w+)"/.exec(f.reason)![1];
      assert.match(f.candidate.components.find((k) => k.name === name)!.code, /Math\.exp\(/, f.reason);
    }
    assert.ok(failures.length <= all.length * 0.05, `${failures.length} of ${all.length} failed: ${failures.slice(0, 3).map((f) => f.reason).join(" | ")}`);
  });
}

test("GbnfSampler reads the constructs the grammar uses (hand-checked sentences)", () => {
  const rng = new Rng(1);
  const s = new GbnfSampler(['root ::= "a" [0-2]{2} ("b" | "c")? name', 'name ::= [^"\\\\\\x00-\\x1F]{1,1}'].join("\n"));
  for (let i = 0; i < 50; i++) assert.match(s.sample(() => rng.random()), /^a[0-2]{2}[bc]?[ -~]$/);
  assert.throws(() => new GbnfSampler('root ::= missing'), /undefined rule missing/);
  const neg = new GbnfSampler('root ::= [^"\\\\\\x00-\\x1F]{40}');
  for (let i = 0; i < 20; i++) assert.doesNotMatch(neg.sample(() => rng.random()), /["\\\x00-\x1f]/);
});
