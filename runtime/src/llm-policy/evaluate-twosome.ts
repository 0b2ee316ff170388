/**
 * Evaluation of a TWOSOME policy on its text env: a trained run (the model it names with the
 * checkpoint's adapter and value head), or the untrained LLM (`rl-studio eval <experiment> --prior`:
 * the zero-shot prior, SayCan-like, the baseline the paper compares against; LoRA's B starts at zero,
 * so a fresh adapter is exactly the base model). Greedy actions by default, so the same seed gives the
 * same returns; `deterministic: false` samples from π.
 */
import { CheckpointError } from "../runs/checkpoint.js";
import type { RunDir } from "../runs/run-dir.js";
import { loadRecordedExperiment } from "../runs/experiment-record.js";
import type { ResolvedExperiment } from "../experiment/resolve.js";
import { evalSummaryOf, type EvalOptions, type EvalSummary } from "../ppo/policy.js";
import type { BackendRequest } from "../backends/select.js";
import { Rng } from "../rng.js";
import { actOnText, type TextChoice } from "./act.js";
import { openTwosomeBackend } from "./backend.js";
import { TwosomePolicy } from "./policy.js";
import { adapterStateOf, TWOSOME_CHECKPOINT_FORMAT } from "./twosome-checkpoint.js";

export interface TwosomeEvalOptions extends TextEvalOptions {
  backend?: BackendRequest;
  log?: (line: string) => void;
}

export interface TextEvalOptions extends EvalOptions {
  /** Each step's text state, π over its actions and the choice (the explanation's measurement). */
  onStep?: (choice: TextChoice) => void;
}

/** Loads the experiment's model on a tfjs backend, fresh adapter (the prior). */
async function loadPolicy(experiment: ResolvedExperiment, options: TwosomeEvalOptions): Promise<TwosomePolicy> {
  const llm = experiment.llm;
  if (!llm) throw new Error(`${experiment.name}: algorithm is "${experiment.algorithm}", not "twosome": there is no LLM policy to evaluate`);
  const { tf } = await openTwosomeBackend(options.backend ?? "auto", options.log ?? (() => {}));
  return TwosomePolicy.load({ tf, model: llm.model, normalization: llm.normalization, lora: llm.lora, seed: experiment.seed });
}

/** The zero-shot prior: the untrained LLM policy of a TWOSOME experiment. */
export async function evaluatePrior(experiment: ResolvedExperiment, options: TwosomeEvalOptions): Promise<EvalSummary & { successRate: number }> {
  const policy = await loadPolicy(experiment, options);
  try {
    return await evaluateTextPolicy(policy, experiment, options);
  } finally {
    policy.dispose();
  }
}

/** A TWOSOME run's latest checkpoint (its model: the recorded one, or `model` instead). */
export async function evaluateTwosomeRun(runDir: RunDir, options: TwosomeEvalOptions & { model?: string }): Promise<EvalSummary & { successRate: number }> {
  const experiment = loadRecordedExperiment(runDir, options.model);
  const ckpt = runDir.readCheckpoint();
  const file = runDir.file("checkpoint");
  if (!ckpt) throw new CheckpointError(file, "no checkpoint yet, so there is no trained policy to evaluate");
  if (ckpt.meta.format !== TWOSOME_CHECKPOINT_FORMAT) throw new CheckpointError(file, `meta.format = ${JSON.stringify(ckpt.meta.format)}: a TWOSOME run's checkpoint is ${TWOSOME_CHECKPOINT_FORMAT}`);
  const policy = await loadPolicy(experiment, options);
  try {
    try {
      policy.setAdapterState(adapterStateOf(ckpt));
    } catch (err) {
      throw new CheckpointError(file, `${(err as Error).message}; was the run trained with another model or llm.lora?`);
    }
    return await evaluateTextPolicy(policy, experiment, options);
  } finally {
    policy.dispose();
  }
}

/** Episodes of one env with the policy acting on its text view; returns on the env's own reward. */
export async function evaluateTextPolicy(policy: TwosomePolicy, experiment: ResolvedExperiment, options: TextEvalOptions): Promise<EvalSummary & { successRate: number }> {
  if (!Number.isInteger(options.episodes) || options.episodes < 1) throw new RangeError(`episodes must be a positive integer, got ${options.episodes}`);
  const env = experiment.makeEnv();
  const seed = options.seed ?? experiment.seed + 10_000;
  const rng = options.deterministic === false ? new Rng(seed) : null;
  const successCause = experiment.spec.text?.successCause;
  const returns: number[] = [];
  const lengths: number[] = [];
  const causes: Record<string, number> = {};
  let successes = 0;
  for (let i = 0; i < options.episodes; i++) {
    options.signal?.throwIfAborted();
    env.reset({ seed: seed + i });
    let total = 0;
    let length = 0;
    for (;;) {
      const [choice] = await actOnText(policy, [env], rng);
      options.onStep?.(choice!);
      const r = env.step(choice!.action);
      total += r.reward;
      length++;
      if (r.terminated || r.truncated) {
        const cause = String((r.terminated ? r.info.terminationCause : r.info.truncationCause) ?? (r.terminated ? "terminated" : "truncated"));
        causes[cause] = (causes[cause] ?? 0) + 1;
        if (r.info.success === true || (successCause !== undefined && cause === successCause)) successes++;
        break;
      }
      options.signal?.throwIfAborted();
    }
    returns.push(total);
    lengths.push(length);
    options.onEpisode?.(i, total);
    await new Promise<void>((r) => setImmediate(r));
  }
  return { ...evalSummaryOf(returns, lengths, causes), successRate: successes / returns.length };
}
