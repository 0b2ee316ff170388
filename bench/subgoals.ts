/**
 * Sub-goals and Collect & Infer on sparse-reward tasks (Di Palo et al. 2023), ≥ 5 seeds per variant,
 * equal step budgets, each seed a fresh process (bench/subgoals-run.ts):
 *
 *   plain        PPO on the env's own reward
 *   handwritten  + hand-written sub-goals (examples/mountaincar-subgoals.rl.ts; the Overcooked ones below, the
 *                  last of them the delivery itself, each worth 5)
 *   proposed     + sub-goals proposed through the proposal path (proposeSubgoals with a scripted model
 *                  returning a fixed plausible answer, validated, accepted as an edit of the file)
 *   sil          plain PPO + selfImitation { source: "task" } from the store the handwritten seeds wrote
 *                  (each seed reads its own copy of it)
 *   testmodel    what stories260K proposes through the same path, whether it validates, and (if any
 *                  sub-goal does) training with it
 *
 * Tasks: MountainCar-v0 (unshaped; 200 k steps; success: the flag) under four settings — `mc`, the
 * example as it is (RL Zoo's settings, rewards unscaled, each sub-goal worth 5); `mc1`, each sub-goal
 * worth the default 1; `mcz`, the Zoo's normalisation in full (rewards scaled too); `mcd`, CleanRL's
 * ppo.py defaults — and Overcooked-TomatoLettuceSalad-v0's vector observation (`oc`; success: the
 * correct delivery). Per seed: whether all of its last 20 episodes
 * succeeded, the share that did, the step of its first success, wall and CPU seconds; per variant:
 * the share of seeds that succeeded, median steps to first success, median wall. Every line carries
 * the load average (the machine is shared).
 *
 * Run: npm run bench -- subgoals, or in sections:
 *   node --import tsx bench/subgoals.ts mc-plain mc-handwritten mc-proposed mc-sil mc1-handwritten mcz-plain mcz-handwritten
 *     mcd-plain mcd-handwritten oc-plain oc-handwritten oc-proposed oc-sil testmodel
 * (any `<mc|mc1|mcz|mcd|oc>-<plain|handwritten|proposed|sil>`; a sil section needs its handwritten one first).
 * SUBGOALS_BENCH_SEEDS (default 5), SUBGOALS_BENCH_MC_STEPS (200000), SUBGOALS_BENCH_OC_STEPS (150000).
 * Results: one JSON line per seed and per variant on stdout; all of them in bench/out/subgoals.json.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { proposeSubgoals, findSubgoalsProperty, propertyEdit, type SubgoalProposal } from "../runtime/src/subgoals/propose/propose.js";
import { ModelManager } from "../runtime/src/llm/model-manager.js";
import { LlamaProvider } from "../runtime/src/llm/llama-provider.js";
import { ScriptedProvider } from "../test/unit/reward-design/scripted-provider.js";

const SEEDS = Number(process.env.SUBGOALS_BENCH_SEEDS ?? 5);
const OUT = resolve("bench/out/subgoals");
const TEST_MODEL = process.env.RL_STUDIO_TEST_MODEL ?? resolve("..", "shared", "models", "stories260K.gguf");

interface Task {
  /** Section prefix: `<key>-plain`, `<key>-handwritten`, `<key>-proposed`, `<key>-sil`. */
  key: string;
  budget: number;
  /** The experiment without sub-goals (the plain variant). */
  plain: string;
  handwritten: string;
  /** What the scripted model answers for the proposed variant. */
  scripted: unknown;
}

/** Remove the experiment's subgoals / subgoalReward properties. */
function withoutSubgoals(text: string): string {
  const at = findSubgoalsProperty(text);
  // The property and its comma.
  const stripped = at && at.text !== null ? text.slice(0, at.start) + text.slice(at.end).replace(/^,/, "") : text;
  return stripped.replace(/^\s*subgoalReward:.*\n/m, "").replace(/\n\s*\n(\s*\}\);)/, "\n$1");
}

