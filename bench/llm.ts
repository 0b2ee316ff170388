/**
 * LLM reward-design benchmark, printed as JSON lines and a final JSON summary.
 * Run: `npm run bench -- llm` or `node --import tsx bench/llm.ts`.
 *
 * - suggest: suggestion latency (p50 over runs) and tokens/s with the test model
 *   (RL_STUDIO_TEST_MODEL, default ../shared/models/stories260K.gguf), and the share of its
 *   candidates that validate (its rewards are nonsense, but the reward grammar makes them parse and
 *   name real fields, so most validate: the figure is the plumbing's, not the model's skill).
 * The sandbox's own costs (per reward evaluation, per candidate realm) are bench/sandbox.ts's.
 * - evolve: wall time of the Eureka loop, K=4 × N=3 on CartPole, scripted LLM, 8 192 steps per candidate.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ModelManager } from "../runtime/src/llm/model-manager.js";
import { LlamaProvider } from "../runtime/src/llm/llama-provider.js";
import { suggestRewards } from "../runtime/src/reward-design/suggest.js";
import { evolveReward } from "../runtime/src/reward-design/evolve.js";
import { ScriptedProvider, cand } from "../test/unit/reward-design/scripted-provider.js";

const print = (o: unknown) => console.log(JSON.stringify(o));
const load = () => loadavg().map((x) => +x.toFixed(2));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const dir = mkdtempSync(join(tmpdir(), "rl-studio-bench-llm-"));
writeFileSync(join(dir, "package.json"), "{}\n");
const file = join(dir, "cartpole.rl.ts");
writeFileSync(
  file,
  `import { defineExperiment } from "rl-studio";
export default defineExperiment({
  name: "cartpole-llm-bench", env: "CartPole-v1", task: "Balance the pole as long as possible.", algorithm: "ppo",
  hyperparameters: { totalTimesteps: 100_000, numEnvs: 8, numSteps: 64, numMinibatches: 2, updateEpochs: 4, learningRate: 2.5e-3 },
  seed: 1,
});
`,
);
const summary: Record<string, unknown> = { loadavg: load() };

async function main(): Promise<void> {

// ── suggest with the real test model ──
const model = process.env.RL_STUDIO_TEST_MODEL ?? resolve(__dirname, "../../shared/models/stories260K.gguf");
if (existsSync(model)) {
  const manager = new ModelManager({ model, gpu: "off", contextSize: 2048 });
  const provider = new LlamaProvider(manager);
  const t0 = performance.now();
  await manager.load();
  const loadSeconds = (performance.now() - t0) / 1000;
  const latencies: number[] = [];
  let valid = 0;
  let total = 0;
  let tokens = 0;
  let genSeconds = 0;
  for (let run = 0; run < 5; run++) {
    const t = performance.now();
    try {
      const out = await suggestRewards(file, { provider, count: 3, seed: run });
      latencies.push((performance.now() - t) / 1000);
      valid += out.candidates.length;
      total += out.candidates.length + out.rejected.length;
      tokens += out.stats.generatedTokens;
      genSeconds += out.stats.seconds;
      print({ section: "suggest", run, seconds: latencies.at(-1), valid: out.candidates.length, rejected: out.rejected.length, generations: out.stats.generations, tokens: out.stats.generatedTokens, firstRejection: out.rejected[0]?.reason.slice(0, 160) });
    } catch (err) {
      print({ section: "suggest", run, error: (err as Error).message.slice(0, 200) });
    }
  }
  summary.suggest = {
    model,
    threads: manager.threads,
    loadSeconds: +loadSeconds.toFixed(2),
    p50Seconds: median(latencies),
    tokensPerSecond: genSeconds > 0 ? +(tokens / genSeconds).toFixed(1) : null,
    validShare: total > 0 ? valid / total : null,
    candidates: total,
  };
  print({ section: "suggest-summary", ...(summary.suggest as object) });
  // The whole Eureka loop with the real model writing (nonsense, grammar-valid) rewards: LLM time and training together.
  const te = performance.now();
  const evolution = await evolveReward(file, { provider, candidates: 4, iterations: 3, budget: 8192, backend: "js", seed: 1 });
  summary.evolveWithModel = {
    K: 4,
    N: 3,
    budgetPerCandidate: 8192,
    wallSeconds: +((performance.now() - te) / 1000).toFixed(1),
    llmSeconds: +evolution.llm.seconds.toFixed(1),
    trained: evolution.candidates.filter((c) => c.status === "trained").length,
    rejected: evolution.candidates.filter((c) => c.status === "rejected").length,
    bestFitness: evolution.best?.fitness ?? null,
  };
  print({ section: "evolve-with-model", ...(summary.evolveWithModel as object) });
  await provider.dispose();
  await manager.dispose();
} else {
  summary.suggest = `skipped: test model not found at ${model} (set RL_STUDIO_TEST_MODEL)`;
}

// ── evolution loop, scripted LLM ──
{
  const pool = [
    cand("alive", ["alive", "envReward"]),
    cand("upright", ["alive", "envReward"], ["upright", "1 - Math.abs(nextObs.theta) / 0.2095"]),
    cand("centred", ["alive", "envReward"], ["centered", "-0.2 * Math.abs(nextObs.x)"]),
    cand("calm", ["alive", "envReward"], ["calm", "-0.05 * Math.abs(nextObs.thetaDot)"]),
  ];
  const provider = new ScriptedProvider(() => ({ candidates: pool }));
  const t = performance.now();
  const result = await evolveReward(file, { provider, candidates: 4, iterations: 3, budget: 8192, backend: "js" });
  summary.evolve = {
    K: 4,
    N: 3,
    budgetPerCandidate: 8192,
    wallSeconds: +((performance.now() - t) / 1000).toFixed(1),
    trainSecondsPerCandidate: +(result.candidates.reduce((s, c) => s + c.wallSeconds, 0) / result.candidates.length).toFixed(2),
    trained: result.candidates.filter((c) => c.status === "trained").length,
    bestFitness: result.best?.fitness ?? null,
    best: result.best?.components.map((c) => c.name).join("+"),
  };
  print({ section: "evolve", ...(summary.evolve as object) });
}

summary.loadavgAfter = load();
print({ summary });
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
