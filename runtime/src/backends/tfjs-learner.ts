/**
 * The PPO learner on TensorFlow.js (any registered backend: wasm, cpu, tfjs-node, tfjs-node-gpu, webgpu).
 * Same network, loss and optimiser as the fused JS learner (actor-critic.ts, adam.ts); the tests check
 * that one step on either gives the same parameters.
 */
import type * as tfTypes from "@tensorflow/tfjs-core";
import type { ActorCriticLayout, DenseLayer, PpoCoefficients, PpoLossStats, PpoMinibatch } from "../nn/actor-critic.js";
import { sumScalars } from "./sum-scalars.js";
import { checkStateSize, type BackendName, type Learner, type LearnerState } from "../nn/learner.js";

type Tf = typeof tfTypes;

/**
 * Wraps each unit of device work so asynchronous device errors fail it (WebGpuMonitor for webgpu).
 * `phase` names the work in the error message ("the PPO update").
 */
export interface DeviceGuard {
  guard<T>(phase: string, work: () => Promise<T>): Promise<T>;
}

/** Our backends that are TensorFlow.js backends. */
export type TfjsBackend = "wasm" | "cpu" | "tfjs-node" | "tfjs-node-gpu" | "webgpu";

/** tfjs backend name registered by each of our TensorFlow.js backends. */
export const TFJS_NAME: Record<TfjsBackend, string> = {
  wasm: "wasm",
  cpu: "cpu",
  "tfjs-node": "tensorflow",
  "tfjs-node-gpu": "tensorflow",
  webgpu: "webgpu",
};

/** Runs work directly: the CPU backends report errors by throwing. */
const NO_GUARD: DeviceGuard = { guard: (_phase, work) => work() };

interface DenseVars {
  w: tfTypes.Variable; // [nOut, nIn], the flat layout's row-major order
  b: tfTypes.Variable; // [nOut]
  layer: DenseLayer;
}

export class TfjsLearner implements Learner {
  readonly params: Float32Array;
  private readonly actor: DenseVars[];
  private readonly critic: DenseVars[];
  private readonly logStd: tfTypes.Variable | null;
  private readonly vars: tfTypes.Variable[];
  private readonly m: tfTypes.Variable[];
  private readonly v: tfTypes.Variable[];
  private adamStep = 0;
  private disposed = false;

  constructor(
    private readonly tf: Tf,
    readonly backend: BackendName,
    readonly layout: ActorCriticLayout,
    params: Float32Array,
    private readonly device: DeviceGuard = NO_GUARD,
  ) {
    this.params = params;
    // Each variable is made inside tidy: tf.variable(initial) copies `initial`, which would otherwise stay live.
    const variable = <R extends tfTypes.Rank>(initial: () => tfTypes.Tensor<R>): tfTypes.Variable<R> => tf.tidy(() => tf.variable(initial()));
    const dense = (layers: readonly DenseLayer[]): DenseVars[] =>
      layers.map((layer) => ({
        layer,
        w: variable(() => tf.tensor2d(params.subarray(layer.wOffset, layer.wOffset + layer.nIn * layer.nOut), [layer.nOut, layer.nIn])),
        b: variable(() => tf.tensor1d(params.subarray(layer.bOffset, layer.bOffset + layer.nOut))),
      }));
    this.actor = dense(layout.actor);
    this.critic = dense(layout.critic);
    const { actionDim } = layout.config;
    this.logStd =
      layout.logStdOffset >= 0
        ? variable(() => tf.tensor1d(params.subarray(layout.logStdOffset, layout.logStdOffset + actionDim)))
        : null;
    this.vars = [...this.actor, ...this.critic].flatMap((d) => [d.w, d.b]);
    if (this.logStd) this.vars.push(this.logStd);
    this.m = this.vars.map((x) => variable(() => tf.zerosLike(x)));
    this.v = this.vars.map((x) => variable(() => tf.zerosLike(x)));
  }

  private mlp(x: tfTypes.Tensor2D, layers: DenseVars[]): tfTypes.Tensor2D {
    const { tf } = this;
    let h = x;
    layers.forEach((d, l) => {
      const z = tf.add(tf.matMul(h, d.w, false, true), d.b) as tfTypes.Tensor2D;
      h = l < layers.length - 1 ? tf.tanh(z) : z;
    });
    return h;
  }

