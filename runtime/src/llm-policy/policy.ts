/**
 * The TWOSOME agent (Tan et al., ICLR 2024; WeihaoTan/TWOSOME twosome/overcooked/policy_pomdp.py,
 * critic.py, ppo_llm_pomdp.py) on a GGUF model in TensorFlow.js:
 *   - actor: the LLM with LoRA on q/v; π(a|s) = softmax over valid actions of the (normalised)
 *     log-likelihood of each action's tokens after the prompt (scoring.ts);
 *   - critic: the same LLM with the adapter off (the frozen base), its last-layer hidden state at
 *     the prompt's last token → an MLP value head (value-head.ts);
 *   - update: TWOSOME's PPO — value minibatches first (their own Adam), then policy minibatches
 *     whose gradients accumulate over `accumulation` minibatches per Adam step, both ε = 1e-5 and
 *     clipped to global norm 0.5 separately, target-KL stop per accumulation window.
 *
 * Because the critic's input comes from the frozen base with no adapter, a prompt's feature vector
 * never changes: it is computed once and cached (bounded), so value updates cost one small MLP.
 */
import type * as tfTypes from "@tensorflow/tfjs-core";
import { Rng } from "../rng.js";
import { readGgufHeader } from "./gguf.js";
import { LoraAdapter, TWOSOME_LORA, type LoraConfig } from "./lora.js";
import { TfjsAdam, type AdamState } from "./optimizer.js";
import { normalizeAdvantages, policyLossTerms, valueLoss, type TwosomePpoCoefficients } from "./ppo-loss.js";
import { NORMALIZATIONS, planActionBatch, planPrompts, type ActionBatchPlan, type Normalization } from "./scoring.js";
import { Tokenizer } from "./tokenizer.js";
import { Transformer, oneHotRows, type KvCache, type LoadOptions } from "./transformer.js";
import { ValueHead, defaultValueHeadSizes } from "./value-head.js";
import { vocabularyFromGguf } from "./vocabulary.js";
import type { ModelConfig } from "./model-config.js";

type Tf = typeof tfTypes;

export interface TwosomePolicyOptions extends LoadOptions {
  /** GGUF model file (llama or qwen2 architecture). */
  model: string;
  /** TensorFlow.js with its backend already chosen (backends/select.ts `loadTfjs`). */
  tf: Tf;
  /** How an action's summed log-likelihood is normalised (default "word", as TWOSOME's scripts). */
  normalization?: Normalization;
  /** LoRA settings (default TWOSOME's r = 8, α = 16, dropout 0, q and v). */
  lora?: Partial<LoraConfig>;
  /** Value-head hidden widths (default n_embd/4, n_embd/8; TWOSOME: 1024, 512 at n_embd 4096). */
  valueHiddenSizes?: number[];
  /** Seed of the LoRA and value-head initialisation and of minibatch shuffling (default 1). */
  seed?: number;
  /** Longest prompt + action in tokens (default and maximum: the model's training context). */
  contextLength?: number;
  /** Evaluate each prompt's shared prefix once for all its actions (default true; false runs the reference layout). */
  sharedPrefix?: boolean;
  /** Prompts whose critic features are kept (default 4096). */
  featureCacheSize?: number;
}

/** π over one prompt's valid actions. */
export interface ActionDistribution {
  /** log π(a|s), one per action, in the order given. */
  logProbs: Float64Array;
  /** The normalised scores before the softmax. */
  scores: Float64Array;
  /** Tokens and words per action (the normalisation divisors). */
  tokenCounts: Int32Array;
  wordCounts: Int32Array;
}

/** A rollout batch in TWOSOME's terms: one entry per (env, step). */
export interface TwosomeBatch {
  prompts: string[];
  actionLists: string[][];
  /** Index of the action taken in its action list. */
  actions: Int32Array;
  /** log π_old(action|s) at collection time. */
  logProbs: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
  /** Critic values at collection time. */
  values: Float32Array;
}

