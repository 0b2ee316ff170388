/**
 * LLM reward-design benchmark, printed as JSON lines and a final JSON summary.
 * Run: `npm run bench -- llm` or `node --import tsx bench/llm.ts`.
 *
 * - suggest: suggestion latency (p50 over runs) and tokens/s with the test model
 *   (test/test-model.mjs: RL_STUDIO_TEST_MODEL, default ../shared/models/stories260K.gguf; the bench
 *   fails without it), and the share of its
 *   candidates that validate (its rewards are nonsense, but the reward grammar makes them parse and
 *   name real fields, so most validate: the figure is the plumbing's, not the model's skill).
 * - threads: one greedy generation (up to 64 tokens) with 1 llama.cpp thread, with chooseThreads()'s
 *   count and with 2 per logical CPU (each cut off after 60 s): why the runtime never lets llama.cpp
 *   take every core.
 * The sandbox's own costs (per reward evaluation, per candidate realm) are bench/sandbox.ts's.
 * - evolve: wall time of the Eureka loop, K=4 × N=3 on CartPole, scripted LLM, 8 192 steps per candidate.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { ModelManager } from "../runtime/src/llm/model-manager.js";
import { TEST_MODEL, missingTestModel } from "../test/test-model.mjs";
import { LlamaProvider } from "../runtime/src/llm/llama-provider.js";
import { chooseThreads } from "../runtime/src/llm/node-llama.js";
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
const model = TEST_MODEL;
const noModel = missingTestModel();
if (noModel === null) {
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

  // ── threads: why chooseThreads() passes half the logical CPUs (runtime/src/llm/node-llama.ts) ──
  // One greedy generation (up to 64 tokens) with 1 thread, with chooseThreads()'s count, and with 2
  // per logical CPU (what oversubscription looks like); each is cut off after THREADS_CAP_S.
  const THREADS_CAP_S = 60;
  const cpus = availableParallelism();
  const threadRows: Record<string, unknown>[] = [];
  for (const threads of [...new Set([1, chooseThreads(cpus), 2 * cpus])]) {
    const m = new ModelManager({ model, gpu: "off", threads, contextSize: 512 });
    const p = new LlamaProvider(m);
    await m.load();
    const t = performance.now();
    try {
      const out = await p.generateJson({ prompt: "Once upon a time", schema: { type: "object", properties: { story: { type: "string" } } }, maxTokens: 64, seed: 1, temperature: 0, signal: AbortSignal.timeout(THREADS_CAP_S * 1000) });
      threadRows.push({ threads, seconds: +((performance.now() - t) / 1000).toFixed(2), tokens: out.stats.generatedTokens });
    } catch (err) {
      threadRows.push({ threads, seconds: `> ${THREADS_CAP_S}`, error: (err as Error).name });
    }
    print({ section: "threads", logicalCpus: cpus, ...threadRows.at(-1), loadavg: load() });
    await p.dispose();
    await m.dispose();
  }
  summary.threads = threadRows;
} else {
  // The README's suggest and Eureka-with-model figures come from here: without the model they are not measured, and the bench says so and fails.
  summary.suggest = `not measured: ${noModel}`;
  process.exitCode = 1;
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