  step(mb: PpoMinibatch, coef: PpoCoefficients, learningRate: number, maxGradNorm: number): Promise<PpoLossStats> {
    return this.device.guard("the PPO update", async () => {
      await this.activate();
      return this.update(mb, coef, learningRate, maxGradNorm);
    });
  }

  /** tfjs runs every op on its one active backend: make it ours (another learner may have switched it). */
  private async activate(): Promise<void> {
    const name = TFJS_NAME[this.backend as TfjsBackend];
    if (this.tf.getBackend() !== name) await this.tf.setBackend(name);
  }

  private async update(mb: PpoMinibatch, coef: PpoCoefficients, learningRate: number, maxGradNorm: number): Promise<PpoLossStats> {
    const { tf, layout } = this;
    const { obsDim, actionDim, actionKind } = layout.config;
    const B = mb.size;
    const statsTensor = tf.tidy(() => {
      const x = tf.tensor2d(Float32Array.from(mb.obs.subarray(0, B * obsDim)), [B, obsDim], "float32");
      const oldLogProbs = tf.tensor1d(Float32Array.from(mb.logProbs.subarray(0, B)), "float32");
      const returns = tf.tensor1d(Float32Array.from(mb.returns.subarray(0, B)), "float32");
      const oldValues = tf.tensor1d(Float32Array.from(mb.values.subarray(0, B)), "float32");
      let adv: tfTypes.Tensor1D = tf.tensor1d(Float32Array.from(mb.advantages.subarray(0, B)), "float32");
      if (coef.normAdv) {
        const { mean, variance } = tf.moments(adv);
        // Unbiased std, as torch.Tensor.std.
        const std = tf.sqrt(tf.mul(variance, B > 1 ? B / (B - 1) : 0));
        adv = tf.div(tf.sub(adv, mean), tf.add(std, 1e-8)) as tfTypes.Tensor1D;
      }
      let stats: tfTypes.Tensor[] = [];
      const lossFn = (): tfTypes.Scalar => {
        const head = this.mlp(x, this.actor);
        let logProb: tfTypes.Tensor1D;
        let entropy: tfTypes.Tensor1D;
        if (actionKind === "discrete") {
          const logAll = tf.logSoftmax(head);
          const oneHot = tf.oneHot(tf.tensor1d(Array.from(mb.actions.subarray(0, B)), "int32"), actionDim);
          logProb = tf.sum(tf.mul(logAll, oneHot), 1);
          entropy = tf.neg(tf.sum(tf.mul(tf.exp(logAll), logAll), 1)) as tfTypes.Tensor1D;
        } else {
          const logStd = this.logStd!;
          const actions = tf.tensor2d(Float32Array.from(mb.actions.subarray(0, B * actionDim)), [B, actionDim], "float32");
          const z = tf.div(tf.sub(actions, head), tf.exp(logStd));
          logProb = tf.sum(tf.sub(tf.sub(tf.mul(-0.5, tf.square(z)), logStd), 0.5 * Math.log(2 * Math.PI)), 1);
          entropy = tf.mul(tf.ones([B]), tf.sum(tf.add(logStd, 0.5 + 0.5 * Math.log(2 * Math.PI)))) as tfTypes.Tensor1D;
        }
        const values = tf.reshape(this.mlp(x, this.critic), [B]);
        const logRatio = tf.sub(logProb, oldLogProbs);
        const ratio = tf.exp(logRatio);
        const pg1 = tf.mul(tf.neg(adv), ratio);
        const pg2 = tf.mul(tf.neg(adv), tf.clipByValue(ratio, 1 - coef.clipCoef, 1 + coef.clipCoef));
        const policyLoss = tf.mean(tf.maximum(pg1, pg2));
        const unclipped = tf.square(tf.sub(values, returns));
        const valueLoss = coef.clipVloss
          ? tf.mul(0.5, tf.mean(tf.maximum(unclipped, tf.square(tf.sub(tf.add(oldValues, tf.clipByValue(tf.sub(values, oldValues), -coef.clipCoef, coef.clipCoef)), returns)))))
          : tf.mul(0.5, tf.mean(unclipped));
        const entropyMean = tf.mean(entropy);
        const loss = tf.add(tf.sub(policyLoss, tf.mul(coef.entCoef, entropyMean)), tf.mul(coef.vfCoef, valueLoss)) as tfTypes.Scalar;
        stats = [
          policyLoss,
          valueLoss,
          entropyMean,
          tf.mean(tf.neg(logRatio)),
          tf.mean(tf.sub(tf.sub(ratio, 1), logRatio)),
          tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), coef.clipCoef), "float32")),
          loss,
        ].map((t) => tf.keep(t));
        return loss;
      };
      const { grads } = tf.variableGrads(lossFn, this.vars);
      const gradList = this.vars.map((v) => grads[v.name]!);
      // clip_grad_norm_: scale by maxNorm / (norm + 1e-6) when that is below 1.
      const norm = tf.sqrt(sumScalars(tf, gradList.map((g) => tf.sum(tf.square(g)))));
      const scale = tf.minimum(1, tf.div(maxGradNorm, tf.add(norm, 1e-6)));
      this.adamStep++;
      const bc1 = 1 - Math.pow(0.9, this.adamStep);
      const sqrtBc2 = Math.sqrt(1 - Math.pow(0.999, this.adamStep));
      gradList.forEach((g0, i) => {
        const g = tf.mul(g0, scale);
        const m = tf.add(tf.mul(this.m[i]!, 0.9), tf.mul(g, 0.1));
        const v = tf.add(tf.mul(this.v[i]!, 0.999), tf.mul(tf.square(g), 0.001));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        const update = tf.div(tf.mul(m, learningRate / bc1), tf.add(tf.div(tf.sqrt(v), sqrtBc2), 1e-5));
        this.vars[i]!.assign(tf.sub(this.vars[i]!, update));
      });
      const out = tf.stack(stats.map((s) => tf.reshape(s, [])));
      stats.forEach((s) => s.dispose());
      return out;
    });
    const s = await statsTensor.data();
    statsTensor.dispose();
    return {
      policyLoss: s[0]!,
      valueLoss: s[1]!,
      entropy: s[2]!,
      oldApproxKl: s[3]!,
      approxKl: s[4]!,
      clipFrac: s[5]!,
      loss: s[6]!,
    };
  }

  syncParams(): Promise<void> {
    return this.device.guard("reading the parameters back", () => this.readParams());
  }

  private async readParams(): Promise<void> {
    const { layout } = this;
    const copy = async (d: DenseVars) => {
      this.params.set(await d.w.data(), d.layer.wOffset);
      this.params.set(await d.b.data(), d.layer.bOffset);
    };
    for (const d of [...this.actor, ...this.critic]) await copy(d);
    if (this.logStd) this.params.set(await this.logStd.data(), layout.logStdOffset);
  }

  private async flatten(tensors: tfTypes.Variable[]): Promise<Float32Array> {
    const out = new Float32Array(this.layout.size);
    const offsets = this.offsets();
    for (let i = 0; i < tensors.length; i++) out.set((await tensors[i]!.data()) as Float32Array, offsets[i]!);
    return out;
  }

  private offsets(): number[] {
    const offsets = [...this.actor, ...this.critic].flatMap((d) => [d.layer.wOffset, d.layer.bOffset]);
    if (this.logStd) offsets.push(this.layout.logStdOffset);
    return offsets;
  }

  getState(): Promise<LearnerState> {
    return this.device.guard("reading the checkpoint state", async () => {
      await this.readParams();
      return { params: Float32Array.from(this.params), adamM: await this.flatten(this.m), adamV: await this.flatten(this.v), adamStep: this.adamStep };
    });
  }

  setState(state: LearnerState): Promise<void> {
    checkStateSize(state, this.layout.size);
    return this.device.guard("restoring the checkpoint", async () => {
      await this.activate();
      this.assignState(state);
    });
  }

  private assignState(state: LearnerState): void {
    const { tf } = this;
    const offsets = this.offsets();
    const assign = (targets: tfTypes.Variable[], flat: Float32Array) =>
      targets.forEach((t, i) => {
        const size = t.size;
        t.assign(tf.tensor(flat.subarray(offsets[i]!, offsets[i]! + size), t.shape, "float32"));
      });
    tf.tidy(() => {
      assign(this.vars, state.params);
      assign(this.m, state.adamM);
      assign(this.v, state.adamV);
    });
    this.adamStep = state.adamStep;
    this.params.set(state.params);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of [...this.vars, ...this.m, ...this.v]) t.dispose();
  }

  /** Live tensors of the backend (for the memory benchmark: must stay flat over training). */
  numTensors(): number {
    return this.tf.memory().numTensors;
  }
}
