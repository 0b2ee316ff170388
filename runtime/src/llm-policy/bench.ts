/**
 * Throughput of the TWOSOME policy on one tfjs backend, at the shape of TWOSOME's Overcooked runs:
 * the Tomato-lettuce Salad prompts and action wordings of the ported env (runtime/src/envs/text/),
 * 8 actions, 4 environments per rollout step, policy minibatches of 4 states. Used by
 * bench/twosome-model.ts and by the GPU bench.
 *
 * Token rates count the tokens the transformer actually evaluates (a prompt's shared prefix once,
 * each action's suffix once); `sequenceTokensPerSecond` counts every prompt + action sequence in full
 * (what the reference layout, and TWOSOME's own code, would push through the model).
 */
import { loadavg } from "node:os";
import type { TfjsBackend } from "../backends/tfjs-learner.js";
import { loadTfjs } from "../backends/select.js";
import { TomatoLettuceSaladEnv } from "../envs/text/overcooked-env.js";
import { TwosomePolicy, type TwosomeBatch } from "./policy.js";
import { TWOSOME_PPO } from "./ppo-loss.js";
import { planActionBatch } from "./scoring.js";

/** Macro-actions taken from the start to reach distinct states: pick up the tomato, walk to the first board, chop, take the bowl, … */
const PATH = [0, 4, 7, 3, 1, 5, 7, 6];

/** `count` states of Tomato-lettuce Salad along a fixed path: (prompt, action wordings). */
function overcookedStates(count: number): { prompts: string[]; actionLists: string[][] } {
  const env = new TomatoLettuceSaladEnv();
  env.reset();
  const prompts: string[] = [];
  const actionLists: string[][] = [];
  for (let i = 0; prompts.length < count; i++) {
    prompts.push(env.text.prompt());
    actionLists.push([...env.text.actions()]);
    const r = env.step(PATH[i % PATH.length]!);
    if (r.terminated || r.truncated) env.reset();
  }
  return { prompts, actionLists };
}

export interface ThroughputOptions {
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
  backend: TfjsBackend;
  model: string;
  architecture: string;
  parameters: number;
  /** Mean prompt length in tokens (with BOS). */
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

export async function benchTransformerThroughput(backend: TfjsBackend, modelPath: string, options: ThroughputOptions = {}): Promise<ThroughputResult> {
  const tf = await loadTfjs(backend);
  const t0 = performance.now();
  const policy = await TwosomePolicy.load({ tf, model: modelPath, normalization: "word" });
  const loadSeconds = (performance.now() - t0) / 1000;
  try {
    const envs = options.envs ?? 4;
    const reps = options.reps ?? 5;
    const { prompts, actionLists } = overcookedStates(envs);
    const promptTokens = Math.round(prompts.reduce((n, p) => n + policy.tokenizer.tokenize(p, { addSpecial: true }).length, 0) / envs);
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
      actions: Int32Array.from(prompts, (_, i) => i % actionLists[i]!.length),
      logProbs: Float32Array.from(actionLists, (a) => Math.log(1 / a.length)),
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
      actions: actionLists[0]!.length,
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
