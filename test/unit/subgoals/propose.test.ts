import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GbnfSampler } from "../reward-design/gbnf-sampler.js";
import { ScriptedProvider } from "../reward-design/scripted-provider.js";
import { subgoalGrammar } from "../../../runtime/src/subgoals/propose/grammar.js";
import { checkProposedSubgoal } from "../../../runtime/src/subgoals/propose/check.js";
import { findSubgoalsProperty, propertyEdit, proposeSubgoals, readProposal, subgoalsSnippet } from "../../../runtime/src/subgoals/propose/propose.js";
import { validateProposal, validationSamples } from "../../../runtime/src/subgoals/propose/validate.js";
import { proposalPrompt } from "../../../runtime/src/subgoals/propose/prompt.js";
import { ENV_SPECS, makeEnv } from "../../../runtime/src/envs/registry.js";
import { MOUNTAIN_CAR_SPEC } from "../../../runtime/src/envs/mountain-car.js";
import { Rng } from "../../../runtime/src/rng.js";
import { loadExperiment } from "../../../runtime/src/experiment/resolve.js";

test("every sentence of the sub-goal grammar reads as a proposal whose predicates pass the static checks", () => {
  for (const spec of ENV_SPECS) {
    const fields = spec.observationFields.map((f) => f.name);
    const sampler = new GbnfSampler(subgoalGrammar(fields));
    const rng = new Rng(5);
    for (let i = 0; i < 40; i++) {
      const text = sampler.sample(() => rng.random());
      const { subgoals, malformed } = readProposal(JSON.parse(text));
      assert.equal(malformed, null, text);
      assert.ok(subgoals.length >= 2 && subgoals.length <= 5);
      for (const s of subgoals) assert.deepEqual(checkProposedSubgoal(s.name, s.achieved, fields), [], `${spec.id}: ${s.achieved}`);
    }
  }
});

test("static checks: a non-condition, another name than obs, an unknown field", () => {
  const fields = ["position", "velocity"];
  assert.match(checkProposedSubgoal("a", "obs.position * 2", fields).join(), /must be a condition/);
  assert.match(checkProposedSubgoal("a", "nextObs.position > 0", fields).join(), /may read only obs/);
  assert.match(checkProposedSubgoal("a", "obs.positon > 0", fields).join(), /did you mean obs\.position/);
  assert.match(checkProposedSubgoal("a b", "obs.position > 0", fields).join(), /must be an identifier/);
  assert.deepEqual(checkProposedSubgoal("a", "(obs.position > 0 && Math.abs(obs.velocity) >= 0.01) || !(obs.position < -1)", fields), []);
});

