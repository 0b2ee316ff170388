/**
 * One design round when the LLM's answer cannot be read (not JSON of the schema, cut short, an
 * entry without components): it gets the same single repair attempt, with the problem fed back,
 * as an invalid candidate does, and whatever is still unusable is dropped with the reason.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { designRewards } from "../../../runtime/src/reward-design/design.js";
import { layoutOf, sampleTransitions } from "../../../runtime/src/reward-design/samples.js";
import { LlmOutputError } from "../../../runtime/src/llm/provider.js";
import { makeEnv } from "../../../runtime/src/envs/registry.js";
import { CARTPOLE_SPEC } from "../../../runtime/src/envs/cartpole.js";
import { ScriptedProvider, cand } from "./scripted-provider.js";

const ctx = { spec: CARTPOLE_SPEC, task: "Balance the pole.", currentReward: null };
const base = { layout: layoutOf(CARTPOLE_SPEC), samples: sampleTransitions(() => makeEnv("CartPole-v1"), { count: 32, seed: 1 }) };
const CUT_SHORT = "the model's output is not JSON matching the schema (640 tokens; cut short by maxTokens)";
const cutShort = () => new LlmOutputError(CUT_SHORT, '{"candidates": [{"components": [{"name": "upri', undefined, { promptTokens: 100, generatedTokens: 640, seconds: 2, tokensPerSecond: 320 });
const isRepair = (prompt: string) => prompt.includes("could not be read");

test("an answer cut short (LlmOutputError) is asked for again with the error fed back, and the repaired candidates count", async () => {
  const provider = new ScriptedProvider((prompt) => {
    if (!isRepair(prompt)) throw cutShort();
    return { candidates: [cand("alive", ["alive", "envReward"]), cand("upright", ["upright", "1 - Math.abs(nextObs.theta) / 0.2095"])] };
  });
  const round = await designRewards(ctx, { provider, count: 2, ...base });
  assert.equal(provider.prompts.length, 2);
  assert.ok(provider.prompts[1]!.includes(`The error:\n${CUT_SHORT}`), "the error was fed back");
  assert.match(provider.prompts[1]!, /Write 2 different candidate reward functions/);
  assert.deepEqual(
    round.candidates.map((c) => [c.components[0]!.name, c.repaired, c.repairedFrom]),
    [
      ["alive", true, CUT_SHORT],
      ["upright", true, CUT_SHORT],
    ],
  );
  assert.deepEqual(round.rejected, []);
  // The failed generation still cost its tokens.
  assert.equal(round.stats.generations, 2);
  assert.ok(round.stats.generatedTokens >= 640);
});

test("an answer that is not the schema's shape, twice, is dropped with both reasons", async () => {
  const provider = new ScriptedProvider((prompt) => (isRepair(prompt) ? "just text" : { rewards: [] }));
  const round = await designRewards(ctx, { provider, count: 3, ...base });
  assert.equal(provider.prompts.length, 2, "one repair attempt, not more");
  assert.match(provider.prompts[1]!, /The error:\nthe output has no candidates array/);
  assert.deepEqual(round.candidates, []);
  assert.deepEqual(round.rejected, [{ reason: "the output has no candidates array; after one repair attempt: the output has no candidates array" }]);
});

test("an entry without components: only the missing candidate is asked for again; an invalid repair is dropped with its reason, not repaired again", async () => {
  const provider = new ScriptedProvider((prompt) =>
    isRepair(prompt) ? { candidates: [cand("escape", ["io", "process.pid"])] } : { candidates: [cand("alive", ["alive", "envReward"]), { rationale: "empty", components: [] }] },
  );
  const round = await designRewards(ctx, { provider, count: 2, ...base });
  assert.equal(provider.prompts.length, 2);
  assert.match(provider.prompts[1]!, /The error:\ncandidate 2 has no components/);
  assert.match(provider.prompts[1]!, /Write 1 different candidate reward function,/);
  assert.deepEqual(
    round.candidates.map((c) => [c.components[0]!.name, c.repaired]),
    [["alive", false]],
  );
  assert.equal(round.rejected.length, 1);
  assert.match(round.rejected[0]!.reason, /^candidate 2 has no components; after one repair attempt: .*"process" is not defined/);
  assert.deepEqual(round.rejected[0]!.components, [{ name: "io", code: "process.pid" }]);
});

test("a repair that is cut short too is dropped with the output error", async () => {
  const provider = new ScriptedProvider(() => {
    throw cutShort();
  });
  const round = await designRewards(ctx, { provider, count: 1, ...base });
  assert.equal(provider.prompts.length, 2);
  assert.deepEqual(round.candidates, []);
  assert.deepEqual(round.rejected, [{ reason: `${CUT_SHORT}; after one repair attempt: ${CUT_SHORT}` }]);
  assert.equal(round.stats.generations, 2);
});

test("other provider errors are not output problems: they end the round", async () => {
  const provider = new ScriptedProvider(() => {
    throw new Error("the model crashed");
  });
  await assert.rejects(designRewards(ctx, { provider, count: 1, ...base }), /the model crashed/);
  assert.equal(provider.prompts.length, 1);
});