export interface TwosomeUpdateOptions {
  policyLr: number;
  valueLr: number;
  /** Samples per policy minibatch (TWOSOME: batch / 32 = 4). */
  policyMinibatchSize: number;
  /** Samples per value minibatch (TWOSOME: batch / 4 = 32). */
  valueMinibatchSize: number;
  /** Policy minibatches whose gradients make one optimiser step (TWOSOME's gradient_checkpointing_steps: 8). */
  accumulation: number;
  /** Passes over the batch (TWOSOME: 1). */
  epochs?: number;
  /** Critic warm-up: update the value head only. */
  criticOnly?: boolean;
  /** Minibatch shuffling (default: the policy's own generator). */
  rng?: Rng;
  signal?: AbortSignal;
  /** Called after each minibatch: (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** Under CleanRL's metric names; policy figures are those of the last policy minibatch, as TWOSOME logs them. */
export interface TwosomeUpdateStats {
  valueLoss: number;
  policyLoss: number;
  entropy: number;
  oldApproxKl: number;
  approxKl: number;
  /** Mean over all policy minibatches. */
  clipFrac: number;
  /** Optimiser steps taken on the policy. */
  policyUpdates: number;
  /** True when the target-KL check discarded a window and ended the update. */
  stoppedByKl: boolean;
  policyGradNorm: number;
  valueGradNorm: number;
}

/** Everything trained, for small checkpoints (the base model is not in it). */
export interface TwosomeAdapterState {
  lora: Float32Array;
  valueHead: Float32Array;
  policyOptimizer: AdamState;
  valueOptimizer: AdamState;
  /** What the arrays were made for; setAdapterState checks it. */
  layout: { loraRank: number; loraTargets: string[]; nLayer: number; nEmbd: number; valueHiddenSizes: number[] };
}

export class TwosomePolicy {
  readonly normalization: Normalization;
  readonly contextLength: number;
  readonly lora: LoraAdapter;
  readonly valueHead: ValueHead;
  private readonly policyOptimizer: TfjsAdam;
  private readonly valueOptimizer: TfjsAdam;
  private readonly features = new Map<string, Float32Array>();
  private readonly featureCacheSize: number;
  private readonly rng: Rng;
  private sharedPrefix: boolean;
  private disposed = false;

  private constructor(
    readonly tf: Tf,
    readonly model: Transformer,
    readonly tokenizer: Tokenizer,
    options: TwosomePolicyOptions,
  ) {
    const normalization = options.normalization ?? "word";
    if (!NORMALIZATIONS.includes(normalization)) throw new RangeError(`normalization must be one of ${NORMALIZATIONS.join(", ")}, got '${normalization}'`);
    this.normalization = normalization;
    const limit = model.config.contextLength;
    this.contextLength = Math.min(options.contextLength ?? limit, limit);
    if (!(this.contextLength >= 2)) throw new RangeError(`contextLength must be at least 2 tokens, got ${options.contextLength}`);
    this.rng = new Rng(options.seed ?? 1);
    this.lora = new LoraAdapter(tf, model.config, { ...TWOSOME_LORA, ...options.lora }, this.rng);
    this.valueHead = new ValueHead(tf, model.config.nEmbd, options.valueHiddenSizes ?? defaultValueHeadSizes(model.config.nEmbd), this.rng);
    this.policyOptimizer = new TfjsAdam(tf, this.lora.variables);
    this.valueOptimizer = new TfjsAdam(tf, this.valueHead.variables);
    this.featureCacheSize = options.featureCacheSize ?? 4096;
    this.sharedPrefix = options.sharedPrefix ?? true;
  }

  /** Loads the model (tokenizer and weights) and creates a fresh adapter and value head. */
  static async load(options: TwosomePolicyOptions): Promise<TwosomePolicy> {
    const file = await readGgufHeader(options.model);
    const tokenizer = new Tokenizer(vocabularyFromGguf(file));
    const model = await Transformer.fromGguf(options.tf, file, options);
    if (tokenizer.vocab.size !== model.config.nVocab) {
      model.dispose();
      throw new Error(`${file.path}: the vocabulary has ${tokenizer.vocab.size} tokens but token_embd.weight has ${model.config.nVocab} rows`);
    }
    try {
      return new TwosomePolicy(options.tf, model, tokenizer, options);
    } catch (err) {
      model.dispose();
      throw err;
    }
  }

  get config(): ModelConfig {
    return this.model.config;
  }

  /** Whether scoring reuses each prompt's shared prefix (false: the reference layout). */
  get usesSharedPrefix(): boolean {
    return this.sharedPrefix;
  }

