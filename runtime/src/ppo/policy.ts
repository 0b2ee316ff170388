/**
 * A trained policy read back from a run folder, and evaluation rollouts with it. The policy sees
 * observations through the run's frozen observation normaliser, exactly as during training.
 */
import { loadRecordedExperiment } from "../runs/start-run.js";
import { RunDir, RunDirError } from "../runs/run-dir.js";
import type { ResolvedExperiment } from "../experiment/resolve.js";
import type { Env } from "../envs/types.js";
import { Rng } from "../rng.js";
import { ActorCriticLayout, ActorCriticWorkspace, act, type ActResult } from "../nn/actor-critic.js";
import { RunningMeanStd, normalizeObservationInto } from "./normalize.js";
import { readPolicySnapshot } from "./checkpoint-state.js";

/** The policy's output for one observation. */
export interface PolicyOutput {
  /** Discrete: probability of each action. Continuous: the Gaussian's mean per action element. */
  probabilities: number[] | null;
  mean: number[] | null;
  /** Continuous: standard deviation per action element. */
  std: number[] | null;
  /** Critic's state-value estimate V(s) (in normalised-reward units when rewards were normalised). */
  value: number;
}

export class Policy {
  private readonly params: Float64Array;
  private readonly ws: ActorCriticWorkspace;
  private readonly out: ActResult;
  private readonly obsRms: RunningMeanStd | null;
  private readonly policyObs: Float64Array;
  readonly discrete: boolean;

  constructor(
    readonly layout: ActorCriticLayout,
    params: Float32Array,
    obsNormaliser: { mean: Float32Array; var: Float32Array } | null,
  ) {
    if (params.length !== layout.size) throw new Error(`policy parameters (${params.length}) do not match the network (${layout.size})`);
    this.params = Float64Array.from(params);
    this.ws = new ActorCriticWorkspace(layout, 1);
    const width = layout.config.actionKind === "discrete" ? 1 : layout.config.actionDim;
    this.out = { actions: new Float64Array(width), logProbs: new Float64Array(1), values: new Float64Array(1) };
    this.discrete = layout.config.actionKind === "discrete";
    this.policyObs = new Float64Array(layout.config.obsDim);
    if (obsNormaliser) {
      this.obsRms = new RunningMeanStd(layout.config.obsDim);
      this.obsRms.load(obsNormaliser.mean, obsNormaliser.var, 1);
    } else {
      this.obsRms = null;
    }
  }

  /** The latest checkpoint of a run, with the experiment that trained it. */
  static fromRun(runDir: RunDir): { policy: Policy; experiment: ResolvedExperiment; globalStep: number } {
    const experiment = loadRecordedExperiment(runDir);
    const snapshot = readPolicySnapshot(runDir);
    if (!snapshot) throw new RunDirError(runDir.path, `${runDir.path}: no checkpoint yet (the run has not finished its first iteration)`);
    const env = experiment.makeEnv();
    const discrete = env.actionSpace.kind === "discrete";
    const layout = new ActorCriticLayout({
      obsDim: env.observationSpace.size,
      actionKind: discrete ? "discrete" : "box",
      actionDim: env.actionSpace.kind === "discrete" ? env.actionSpace.n : env.actionSpace.size,
      hiddenSizes: experiment.hyperparameters.hiddenSizes,
    });
    const normaliser = snapshot.obsMean && snapshot.obsVar ? { mean: snapshot.obsMean, var: snapshot.obsVar } : null;
    return { policy: new Policy(layout, snapshot.params, normaliser), experiment, globalStep: snapshot.counters.globalStep };
  }

  private prepare(obs: Float32Array): void {
    if (this.obsRms) normalizeObservationInto(this.obsRms, obs, 1, this.policyObs);
    else for (let j = 0; j < obs.length; j++) this.policyObs[j] = obs[j]!;
  }

