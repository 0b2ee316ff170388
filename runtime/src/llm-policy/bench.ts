/**
 * Throughput of the TWOSOME policy on one tfjs backend, at the shape of TWOSOME's Overcooked runs:
 * a prompt of ~100–200 tokens, 8 action phrases (Tomato-lettuce Salad), 4 environments per rollout
 * step, policy minibatches of 4 states. Used by bench/twosome-model.ts and by the GPU bench.
 *
 * Token rates count the tokens the transformer actually evaluates (a prompt's shared prefix once,
 * each action's suffix once); `sequenceTokensPerSecond` counts every prompt + action sequence in full
 * (what the reference layout, and TWOSOME's own code, would push through the model).
 */
import { loadavg } from "node:os";
import type { BackendName } from "../nn/learner.js";
import { loadTfjs } from "../backends/select.js";
import { TwosomePolicy, type TwosomeBatch } from "./policy.js";
import { TWOSOME_PPO } from "./ppo-loss.js";
import { planActionBatch } from "./scoring.js";
import type { Tokenizer } from "./tokenizer.js";

/** TWOSOME's Overcooked wording (twosome/overcooked/policy_pomdp.py, obs2text). */
const SENTENCES = [
  "There are two fixed cutting boards in the room.",
  "You notice a tomato, a lettuce and an onion on the different tables.",
  "A bowl containing chopped tomato is on the first cutting board.",
  "An unchopped lettuce is on the second cutting board.",
  "Currently you are standing in front of the first cutting board, carrying a bowl in hand.",
  "To serve the dish of a bowl only containing chopped tomato and lettuce, you should first",
];
const ACTIONS = [
  "pick up the tomato",
  "pick up the lettuce",
  "pick up the onion",
  "take the empty bowl",
  "walk to the first cutting board",
  "walk to the second cutting board",
  "serve nothing",
  "chop nothing",
];

export interface ThroughputOptions {
  /** Prompt length to aim for, in tokens (default 150; the result says what was used). */
  promptTokens?: number;
  /** Environments per rollout step (default 4, TWOSOME's num_envs). */
  envs?: number;
  /** Timed repetitions after one warm-up (default 5). */
  reps?: number;
  /** Also time the reference layout (default true; it evaluates every sequence whole, ~5× the tokens). */
  reference?: boolean;
}

export interface PhaseFigures {
  medianMs: number;
  cpuMsPerCall: number;
  /** Evaluated tokens per wall second (median call). */
  tokensPerSecond: number;
  /** Evaluated tokens per second of this process's CPU time: steadier than wall time on a shared machine. */
  tokensPerCpuSecond: number;
  sequenceTokensPerSecond: number;
}

export interface ThroughputResult {
  backend: BackendName;
  model: string;
  architecture: string;
  parameters: number;
  promptTokens: number;
  actions: number;
  envs: number;
  /** Rollout: π over the actions for `envs` prompts, shared prefixes (no gradient). */
  forward: PhaseFigures;
  /** The same through the reference layout (every sequence whole); null when not asked for. */
  forwardReference: PhaseFigures | null;
  /** One PPO policy minibatch of `envs` states (forward + backward + Adam) and a value minibatch. */
  forwardBackward: PhaseFigures;
  loadSeconds: number;
  loadavg: number[];
}

/** A prompt of about `target` tokens from TWOSOME's sentences, varied by `variant` so prompts differ. */
function overcookedPrompt(tokenizer: Tokenizer, target: number, variant: number): string {
  const parts = [`Step ${variant + 1}.`];
  for (let i = 0; tokenizer.tokenize(parts.join(" "), { addSpecial: true }).length < target; i++) parts.push(SENTENCES[i % SENTENCES.length]!);
  return parts.join(" ");
}

export async function benchTransformerThroughput(backend: Exclude<BackendName, "js">, modelPath: string, options: ThroughputOptions = {}): Promise<ThroughputResult> {
  const tf = await loadTfjs(backend);
  const t0 = performance.now();
  const policy = await TwosomePolicy.load({ tf, model: modelPath, normalization: "word" });
  const loadSeconds = (performance.now() - t0) / 1000;
  try {
    const envs = options.envs ?? 4;
    const reps = options.reps ?? 5;
    const prompts = Array.from({ length: envs }, (_, i) => overcookedPrompt(policy.tokenizer, options.promptTokens ?? 150, i));
    const actionLists = prompts.map(() => ACTIONS);
    const promptTokens = policy.tokenizer.tokenize(prompts[0]!, { addSpecial: true }).length;
    const shared = planActionBatch(policy.tokenizer, prompts, actionLists, { contextLength: policy.contextLength });
    const sequenceTokens = planActionBatch(policy.tokenizer, prompts, actionLists, { contextLength: policy.contextLength, sharedPrefix: false }).evaluatedTokens;

    const time = async (evaluated: number, fn: () => Promise<unknown>): Promise<PhaseFigures> => {
      await fn();
      const walls: number[] = [];
      const cpu0 = process.cpuUsage();
      for (let r = 0; r < reps; r++) {
        const t = performance.now();
        await fn();
        walls.push(performance.now() - t);
      }
      const cpu = process.cpuUsage(cpu0);
      const med = [...walls].sort((a, b) => a - b)[Math.floor(reps / 2)]!;
      const cpuMs = (cpu.user + cpu.system) / 1000 / reps;
      return {
        medianMs: +med.toFixed(2),
        cpuMsPerCall: +cpuMs.toFixed(2),
        tokensPerSecond: Math.round((evaluated / med) * 1000),
        tokensPerCpuSecond: Math.round((evaluated / cpuMs) * 1000),
        sequenceTokensPerSecond: Math.round((sequenceTokens / med) * 1000),
      };
    };

    policy.usesSharedPrefix = true;
    const forward = await time(shared.evaluatedTokens, () => policy.scoreActions(prompts, actionLists));
    let forwardReference: PhaseFigures | null = null;
    if (options.reference ?? true) {
      policy.usesSharedPrefix = false;
      forwardReference = await time(sequenceTokens, () => policy.scoreActions(prompts, actionLists));
      policy.usesSharedPrefix = true;
    }

    const batch: TwosomeBatch = {
      prompts,
      actionLists,
      actions: Int32Array.from(prompts, (_, i) => i % ACTIONS.length),
      logProbs: new Float32Array(envs).fill(Math.log(1 / ACTIONS.length)),
      advantages: Float32Array.from(prompts, (_, i) => (i % 2 ? 1 : -1)),
      returns: new Float32Array(envs),
      values: new Float32Array(envs),
    };
    const update = { policyLr: 1e-6, valueLr: 1e-5, policyMinibatchSize: envs, valueMinibatchSize: envs, accumulation: 1 };
    const forwardBackward = await time(shared.evaluatedTokens, () => policy.ppoStep(batch, { ...TWOSOME_PPO, targetKl: null }, update));
    const parameters = policy.model.weights.layers.reduce((s, l) => s + l.wqkv.size + l.wo.size + l.wGateUp.size + l.wDown.size, policy.model.weights.tokenEmbedding.size);
    return {
      backend,
      model: modelPath,
      architecture: policy.config.architecture,
      parameters,
      promptTokens,
      actions: ACTIONS.length,
      envs,
      forward,
      forwardReference,
      forwardBackward,
      loadSeconds: +loadSeconds.toFixed(2),
      loadavg: loadavg().map((x) => +x.toFixed(2)),
    };
  } finally {
    policy.dispose();
  }
}