  set usesSharedPrefix(on: boolean) {
    this.sharedPrefix = on;
  }

  /** π(·|s) for each prompt over its valid actions (no gradient). */
  async scoreActions(prompts: readonly string[], actionLists: readonly (readonly string[])[]): Promise<ActionDistribution[]> {
    this.checkLive();
    const plan = this.plan(prompts, actionLists);
    const [logPi, scores] = this.tf.tidy(() => {
      const { logPi, scores } = this.logPolicy(plan);
      return [logPi, scores];
    });
    const [lp, sc] = await Promise.all([logPi.data(), scores.data()]);
    logPi.dispose();
    scores.dispose();
    const width = logPi.shape[1]!;
    let row = 0;
    return plan.actionCounts.map((n, p) => {
      const out: ActionDistribution = {
        logProbs: Float64Array.from(lp.subarray(p * width, p * width + n)),
        scores: Float64Array.from(sc.subarray(row, row + n)),
        tokenCounts: plan.tokenCounts.slice(row, row + n),
        wordCounts: plan.wordCounts.slice(row, row + n),
      };
      row += n;
      return out;
    });
  }

  /** Critic values V(s) of the prompts (frozen base, adapter off, value head). */
  async value(prompts: readonly string[]): Promise<Float32Array> {
    this.checkLive();
    const features = await this.promptFeatures(prompts);
    const v = this.tf.tidy(() => this.valueHead.apply(this.tf.tensor2d(features, [prompts.length, this.config.nEmbd])));
    const out = (await v.data()) as Float32Array;
    v.dispose();
    return Float32Array.from(out);
  }

