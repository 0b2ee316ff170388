/**
 * TWOSOME against its baselines on Overcooked Tomato Salad, in the shape of the paper's comparison
 * (Tan et al., ICLR 2024, Fig. 4 / Table 1): at equal environment steps, 3 seeds each, every seed a
 * fresh `node dist/cli.js` process as a user starts it:
 *   - TWOSOME: the LLM policy (the test model, stories260K, unless RL_STUDIO_BENCH_MODEL names
 *     another GGUF) with LoRA, trained by `rl-studio train` (algorithm "twosome");
 *   - PPO-MLP: `algorithm: "ppo"` on the same env's vector observation, same rollout shape;
 *   - the zero-shot prior: `rl-studio eval <experiment> --prior` (the untrained LLM, greedy).
 * Each prints a JSON line: success rate (all episodes, and over the last half of the steps), steps
 * until 18 of 20 consecutive episodes succeed ("steps to 90 %"), process wall and CPU seconds, and
 * the machine's load average (it may be shared: compare ratios from one run).
 *
 * Sections: `small` (default; 256 steps per seed, a few minutes), `medium` (1 024 steps, no prior),
 * `full` (5 120 steps per seed).
 * Run: npm run build && npm run bench -- twosome [small|medium|full]
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { TEST_MODEL } from "../test/test-model.mjs";
import { CLI } from "./cli-process.js";

const SECTIONS: Record<string, { steps: number; priorEpisodes: number }> = {
  small: { steps: 256, priorEpisodes: 5 },
  // TWOSOME and PPO only (the prior's figures do not depend on the budget: run small for them).
  medium: { steps: 1_024, priorEpisodes: 0 },
  full: { steps: 5_120, priorEpisodes: 20 },
};
const SEEDS = [1, 2, 3];
const MODEL = resolve(process.env.RL_STUDIO_BENCH_MODEL || TEST_MODEL);
const SUCCESS_CAUSE = "correct delivery";

/** The same rollout shape for both trained methods: 4 envs × 16 macro-steps per iteration. */
function experimentFile(dir: string, algorithm: "twosome" | "ppo", steps: number): string {
  const shared = `totalTimesteps: ${steps}, numEnvs: 4, numSteps: 16, gamma: 0.99`;
  const body =
    algorithm === "twosome"
      ? `algorithm: "twosome",\n  llm: { normalization: "word", lora: { rank: 8, alpha: 16, targets: ["q", "v"] } },\n  hyperparameters: { ${shared}, numMinibatches: 8, valueNumMinibatches: 2, gradientAccumulationSteps: 2, learningRate: 1e-4, valueLearningRate: 1e-3 },`
      : `algorithm: "ppo",\n  hyperparameters: { ${shared}, numMinibatches: 4, updateEpochs: 4, learningRate: 1e-3, entCoef: 0.01, hiddenSizes: [64, 64] },`;
  const file = join(dir, `tomato-${algorithm}.rl.ts`);
  writeFileSync(file, `import { defineExperiment } from "rl-studio";\nexport default defineExperiment({\n  name: "bench-tomato-${algorithm}",\n  env: "Overcooked-TomatoSalad-v0",\n  ${body}\n  seed: 1,\n});\n`);
  return file;
}

interface Child {
  code: number | null;
  stdout: string;
  stderr: string;
  wallSeconds: number;
  cpuSeconds: number | null;
}

/** Runs the CLI in a fresh Node process; CPU seconds from /proc at its end (Linux). */
function cli(args: string[], cwd: string): Promise<Child> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_OPTIONS: "" } });
    let stdout = "";
    let stderr = "";
    let cpu: number | null = null;
    const sample = setInterval(() => {
      try {
        const stat = readFileSync(`/proc/${child.pid}/stat`, "utf8");
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        cpu = (Number(f[11]) + Number(f[12])) / 100;
      } catch {
        // The process has ended: keep the last sample.
      }
    }, 200);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", rej);
    child.on("close", (code) => {
      clearInterval(sample);
      res({ code, stdout, stderr, wallSeconds: (performance.now() - t0) / 1000, cpuSeconds: cpu });
    });
  });
}

const lastJson = (s: string) => JSON.parse(s.trimEnd().split("\n").at(-1)!) as Record<string, unknown>;