/** Insert a property after the experiment object's last one. */
function insertProperty(text: string, property: string): string {
  const at = findSubgoalsProperty(text)!;
  const edit = propertyEdit({ ...at, text: null, start: at.end, end: at.end }, property.replace(/,$/, ""));
  return text.slice(0, edit.start) + edit.newText + text.slice(edit.end);
}

const MC_HANDWRITTEN = readFileSync("examples/mountaincar-subgoals.rl.ts", "utf8");

/** The experiment's `subgoalReward: …,` line, or null (the default, 1). */
const subgoalRewardLine = (text: string): string | null => /^\s*(subgoalReward:[^\n]*,)\s*$/m.exec(text)?.[1] ?? null;

/** The same experiment with its hyperparameters object replaced by `hyperparameters`. */
function withHyperparameters(text: string, hyperparameters: string): string {
  const at = /^ {2}hyperparameters: \{[\s\S]*?^ {2}\},?$|^ {2}hyperparameters: \{.*\},?$/m.exec(text);
  if (!at) throw new Error("no hyperparameters property to replace");
  return text.slice(0, at.index) + `  hyperparameters: ${hyperparameters},` + text.slice(at.index + at[0].length);
}

/** The same experiment with one more hyperparameter (the object's last property). */
function withHyperparameter(text: string, property: string): string {
  const at = /^( {4}normalizeObservations: true,)$/m.exec(text);
  if (!at) throw new Error("no normalizeObservations line to add after");
  return text.slice(0, at.index + at[0].length) + `\n    ${property},` + text.slice(at.index + at[0].length);
}
const OC_PLAIN = `import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "tomato-lettuce-salad",
  env: "Overcooked-TomatoLettuceSalad-v0",
  task: "Serve a bowl of chopped tomato and lettuce without onion: chop the tomato and the lettuce on the cutting boards, put both in the bowl, deliver it.",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: 150_000, numEnvs: 8, numSteps: 64, numMinibatches: 4, updateEpochs: 4, learningRate: 1e-3, gamma: 0.99, entCoef: 0.01 },
  seed: 1,
});
`;
const OC_SUBGOALS = `subgoals: [
    { name: "tomatoChopped", description: "the tomato is chopped", achieved: ({ obs }) => obs.tomatoChops >= 3 },
    { name: "lettuceChopped", description: "the lettuce is chopped", achieved: ({ obs }) => obs.lettuceChops >= 3 },
    { name: "saladInBowl", description: "both chopped foods lie in the bowl", achieved: ({ obs }) => obs.plateRow > 0 && obs.tomatoRow === obs.plateRow && obs.tomatoCol === obs.plateCol && obs.lettuceRow === obs.plateRow && obs.lettuceCol === obs.plateCol && obs.tomatoChops >= 3 && obs.lettuceChops >= 3 },
    { name: "saladServed", description: "the bowl of tomato and lettuce, no onion, is on the delivery counter", achieved: ({ obs }) => obs.deliveryRow > 0 && obs.plateRow === obs.deliveryRow && obs.plateCol === obs.deliveryCol && obs.tomatoRow === obs.plateRow && obs.tomatoCol === obs.plateCol && obs.lettuceRow === obs.plateRow && obs.lettuceCol === obs.plateCol && !(obs.onionRow === obs.plateRow && obs.onionCol === obs.plateCol) },
  ],
  subgoalReward: 5,`;

const MC_SCRIPTED = {
  subgoals: [
    { name: "gainSpeed", description: "get the car moving fast", achieved: "Math.abs(obs.velocity) > 0.02" },
    { name: "leftSlope", description: "swing high up the left slope", achieved: "obs.position < -0.85" },
    { name: "rightSlope", description: "climb the right slope", achieved: "obs.position > 0.1" },
    { name: "almostThere", description: "almost at the flag", achieved: "obs.position > 0.35" },
  ],
};

/** MountainCar-v0 as the example has it, and the same sub-goals under other settings. */
function mountainCar(key: string, handwritten: string): Task {
  return { key, budget: Number(process.env.SUBGOALS_BENCH_MC_STEPS ?? 200_000), plain: withoutSubgoals(handwritten), handwritten, scripted: MC_SCRIPTED };
}