  /**
   * One TWOSOME update on a rollout batch: per epoch, a shuffled order; value minibatches over it
   * (each one Adam step on the value head); then, unless `criticOnly`, policy minibatches in the same
   * order, gradients accumulated over `accumulation` of them (each loss divided by `accumulation`),
   * then the window's mean approx_kl checked against `targetKl` (over: the window is discarded and
   * the update ends) and one Adam step on the LoRA weights. A trailing partial window is discarded,
   * as there (its gradients are zeroed before the next policy pass).
   */
  async ppoStep(batch: TwosomeBatch, coef: TwosomePpoCoefficients, options: TwosomeUpdateOptions): Promise<TwosomeUpdateStats> {
    this.checkLive();
    const n = batch.prompts.length;
    checkBatch(batch);
    for (const [k, v] of [
      ["policyMinibatchSize", options.policyMinibatchSize],
      ["valueMinibatchSize", options.valueMinibatchSize],
      ["accumulation", options.accumulation],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${k} must be a positive integer, got ${v}`);
    }
    const rng = options.rng ?? this.rng;
    const epochs = options.epochs ?? 1;
    const stats: TwosomeUpdateStats = { valueLoss: 0, policyLoss: 0, entropy: 0, oldApproxKl: 0, approxKl: 0, clipFrac: 0, policyUpdates: 0, stoppedByKl: false, policyGradNorm: 0, valueGradNorm: 0 };
    const clipFracs: number[] = [];
    const valueBatches = Math.ceil(n / options.valueMinibatchSize);
    const policyBatches = options.criticOnly ? 0 : Math.ceil(n / options.policyMinibatchSize);
    const total = epochs * (valueBatches + policyBatches);
    let done = 0;
    const progress = () => {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error("the update was cancelled");
      options.onProgress?.(++done, total);
    };
    // Critic features of every prompt in the batch, once (the frozen base never changes).
    await this.promptFeatures(batch.prompts);
    for (let epoch = 0; epoch < epochs && !stats.stoppedByKl; epoch++) {
      const order = shuffled(n, rng);
      for (let start = 0; start < n; start += options.valueMinibatchSize) {
        const r = await this.valueStep(batch, order.slice(start, start + options.valueMinibatchSize), coef, options.valueLr);
        stats.valueLoss = r.loss;
        stats.valueGradNorm = r.gradNorm;
        progress();
      }
      if (options.criticOnly) continue;
      let window: tfTypes.Tensor[] | null = null;
      let inWindow = 0;
      let windowKl = 0;
      try {
        for (let start = 0; start < n; start += options.policyMinibatchSize) {
          if (inWindow === 0) windowKl = 0;
          const r = await this.policyGradients(batch, order.slice(start, start + options.policyMinibatchSize), coef, options.accumulation);
          window = window ? addInto(this.tf, window, r.grads) : r.grads;
          inWindow++;
          windowKl += r.approxKl / options.accumulation;
          Object.assign(stats, { policyLoss: r.policyLoss, entropy: r.entropy, oldApproxKl: r.oldApproxKl, approxKl: r.approxKl });
          clipFracs.push(r.clipFrac);
          progress();
          if (inWindow === options.accumulation) {
            if (coef.targetKl !== null && windowKl > coef.targetKl) {
              stats.stoppedByKl = true;
              break;
            }
            stats.policyGradNorm = await this.policyOptimizer.apply(window, options.policyLr, coef.maxGradNorm);
            stats.policyUpdates++;
            for (const g of window) g.dispose();
            window = null;
            inWindow = 0;
          }
        }
      } finally {
        for (const g of window ?? []) g.dispose();
      }
    }
    stats.clipFrac = clipFracs.length ? clipFracs.reduce((a, b) => a + b, 0) / clipFracs.length : 0;
    return stats;
  }

  /** The trained state: LoRA A/B, value head, both optimisers' moments and steps. */
  async getAdapterState(): Promise<TwosomeAdapterState> {
    this.checkLive();
    return {
      lora: await this.lora.getFlat(),
      valueHead: await this.valueHead.getFlat(),
      policyOptimizer: await this.policyOptimizer.getState(),
      valueOptimizer: await this.valueOptimizer.getState(),
      layout: this.adapterLayout(),
    };
  }

  setAdapterState(state: TwosomeAdapterState): void {
    this.checkLive();
    const want = this.adapterLayout();
    if (JSON.stringify(state.layout) !== JSON.stringify(want)) {
      throw new RangeError(`adapter state was made for ${JSON.stringify(state.layout)}, this policy is ${JSON.stringify(want)}`);
    }
    this.lora.setFlat(state.lora);
    this.valueHead.setFlat(state.valueHead);
    this.policyOptimizer.setState(state.policyOptimizer);
    this.valueOptimizer.setState(state.valueOptimizer);
  }

  /** Releases every tensor (weights, adapter, head, optimiser moments); later calls throw. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.policyOptimizer.dispose();
    this.valueOptimizer.dispose();
    this.lora.dispose();
    this.valueHead.dispose();
    this.model.dispose();
    this.features.clear();
  }

  // ---- internals -------------------------------------------------------------------------

  private checkLive(): void {
    if (this.disposed) throw new Error("the TWOSOME policy was disposed");
  }

  /** The shapes the trained state is made for (checkpoints record and check it). */
  adapterLayout(): TwosomeAdapterState["layout"] {
    this.checkLive();
    return {
      loraRank: this.lora.config.rank,
      loraTargets: [...this.lora.config.targets],
      nLayer: this.config.nLayer,
      nEmbd: this.config.nEmbd,
      valueHiddenSizes: [...this.valueHead.hiddenSizes],
    };
  }

  private plan(prompts: readonly string[], actionLists: readonly (readonly string[])[]): ActionBatchPlan {
    return planActionBatch(this.tokenizer, prompts, actionLists, { sharedPrefix: this.sharedPrefix, contextLength: this.contextLength });
  }

  /**
   * log π [prompts, max actions] (padding columns at −1e9 before the softmax, so ≈ −1e9 after) and
   * the normalised scores [actions], with the adapter on. Call inside tf.tidy, or inside
   * tf.variableGrads with `gradients` true.
   */
  logPolicy(plan: ActionBatchPlan, gradients = false): { logPi: tfTypes.Tensor2D; scores: tfTypes.Tensor1D; valid: tfTypes.Tensor2D } {
    const { tf, model } = this;
    const { rows } = plan;
    let past: KvCache | undefined;
    if (plan.prefix) past = model.forward({ ...plan.prefix, adapter: this.lora, keepCache: true, gradients }).cache!;
    const { hidden } = model.forward({ ...rows, adapter: this.lora, gradients, ...(past ? { past } : {}) });
    const flat = tf.reshape(hidden, [rows.batch * rows.length, this.config.nEmbd]) as tfTypes.Tensor2D;
    // Row selections as one-hot products (differentiable on every backend; see transformer.ts).
    const pick = oneHotRows(tf, plan.scoredPosition, rows.batch * rows.length);
    const tokenLogProbs = model.tokenLogProbs(tf.matMul(pick, flat), plan.scoredToken);
    const byAction = oneHotRows(tf, plan.scoredAction, rows.batch);
    const sums = tf.reshape(tf.matMul(tf.reshape(tokenLogProbs, [1, -1]) as tfTypes.Tensor2D, byAction), [-1]);
    const divisors = Float32Array.from(plan.tokenCounts, (t, i) => (this.normalization === "token" ? t : this.normalization === "word" ? plan.wordCounts[i]! : 1));
    const scores = tf.div(sums, tf.tensor1d(divisors)) as tfTypes.Tensor1D;
    const P = plan.actionCounts.length;
    const width = Math.max(...plan.actionCounts);
    const place = new Float32Array(rows.batch * P * width);
    const validMask = new Float32Array(P * width);
    let r = 0;
    plan.actionCounts.forEach((count, p) => {
      for (let a = 0; a < count; a++, r++) {
        place[r * P * width + p * width + a] = 1;
        validMask[p * width + a] = 1;
      }
    });
    const grid = tf.reshape(tf.matMul(tf.reshape(scores, [1, -1]) as tfTypes.Tensor2D, tf.tensor2d(place, [rows.batch, P * width])), [P, width]);
    const valid = tf.tensor2d(validMask, [P, width]);
    const logPi = tf.logSoftmax(tf.add(grid, tf.mul(tf.sub(1, valid), -1e9))) as tfTypes.Tensor2D;
    return { logPi, scores, valid };
  }

  /** Critic inputs: final-norm hidden state of each prompt's last token, base model without adapter; cached per prompt. */
  private async promptFeatures(prompts: readonly string[]): Promise<Float32Array> {
    const D = this.config.nEmbd;
    const known = new Map<string, Float32Array>();
    for (const p of prompts) {
      const f = this.features.get(p);
      if (f) known.set(p, f);
    }
    const missing = [...new Set(prompts.filter((p) => !known.has(p)))];
    if (missing.length > 0) {
      const batch = planPrompts(this.tokenizer, missing, this.contextLength);
      const last = this.tf.tidy(() => {
        const { hidden } = this.model.forward({ ...batch, adapter: null });
        const rows = Int32Array.from(batch.lengths, (len, i) => i * batch.length + len - 1);
        return this.tf.gather(this.tf.reshape(hidden, [batch.batch * batch.length, D]), this.tf.tensor1d(rows, "int32"));
      });
      const data = (await last.data()) as Float32Array;
      last.dispose();
      missing.forEach((p, i) => {
        const f = data.slice(i * D, (i + 1) * D);
        known.set(p, f);
        this.remember(p, f);
      });
    }
    const out = new Float32Array(prompts.length * D);
    prompts.forEach((p, i) => out.set(known.get(p)!, i * D));
    return out;
  }

  private remember(prompt: string, feature: Float32Array): void {
    if (this.features.has(prompt)) this.features.delete(prompt);
    this.features.set(prompt, feature);
    while (this.features.size > this.featureCacheSize) this.features.delete(this.features.keys().next().value!);
  }

  private async valueStep(batch: TwosomeBatch, idx: number[], coef: TwosomePpoCoefficients, lr: number): Promise<{ loss: number; gradNorm: number }> {
    const { tf } = this;
    const features = await this.promptFeatures(idx.map((i) => batch.prompts[i]!));
    const pickF = (src: Float32Array) => Float32Array.from(idx, (i) => src[i]!);
    const { value: loss, grads } = tf.variableGrads(() => {
      const v = this.valueHead.apply(tf.tensor2d(features, [idx.length, this.config.nEmbd]));
      return tf.mul(coef.vfCoef, valueLoss(tf, v, tf.tensor1d(pickF(batch.returns)), tf.tensor1d(pickF(batch.values)), coef.clipCoef, coef.clipValueLoss)) as tfTypes.Scalar;
    }, this.valueHead.variables);
    const list = this.valueHead.variables.map((v) => grads[v.name]!);
    try {
      const gradNorm = await this.valueOptimizer.apply(list, lr, coef.maxGradNorm);
      const value = (await loss.data())[0]!;
      return { loss: value / coef.vfCoef, gradNorm };
    } finally {
      loss.dispose();
      for (const g of list) g.dispose();
    }
  }

  private async policyGradients(batch: TwosomeBatch, idx: number[], coef: TwosomePpoCoefficients, accumulation: number) {
    const { tf } = this;
    // Samples of the same state (prompt and action list) share one evaluation: π is computed per
    // distinct state and expanded to the samples by a one-hot product (the gradient is the same sum).
    const states = new Map<string, number>();
    const stateOf = idx.map((i) => {
      const key = `${batch.prompts[i]!}\u0000${batch.actionLists[i]!.join("\u0001")}`;
      if (!states.has(key)) states.set(key, states.size);
      return states.get(key)!;
    });
    const firstSample = [...states.values()].map((u) => idx[stateOf.indexOf(u)]!);
    const plan = this.plan(
      firstSample.map((i) => batch.prompts[i]!),
      firstSample.map((i) => batch.actionLists[i]!),
    );
    const width = Math.max(...plan.actionCounts);
    const chosen = new Float32Array(idx.length * width);
    idx.forEach((i, k) => (chosen[k * width + batch.actions[i]!] = 1));
    const pickF = (src: Float32Array) => Float32Array.from(idx, (i) => src[i]!);
    let terms: tfTypes.Scalar[] = [];
    this.lora.training = true;
    try {
      const { value, grads } = tf.variableGrads(() => {
        const perState = this.logPolicy(plan, true);
        const expand = oneHotRows(tf, stateOf, states.size);
        const logPi = tf.matMul(expand, perState.logPi);
        const valid = tf.matMul(expand, perState.valid);
        const newLogProb = tf.sum(tf.mul(logPi, tf.tensor2d(chosen, [idx.length, width])), 1) as tfTypes.Tensor1D;
        const entropy = tf.neg(tf.sum(tf.mul(tf.mul(tf.exp(logPi), logPi), valid), 1)) as tfTypes.Tensor1D;
        let adv = tf.tensor1d(pickF(batch.advantages));
        if (coef.normAdvantages) adv = normalizeAdvantages(tf, adv);
        const t = policyLossTerms(tf, newLogProb, tf.tensor1d(pickF(batch.logProbs)), adv, entropy, coef.clipCoef);
        terms = [t.policyLoss, t.entropy, t.oldApproxKl, t.approxKl, t.clipFrac].map((x) => tf.keep(x));
        return tf.div(tf.sub(t.policyLoss, tf.mul(coef.entCoef, t.entropy)), accumulation) as tfTypes.Scalar;
      }, this.lora.variables);
      value.dispose();
      const stats = await Promise.all(terms.map(async (x) => (await x.data())[0]!));
      return {
        grads: this.lora.variables.map((v) => grads[v.name]!),
        policyLoss: stats[0]!,
        entropy: stats[1]!,
        oldApproxKl: stats[2]!,
        approxKl: stats[3]!,
        clipFrac: stats[4]!,
      };
    } finally {
      this.lora.training = false;
      for (const x of terms) x.dispose();
    }
  }
}

function checkBatch(b: TwosomeBatch): void {
  const n = b.prompts.length;
  if (n === 0) throw new RangeError("the batch is empty");
  const arrays = { actionLists: b.actionLists.length, actions: b.actions.length, logProbs: b.logProbs.length, advantages: b.advantages.length, returns: b.returns.length, values: b.values.length };
  for (const [k, len] of Object.entries(arrays)) if (len !== n) throw new RangeError(`batch.${k} has ${len} entries, batch.prompts ${n}`);
  b.actions.forEach((a, i) => {
    if (!Number.isInteger(a) || a < 0 || a >= b.actionLists[i]!.length) throw new RangeError(`batch.actions[${i}] = ${a} is not an index into its ${b.actionLists[i]!.length} actions`);
  });
}

function shuffled(n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.integer(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** acc + add, elementwise per tensor; disposes both inputs' old tensors. */
function addInto(tf: Tf, acc: tfTypes.Tensor[], add: tfTypes.Tensor[]): tfTypes.Tensor[] {
  return acc.map((a, i) => {
    const sum = tf.add(a, add[i]!);
    a.dispose();
    add[i]!.dispose();
    return sum;
  });
}