/** Success per finished episode, from episodes.jsonl (`success` when written, else the success cause). */
function episodesOf(runsDir: string): { step: number; success: boolean }[] {
  const run = readdirSync(runsDir)[0]!;
  const file = join(runsDir, run, "episodes.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { globalStep: number; success?: boolean; terminated: boolean; cause?: string })
    .map((e) => ({ step: e.globalStep, success: e.success ?? (e.terminated && e.cause === SUCCESS_CAUSE) }));
}

function stepsTo90(episodes: { step: number; success: boolean }[]): number | null {
  for (let i = 20; i <= episodes.length; i++) if (episodes.slice(i - 20, i).filter((e) => e.success).length >= 18) return episodes[i - 1]!.step;
  return null;
}

const rate = (xs: { success: boolean }[]) => (xs.length ? Number((xs.filter((e) => e.success).length / xs.length).toFixed(3)) : null);

async function trained(algorithm: "twosome" | "ppo", seed: number, steps: number, dir: string): Promise<void> {
  const file = experimentFile(dir, algorithm, steps);
  const runsDir = mkdtempSync(join(dir, `runs-${algorithm}-${seed}-`));
  const args = ["train", file, "--seed", String(seed), "--runs-dir", runsDir, "--json", ...(algorithm === "twosome" ? ["--model", MODEL] : ["--backend", "js"])];
  const r = await cli(args, dir);
  if (r.code !== 0) throw new Error(`${algorithm} seed ${seed} failed (${r.code}): ${r.stderr.slice(-2000)}`);
  const summary = lastJson(r.stdout);
  const episodes = episodesOf(runsDir);
  console.log(
    JSON.stringify({
      bench: "twosome-comparison",
      method: algorithm === "twosome" ? "TWOSOME (LoRA, test model)" : "PPO-MLP (vector obs)",
      seed,
      envSteps: summary.globalStep,
      episodes: episodes.length,
      successRate: rate(episodes),
      successRateLastHalf: rate(episodes.filter((e) => e.step > steps / 2)),
      stepsTo90Percent: stepsTo90(episodes),
      backend: summary.backend,
      processWallSeconds: Number(r.wallSeconds.toFixed(1)),
      processCpuSeconds: r.cpuSeconds,
      loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
    }),
  );
}

async function prior(seed: number, episodes: number, dir: string): Promise<void> {
  const file = experimentFile(dir, "twosome", 256);
  const r = await cli(["eval", file, "--prior", "--model", MODEL, "--episodes", String(episodes), "--seed", String(seed), "--json"], dir);
  if (r.code !== 0) throw new Error(`prior seed ${seed} failed (${r.code}): ${r.stderr.slice(-2000)}`);
  const s = lastJson(r.stdout) as { successRate: number; meanReturn: number; meanLength: number };
  console.log(
    JSON.stringify({
      bench: "twosome-comparison",
      method: "zero-shot prior (untrained LLM, greedy)",
      seed,
      envSteps: Math.round(s.meanLength * episodes),
      episodes,
      successRate: s.successRate,
      meanReturn: s.meanReturn,
      processWallSeconds: Number(r.wallSeconds.toFixed(1)),
      processCpuSeconds: r.cpuSeconds,
      loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
    }),
  );
}

async function main(): Promise<void> {
  const section = process.argv[2] ?? "small";
  const cfg = SECTIONS[section];
  if (!cfg) throw new Error(`unknown section '${section}': expected ${Object.keys(SECTIONS).join(", ")}`);
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  if (!existsSync(MODEL)) throw new Error(`model not found at ${MODEL} (set RL_STUDIO_BENCH_MODEL or RL_STUDIO_TEST_MODEL)`);
  const dir = mkdtempSync(join(tmpdir(), "rl-studio-bench-twosome-"));
  // A package.json so the CLI treats the folder as the workspace.
  writeFileSync(join(dir, "package.json"), "{}\n");
  console.log(JSON.stringify({ bench: "twosome-comparison", section, stepsPerSeed: cfg.steps, model: MODEL, cpus: cpus().length, gpu: "none used (TensorFlow.js CPU backends)", loadAverage: loadavg() }));
  if (cfg.priorEpisodes > 0) for (const seed of SEEDS) await prior(seed, cfg.priorEpisodes, dir);
  for (const seed of SEEDS) await trained("ppo", seed, cfg.steps, dir);
  for (const seed of SEEDS) await trained("twosome", seed, cfg.steps, dir);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