const TASKS: Task[] = [
  // The example: RL Zoo's settings with unscaled rewards, each sub-goal worth 5.
  mountainCar("mc", MC_HANDWRITTEN),
  // The same with each sub-goal worth the default 1.
  mountainCar("mc1", MC_HANDWRITTEN.replace(/^(\s*)subgoalReward:[^\n]*\n/m, "$1subgoalReward: 1,\n")),
  // RL Zoo's `normalize: true` in full: the rewards scaled too.
  mountainCar("mcz", withHyperparameter(MC_HANDWRITTEN, "normalizeRewards: true")),
  // CleanRL's ppo.py defaults (4 envs × 128 steps, nothing normalised).
  mountainCar("mcd", withHyperparameters(MC_HANDWRITTEN, "{ totalTimesteps: 200_000 }")),
  {
    key: "oc",
    budget: Number(process.env.SUBGOALS_BENCH_OC_STEPS ?? 150_000),
    plain: OC_PLAIN,
    handwritten: insertProperty(OC_PLAIN, OC_SUBGOALS),
    scripted: {
      subgoals: [
        { name: "tomatoDone", description: "tomato chopped", achieved: "obs.tomatoChops >= 3" },
        { name: "lettuceDone", description: "lettuce chopped", achieved: "obs.lettuceChops >= 3" },
        { name: "holdBowl", description: "the bowl is carried", achieved: "obs.plateRow >= 1 && obs.lettuceChops >= 3" },
        { name: "serveBowl", description: "the bowl is on the delivery counter", achieved: "obs.plateRow >= 3 && obs.plateCol < 0.5" },
      ],
    },
  },
];

const records: unknown[] = [];
const emit = (r: Record<string, unknown>) => {
  const line = { ...r, loadAverage1m: loadavg()[0] };
  records.push(line);
  console.log(JSON.stringify(line));
};

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

interface SeedResult {
  succeeded: boolean;
  last20SuccessShare: number;
  firstSuccessStep: number | null;
  wallSeconds: number;
  cpuSeconds: number;
  status: string;
}

