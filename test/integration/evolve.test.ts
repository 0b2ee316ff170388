/**
 * The Eureka loop end to end on CartPole with a scripted LLM and a tiny budget: candidates train
 * in workers with the real trainer, the best measured fitness wins, a broken candidate is repaired
 * (or dropped with its reason), and the reflection carries component statistics and failures.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evolveReward } from "../../runtime/src/reward-design/evolve.js";
import { suggestRewards } from "../../runtime/src/reward-design/suggest.js";
import { ScriptedProvider, cand } from "../unit/reward-design/scripted-provider.js";

function workspace(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "rl-evolve-"));
  writeFileSync(join(dir, "package.json"), "{}\n");
  const file = join(dir, "cartpole.rl.ts");
  writeFileSync(
    file,
    `import { defineExperiment } from "rl-studio";
export default defineExperiment({
  name: "cartpole-evolve",
  env: "CartPole-v1",
  task: "Balance the pole as long as possible.",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: 100_000, numEnvs: 4, numSteps: 64, numMinibatches: 2, updateEpochs: 4, learningRate: 2.5e-3 },
  seed: 1,
  reward: ({ envReward }) => ({ alive: envReward }),
});
`,
  );
  return { dir, file };
}

test("suggestRewards: valid candidates get a snippet; a misspelt field is repaired; a hopeless one is dropped with its reason", async () => {
  const { dir, file } = workspace();
  try {
    const provider = new ScriptedProvider((prompt) => {
      if (prompt.includes("failed validation")) {
        if (prompt.includes("nextObs.angle")) return { candidates: [cand("fixed", ["upright", "1 - Math.abs(nextObs.theta) / 0.2095"])] };
        return { candidates: [cand("still broken", ["io", "require('fs').statSync('/').size"])] };
      }
      return {
        candidates: [
          cand("keep upright", ["alive", "envReward"], ["centered", "-Math.abs(nextObs.x) / 2.4"]),
          cand("typo", ["upright", "1 - Math.abs(nextObs.angle) / 0.2095"]),
          cand("escape", ["io", "process.pid"]),
        ],
      };
    });
    const out = await suggestRewards(file, { provider, count: 3 });
    assert.match(provider.prompts[0]!, /theta: pole angle from vertical/);
    assert.match(provider.prompts[0]!, /Task: Balance the pole as long as possible\./);
    assert.match(provider.prompts[0]!, /reward: \(\{ envReward \}\) => \(\{ alive: envReward \}\)/);
    assert.equal(out.candidates.length, 2);
    assert.equal(out.candidates[0]!.code, "reward: ({ nextObs, envReward }) => ({\n    alive: envReward,\n    centered: -Math.abs(nextObs.x) / 2.4,\n  }),");
    assert.equal(out.candidates[0]!.repaired, false);
    assert.deepEqual(out.candidates[0]!.sampleStats.alive, { min: 1, mean: 1, max: 1 });
    const repaired = out.candidates[1]!;
    assert.equal(repaired.repaired, true);
    assert.match(repaired.repairedFrom!, /nextObs\.angle is not an observation field/);
    assert.ok(provider.prompts.some((p) => p.includes("nextObs.angle is not an observation field")), "the error was fed back");
    assert.equal(out.rejected.length, 1);
    assert.match(out.rejected[0]!.reason, /"process" is not defined.*after one repair attempt: .*"require" is not defined/);
    assert.equal(out.stats.generations, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("suggestRewards with sourceText: the unsaved buffer is what is compiled, prompted and pointed into", async () => {
  const { dir, file } = workspace();
  try {
    // On disk: CartPole. In the editor, unsaved: Acrobot with its own reward, two lines further down.
    const buffer = `import { defineExperiment } from "rl-studio";
// unsaved
// edits
export default defineExperiment({
  name: "acrobot-unsaved",
  env: "Acrobot-v1",
  task: "Swing the tip above the bar.",
  algorithm: "ppo",
  reward: ({ envReward }) => ({ step: envReward }),
});
`;
    const cartField = cand("cart field", ["centred", "-Math.abs(nextObs.x)"]);
    const provider = new ScriptedProvider((prompt) =>
      prompt.includes("failed validation") ? { candidates: [cartField] } : { candidates: [cand("height", ["height", "-nextObs.cosTheta1"]), cartField] },
    );
    const out = await suggestRewards(file, { provider, count: 2, sourceText: buffer });
    assert.match(provider.prompts[0]!, /cosTheta1/);
    assert.match(provider.prompts[0]!, /Task: Swing the tip above the bar\./);
    assert.match(provider.prompts[0]!, /reward: \(\{ envReward \}\) => \(\{ step: envReward \}\)/);
    assert.doesNotMatch(provider.prompts[0]!, /Balance the pole/);
    assert.equal(out.experiment.envId, "Acrobot-v1");
    // Acrobot's fields validate; CartPole's `x` does not exist there (one repair attempt, scripted to fail the same way).
    assert.deepEqual(out.candidates.map((c) => c.components.map((k) => k.name)), [["height"]]);
    assert.match(out.rejected[0]!.reason, /nextObs\.x is not an observation field/);
    const range = out.rewardRange!;
    assert.equal(buffer.slice(range.start, range.end).replace(/,\s*$/, ""), "reward: ({ envReward }) => ({ step: envReward })");
    // The file on disk is untouched and still what the next suggestion without sourceText reads.
    assert.match(readFileSync(file, "utf8"), /CartPole-v1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("evolveReward on CartPole: trains each candidate, keeps the best measured fitness, reflects, saves everything", async () => {
  const { dir, file } = workspace();
  try {
    const provider = new ScriptedProvider((prompt) => {
      if (prompt.includes("failed validation")) return { candidates: [cand("fixed", ["upright", "1 - Math.abs(nextObs.theta) / 0.2095"])] };
      if (!prompt.includes("We trained a PPO policy")) {
        return {
          candidates: [
            cand("alive bonus", ["alive", "envReward"]),
            cand("die fast", ["penalty", "-1"]),
            cand("typo", ["upright", "1 - Math.abs(nextObs.angle) / 0.2095"]),
          ],
        };
      }
      return { candidates: [cand("alive and centred", ["alive", "envReward"], ["centered", "-0.1 * Math.abs(nextObs.x)"]), cand("throws late", ["boom", "episodeStep > 60 ? (() => { throw new Error('boom'); })() : 0"], ["alive", "envReward"])] };
    });
    const progress: string[] = [];
    const result = await evolveReward(file, { provider, candidates: 3, iterations: 2, budget: 2048, backend: "js", onProgress: (e) => progress.push(e.phase) });

    assert.equal(result.status, "completed");
    const trained = result.candidates.filter((c) => c.status === "trained");
    assert.equal(trained.length, 4, JSON.stringify(result.candidates.map((c) => [c.components[0]?.name, c.status, c.error, c.globalStep, c.fitness])));
    const measured = trained.map((c) => c.fitness!);
    assert.ok(measured.every((f) => Number.isFinite(f)));
    assert.equal(result.best!.fitness, Math.max(...measured), "the best is the highest measured fitness");
    const byName = (n: string) => trained.find((c) => c.components[0]!.name === n)!;
    assert.ok(byName("alive").fitness! > byName("penalty").fitness!, `rewarding survival beats rewarding death: ${byName("alive").fitness} vs ${byName("penalty").fitness}`);
    assert.equal(byName("upright").repaired, true);

    // Random-policy samples never reach step 60 (validation passes); training does, and fails.
    const failed = result.candidates.find((c) => c.components[0]?.name === "boom")!;
    assert.equal(failed.status, "failed");
    assert.match(failed.error!, /component "boom": Error: boom/);
    assert.equal(failed.fitness, null);

    // Eureka's reflection: per-component series with Max / Mean / Min, the fitness, the failures.
    assert.equal(result.reflections.length, 1);
    assert.match(result.reflections[0]!, /task fitness \(episodic return\): \[.*\], Max: .*, Mean: .*, Min: /);
    const firstBest = trained.filter((c) => c.iteration === 1).sort((a, b) => b.fitness! - a.fitness!)[0]!;
    assert.ok(result.reflections[0]!.startsWith("We trained a PPO policy for 2048 steps"));
    for (const c of firstBest.components) {
      // Iterations in which no episode ended carry no component sums.
      const values = firstBest.curves.map((p) => p.components[c.name]).filter((v): v is number => v !== undefined);
      assert.ok(values.length > 0 && values.every(Number.isFinite), `${c.name} was measured over training`);
      const stat = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3));
      assert.ok(
        result.reflections[0]!.includes(`, Max: ${stat(Math.max(...values))}, Mean: ${stat(values.reduce((a, b) => a + b, 0) / values.length)}, Min: ${stat(Math.min(...values))}`),
        `the reflection carries ${c.name}'s series with its max / mean / min: ${result.reflections[0]}`,
      );
    }
    assert.ok(provider.prompts.some((p) => p.includes(result.reflections[0]!)));

    // Saved: evolution.json and a run folder per trained candidate, with its curves.
    const saved = JSON.parse(readFileSync(join(result.dir, "evolution.json"), "utf8"));
    assert.equal(saved.candidates.length, result.candidates.length);
    assert.equal(saved.best.fitness, result.best!.fitness);
    assert.ok(result.dir.startsWith(join(dir, ".rl-studio", "evolutions")));
    for (const c of trained) {
      assert.ok(existsSync(join(c.runDir!, "metrics.jsonl")) && existsSync(join(c.runDir!, "episodes.jsonl")));
      assert.ok(c.curves.length > 0 && c.curves.at(-1)!.globalStep === 2048);
    }
    assert.ok(progress.includes("training") && progress.includes("iteration-done"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("evolveReward is cancellable: aborting mid-training saves the candidate in flight, the rejected ones, and says cancelled", async () => {
  const { dir, file } = workspace();
  try {
    const provider = new ScriptedProvider((prompt) =>
      prompt.includes("failed validation")
        ? { candidates: [cand("still escaping", ["io", "process.pid"])] }
        : { candidates: [cand("alive", ["alive", "envReward"]), cand("alive2", ["alive", "2 * envReward"]), cand("escape", ["io", "process.pid"])] },
    );
    const controller = new AbortController();
    const budget = 50_000;
    const result = await evolveReward(file, {
      provider,
      candidates: 3,
      iterations: 3,
      budget,
      backend: "js",
      signal: controller.signal,
      onProgress: (e) => {
        if (e.phase === "training" && e.globalStep >= 1024) controller.abort();
      },
    });
    assert.equal(result.status, "cancelled");
    assert.equal(provider.prompts.length, 2, "the first design and its one repair; no further iteration after the abort");
    assert.equal(result.reflections.length, 0);
    assert.equal(result.best, null, "a candidate stopped early has no comparable fitness");

    const saved = JSON.parse(readFileSync(join(result.dir, "evolution.json"), "utf8")) as typeof result;
    assert.equal(saved.status, "cancelled");
    const summary = saved.candidates.map((c) => [c.index, c.components[0]?.name, c.status, c.globalStep]);
    // The candidate being trained when the abort came: its code, and the steps it reached.
    const inFlight = saved.candidates.find((c) => c.code.includes("alive: envReward"));
    assert.ok(inFlight, `the in-flight candidate is saved: ${JSON.stringify(summary)}`);
    assert.equal(inFlight.status, "cancelled");
    assert.equal(inFlight.fitness, null);
    assert.ok(inFlight.globalStep >= 1024 && inFlight.globalStep < budget, `stopped early, at ${inFlight.globalStep} of ${budget} steps`);
    assert.ok(inFlight.curves.length > 0 && inFlight.curves.at(-1)!.globalStep <= inFlight.globalStep);
    // The iteration's rejected candidate, with its reason, and the one never started.
    const rejected = saved.candidates.find((c) => c.status === "rejected");
    assert.ok(rejected, `the rejected candidate is saved: ${JSON.stringify(summary)}`);
    assert.match(rejected.error!, /"process" is not defined/);
    const notStarted = saved.candidates.find((c) => c.code.includes("2 * envReward"));
    assert.equal(notStarted?.status, "cancelled");
    assert.equal(notStarted?.globalStep, 0);
    assert.equal(saved.candidates.length, 3);
    assert.deepEqual(result.candidates.map((c) => c.status).sort(), ["cancelled", "cancelled", "rejected"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("evolveReward that fails outside any candidate (the LLM is gone): rejects, and evolution.json says failed with the reason", async () => {
  const { dir, file } = workspace();
  try {
    const provider = new ScriptedProvider(() => {
      throw new Error("the model was unloaded");
    });
    const evolutionsRoot = join(dir, "evolutions");
    await assert.rejects(evolveReward(file, { provider, candidates: 2, iterations: 2, budget: 1024, evolutionsRoot }), /the model was unloaded/);
    const [id] = readdirSync(evolutionsRoot);
    const saved = JSON.parse(readFileSync(join(evolutionsRoot, id!, "evolution.json"), "utf8"));
    assert.equal(saved.status, "failed", "not left as completed (or running)");
    assert.match(saved.error, /the model was unloaded/);
    assert.deepEqual(saved.candidates, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