test("validation in the sandbox: always true at the start, unreachable, not reached by a random policy but satisfiable", async () => {
  const samples = validationSamples(() => makeEnv("MountainCar-v0"), MOUNTAIN_CAR_SPEC, { transitions: 600, sweep: 400, seed: 1 });
  const verdicts = await validateProposal(
    [
      { name: "moving", description: "", achieved: "Math.abs(obs.velocity) > 0.001" },
      { name: "anywhere", description: "", achieved: "obs.position > -2" },
      { name: "beyondWorld", description: "", achieved: "obs.position > 0.7" },
      { name: "flag", description: "", achieved: "obs.position >= 0.5" },
      { name: "bad", description: "", achieved: "obs.position + 1" },
    ],
    MOUNTAIN_CAR_SPEC,
    samples,
  );
  const byName = Object.fromEntries(verdicts.map((v) => [v.subgoal.name, v]));
  assert.equal(byName.moving!.ok, true);
  assert.ok(byName.moving!.ok && byName.moving!.visitedRate > 0.3);
  assert.deepEqual(byName.anywhere!.ok ? null : byName.anywhere!.kind, "always-true");
  assert.deepEqual(byName.beyondWorld!.ok ? null : byName.beyondWorld!.kind, "unreachable");
  assert.ok(byName.flag!.ok, "the flag is satisfiable though a random policy never reaches it");
  assert.match(byName.flag!.ok ? byName.flag!.note : "", /not reached in 600 random-policy steps; holds in \d+% of states spread over the fields' ranges/);
  assert.deepEqual(byName.bad!.ok ? null : byName.bad!.kind, "invalid");
});

test("the prompt carries the task, the fields and the rules", () => {
  const p = proposalPrompt({ spec: MOUNTAIN_CAR_SPEC, task: "Reach the flag.", current: null });
  assert.match(p, /Task: Reach the flag\./);
  assert.match(p, /The fields are: position, velocity\./);
  assert.match(p, /2 to 5 sub-goals, in the order/);
});

test("snippet and where it goes: replaces an existing subgoals property, or is inserted after the last property", () => {
  const snippet = subgoalsSnippet([{ name: "left", description: "swing left", achieved: "obs.position < -0.9" }]);
  assert.equal(snippet, 'subgoals: [\n    { name: "left", description: "swing left", achieved: ({ obs }) => obs.position < -0.9 },\n  ],');
  const apply = (text: string, property: string) => {
    const e = propertyEdit(findSubgoalsProperty(text)!, property);
    return text.slice(0, e.start) + e.newText + text.slice(e.end);
  };
  const withOne = 'defineExperiment({\n  env: "MountainCar-v0",\n  subgoals: [],\n  seed: 1,\n});';
  assert.equal(apply(withOne, "subgoals: [x]"), 'defineExperiment({\n  env: "MountainCar-v0",\n  subgoals: [x],\n  seed: 1,\n});');
  assert.equal(apply('defineExperiment({\n  env: "MountainCar-v0",\n  seed: 1\n});', "subgoals: [x]"), 'defineExperiment({\n  env: "MountainCar-v0",\n  seed: 1,\n  subgoals: [x]\n});');
  assert.equal(apply('defineExperiment({\n  env: "MountainCar-v0",\n  seed: 1,\n});', "subgoals: [x]"), 'defineExperiment({\n  env: "MountainCar-v0",\n  seed: 1,\n  subgoals: [x],\n});');
});

test("proposeSubgoals with a scripted model: a plausible answer validates, becomes an edit, and the edited file trains with it", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "rls-propose-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "mc.rl.ts");
  const text = 'import { defineExperiment } from "rl-studio";\n\nexport default defineExperiment({\n  name: "mc",\n  env: "MountainCar-v0",\n  task: "Reach the flag on the right hill.",\n  algorithm: "ppo",\n});\n';
  writeFileSync(path, text);
  const provider = new ScriptedProvider(() => ({
    subgoals: [
      { name: "buildSpeed", description: "get moving", achieved: "Math.abs(obs.velocity) > 0.015" },
      { name: "swingLeft", description: "back up the left hill", achieved: "obs.position < -0.9" },
      { name: "everywhere", description: "always", achieved: "obs.position >= -1.2" },
      { name: "nearFlag", description: "close to the flag", achieved: "obs.position > 0.3" },
    ],
  }));
  const p = await proposeSubgoals(path, { provider, samples: 600 });
  assert.match(provider.prompts[0]!, /Reach the flag on the right hill\./);
  assert.equal(p.malformed, null);
  assert.deepEqual(p.verdicts.map((v) => (v.ok ? "ok" : v.kind)), ["ok", "ok", "always-true", "ok"]);
  assert.ok(p.edit);
  const edited = text.slice(0, p.edit!.start) + p.edit!.newText + text.slice(p.edit!.end);
  writeFileSync(path, edited);
  const experiment = await loadExperiment(path);
  assert.deepEqual(experiment.subgoals.map((s) => s.name), ["buildSpeed", "swingLeft", "nearFlag"]);
  // A malformed answer is reported, not thrown.
  const bad = await proposeSubgoals(path, { provider: new ScriptedProvider(() => ({ goals: [] })) });
  assert.equal(bad.malformed, "the answer has no subgoals array");
  assert.equal(bad.edit, null);
});