/** Train `text` for every seed, each in a fresh process; one summary line for the variant. */
function variant(task: Task, name: string, text: string, experienceRoot: (seed: number) => string | null, extra: Record<string, unknown> = {}): void {
  const dir = join(OUT, `${task.key}-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "experiment.rl.ts");
  writeFileSync(file, text);
  const results: SeedResult[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const root = experienceRoot(seed);
    const child = spawnSync(process.execPath, ["--import", "tsx", "bench/subgoals-run.ts", file, String(seed), String(task.budget), join(dir, "runs"), root ?? "-"], { encoding: "utf8", maxBuffer: 64 << 20 });
    const line = child.stdout.trim().split("\n").at(-1) ?? "";
    let r: SeedResult & Record<string, unknown>;
    try {
      r = JSON.parse(line);
    } catch {
      emit({ bench: "subgoals-seed", task: task.key, variant: name, seed, error: (child.stderr || line).slice(-2000) });
      continue;
    }
    results.push(r);
    emit({ bench: "subgoals-seed", task: task.key, variant: name, ...r });
  }
  emit({
    bench: "subgoals-variant",
    task: task.key,
    variant: name,
    seeds: results.length,
    budget: task.budget,
    successRate: results.filter((r) => r.succeeded).length / Math.max(1, results.length),
    meanLast20SuccessShare: results.reduce((s, r) => s + r.last20SuccessShare, 0) / Math.max(1, results.length),
    seedsWithAnySuccess: results.filter((r) => r.firstSuccessStep !== null).length,
    medianStepsToFirstSuccess: median(results.flatMap((r) => (r.firstSuccessStep === null ? [] : [r.firstSuccessStep]))),
    medianWallSeconds: median(results.map((r) => r.wallSeconds)),
    medianCpuSeconds: median(results.map((r) => r.cpuSeconds)),
    ...extra,
  });
}

async function proposedText(task: Task, provider: ScriptedProvider | LlamaProvider): Promise<{ text: string | null; proposal: SubgoalProposal }> {
  const dir = join(OUT, `${task.key}-propose`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "experiment.rl.ts");
  writeFileSync(file, task.plain);
  const proposal = await proposeSubgoals(file, { provider, seed: 1 });
  const text = proposal.edit ? task.plain.slice(0, proposal.edit.start) + proposal.edit.newText + task.plain.slice(proposal.edit.end) : null;
  return { text, proposal };
}

const summarise = (p: SubgoalProposal) => ({
  malformed: p.malformed,
  proposed: p.verdicts.map((v) => ({ name: v.subgoal.name, achieved: v.subgoal.achieved, verdict: v.ok ? `ok: ${v.note}` : `${v.kind}: ${v.reason}` })),
  tokens: p.stats.generatedTokens,
  seconds: p.stats.seconds,
});

async function main(): Promise<void> {
  const all = [...TASKS.flatMap((t) => ["plain", "handwritten", "proposed", "sil"].map((v) => `${t.key}-${v}`)), "testmodel"];
  const sections = process.argv.slice(2).length > 0 ? process.argv.slice(2) : all;
  for (const s of sections) if (!all.includes(s)) throw new Error(`unknown section ${s}; sections: ${all.join(", ")}`);
  mkdirSync(OUT, { recursive: true });
  const store = (task: Task) => join(OUT, `store-${task.key}`);
  for (const task of TASKS) {
    if (sections.includes(`${task.key}-plain`)) variant(task, "plain", task.plain, () => null);
    if (sections.includes(`${task.key}-handwritten`)) {
      // The handwritten seeds write the store the sil variant imitates from.
      rmSync(store(task), { recursive: true, force: true });
      variant(task, "handwritten", task.handwritten, () => store(task));
    }
    if (sections.includes(`${task.key}-proposed`)) {
      const { text, proposal } = await proposedText(task, new ScriptedProvider(() => task.scripted));
      emit({ bench: "subgoals-proposal", task: task.key, provider: "scripted", ...summarise(proposal) });
      // Each proposed sub-goal is worth what a hand-written one is.
      const reward = subgoalRewardLine(task.handwritten);
      if (text) variant(task, "proposed", reward ? insertProperty(text, reward) : text, () => null);
    }
    if (sections.includes(`${task.key}-sil`)) {
      if (!existsSync(store(task))) throw new Error(`section ${task.key}-sil imitates from the store of ${task.key}-handwritten: run that section first`);
      const text = insertProperty(task.plain, 'selfImitation: { coef: 1, source: "task" },');
      variant(task, "sil", text, (seed) => {
        const root = mkdtempSync(join(tmpdir(), `rls-sil-${task.key}-${seed}-`));
        cpSync(store(task), root, { recursive: true });
        return root;
      });
    }
  }
  if (sections.includes("testmodel")) {
    if (!existsSync(TEST_MODEL)) {
      emit({ bench: "subgoals-proposal", provider: "stories260K", skipped: `test model not found at ${TEST_MODEL}` });
    } else {
      const manager = new ModelManager({ model: TEST_MODEL, gpu: "off" });
      const provider = new LlamaProvider(manager);
      try {
        // One proposal per env (the MountainCar variants share the task text).
        for (const task of TASKS.filter((t) => t.key === "mc" || t.key === "oc")) {
          const { text, proposal } = await proposedText(task, provider);
          emit({ bench: "subgoals-proposal", task: task.key, provider: "stories260K", validSubgoals: proposal.verdicts.filter((v) => v.ok).length, ...summarise(proposal) });
          if (text) variant(task, "testmodel", text, () => null);
        }
      } finally {
        await provider.dispose();
        await manager.dispose();
      }
    }
  }
  writeFileSync(join("bench/out", "subgoals.json"), JSON.stringify(records, null, 2) + "\n");
}

void main();