  /** An action for the env: argmax / mean when deterministic, else a sample. Continuous actions are clipped to the env's bounds. */
  act(obs: Float32Array, env: Env, deterministic: boolean, rng: Rng): number | Float32Array {
    this.prepare(obs);
    act(this.params, this.ws, this.policyObs, 1, rng, deterministic, this.out);
    if (this.discrete) return this.out.actions[0]!;
    const space = env.actionSpace;
    const a = new Float32Array(this.out.actions.length);
    for (let k = 0; k < a.length; k++) {
      const low = space.kind === "box" ? space.low[k]! : -Infinity;
      const high = space.kind === "box" ? space.high[k]! : Infinity;
      a[k] = Math.min(Math.max(this.out.actions[k]!, low), high);
    }
    return a;
  }

  /** Action distribution and value for one observation. */
  evaluate(obs: Float32Array): PolicyOutput {
    this.prepare(obs);
    act(this.params, this.ws, this.policyObs, 1, new Rng(0), true, this.out);
    const head = Array.from(this.ws.logits.subarray(0, this.layout.config.actionDim));
    const value = this.out.values[0]!;
    if (this.discrete) {
      const max = Math.max(...head);
      const exps = head.map((z) => Math.exp(z - max));
      const sum = exps.reduce((a, b) => a + b, 0);
      return { probabilities: exps.map((e) => e / sum), mean: null, std: null, value };
    }
    const std = head.map((_, k) => Math.exp(this.params[this.layout.logStdOffset + k]!));
    return { probabilities: null, mean: head, std, value };
  }
}

export interface EvalSummary {
  episodes: number;
  meanReturn: number;
  stdReturn: number;
  meanLength: number;
  returns: number[];
  lengths: number[];
  /** How episodes ended: termination causes by name, and "time limit" for truncations. */
  terminationCauses: Record<string, number>;
  /** Text envs evaluated with a TWOSOME policy: the fraction of episodes that ended in success. */
  successRate?: number;
}

export interface EvalOptions {
  episodes: number;
  /** Argmax / mean actions (default true). */
  deterministic?: boolean;
  /** Seed of the first episode; episode i uses seed + i. Default: the run's seed + 10 000. */
  seed?: number;
  signal?: AbortSignal;
  onEpisode?: (index: number, episodicReturn: number) => void;
}

/** Evaluation rollouts of the run's latest checkpoint on the unshaped env reward. */
export async function evaluateRun(runDir: RunDir, options: EvalOptions): Promise<EvalSummary> {
  if (!Number.isInteger(options.episodes) || options.episodes < 1) throw new RangeError(`episodes must be a positive integer, got ${options.episodes}`);
  const { policy, experiment } = Policy.fromRun(runDir);
  const env = experiment.makeEnv();
  const deterministic = options.deterministic ?? true;
  const seed = options.seed ?? experiment.seed + 10_000;
  const rng = new Rng(seed);
  const returns: number[] = [];
  const lengths: number[] = [];
  const causes: Record<string, number> = {};
  for (let i = 0; i < options.episodes; i++) {
    options.signal?.throwIfAborted();
    let { obs } = env.reset({ seed: seed + i });
    let total = 0;
    let length = 0;
    for (;;) {
      const r = env.step(policy.act(obs, env, deterministic, rng));
      total += r.reward;
      length++;
      obs = r.obs;
      if (r.terminated || r.truncated) {
        const cause = String((r.terminated ? r.info.terminationCause : r.info.truncationCause) ?? (r.terminated ? "terminated" : "truncated"));
        causes[cause] = (causes[cause] ?? 0) + 1;
        break;
      }
    }
    returns.push(total);
    lengths.push(length);
    options.onEpisode?.(i, total);
    // Let an abort through between episodes.
    if (i % 10 === 9) await new Promise<void>((r) => setImmediate(r));
  }
  return evalSummaryOf(returns, lengths, causes);
}

/** The summary of finished evaluation episodes (population std, as numpy's). */
export function evalSummaryOf(returns: number[], lengths: number[], causes: Record<string, number>): EvalSummary {
  const n = returns.length;
  const mean = returns.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return {
    episodes: n,
    meanReturn: mean,
    stdReturn: std,
    meanLength: lengths.reduce((a, b) => a + b, 0) / n,
    returns,
    lengths,
    terminationCauses: causes,
  };
}
