/**
 * Eureka-style reward evolution (Ma et al. 2023, "Eureka: Human-Level Reward Design via Coding
 * Large Language Models"): each iteration samples K reward candidates from the LLM, trains each
 * briefly with the real PPO trainer, scores it by the task's own fitness — the env's unshaped
 * episodic return (mean of the last 20 episodes), with the success rate (share of those episodes
 * at or above the env's reward threshold) beside it — keeps the best, and feeds a reward
 * reflection on the iteration's best (each component's values over training with max / mean /
 * min, the fitness, and the failures' tracebacks) into the next iteration's prompt.
 *
 * Every candidate trains in its own child process with a heap limit, its reward evaluated in a
 * locked-down vm realm there (candidate-process.ts, train-worker.ts, sandbox.ts): LLM code never
 * runs in the runtime's process, and that process's crash, whatever its exit code, is the
 * candidate's failure. Results go to `<workspace>/.rl-studio/evolutions/<id>/`: evolution.json
 * (every candidate: code, curves, fitness, failure) and one run folder per trained candidate
 * (metrics.jsonl, episodes.jsonl…).
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { loadExperiment, type ResolvedExperiment } from "../experiment/resolve.js";
import type { LlmProvider } from "../llm/provider.js";
import type { BackendRequest } from "../backends/select.js";
import type { TrainSummary } from "../ppo/train.js";
import { writeFileAtomic } from "../runs/atomic.js";
import { currentWriter, type WriterIdentity } from "../runs/process-identity.js";
import { findWorkspaceRoot, formatRunTimestamp, slugify } from "../runs/run-id.js";
import { EVOLUTIONS_DIR } from "./evolution-status.js";
import { isBetter } from "./best-candidate.js";
import { designRewards, type DesignStats } from "./design.js";
import { designContextOf } from "./suggest.js";
import { layoutOf, sampleTransitions } from "./samples.js";
import type { RewardComponent } from "./sandbox.js";
import type { TrainWorkerCommand, TrainWorkerData, TrainWorkerMessage } from "./train-worker-protocol.js";
import { exitReason, startCandidateProcess } from "./candidate-process.js";

export interface EvolveOptions {
  provider: LlmProvider;
  /** Candidates per iteration, K (default 4, as the issue; Eureka samples 16). */
  candidates?: number;
  /** Iterations, N (default 3; Eureka uses 5). */
  iterations?: number;
  /** Training steps per candidate (default the experiment's totalTimesteps capped at 20 000). */
  budget?: number;
  /** Tensor backend for candidate training (default "auto"). */
  backend?: BackendRequest;
  /** Folder for evolution folders (default `<workspace>/.rl-studio/evolutions`). */
  evolutionsRoot?: string;
  /** A candidate whose training process reports nothing for this long is stopped as hung (default 60 s). */
  stallMs?: number;
  /** Heap limit of each candidate's training process in MB (default 256). */
  heapMb?: number;
  /** LLM sampling seed (iteration i uses seed + i). */
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (event: EvolveProgress) => void;
}

export type EvolveProgress =
  /** The evolution folder exists (evolution.json saved, empty): what a live view needs to show it and find its file. */
  | { phase: "started"; id: string; dir: string; experimentPath: string; envId: string; candidates: number; iterations: number; budget: number }
  | { phase: "designing"; iteration: number; iterations: number }
  | { phase: "training"; iteration: number; candidate: number; candidates: number; globalStep: number; budget: number }
  | { phase: "candidate-done"; result: CandidateResult }
  | { phase: "iteration-done"; iteration: number; best: CandidateResult | null };

/** One point of a candidate's training curves (one PPO iteration). */
export interface CurvePoint {
  globalStep: number;
  /** Mean unshaped episodic return of the episodes that ended in that iteration. */
  episodicReturn: number | null;
  /** Mean per-episode sum of each component (`reward/<name>`). */
  components: Record<string, number>;
}

export interface CandidateResult {
  iteration: number;
  /** 1-based index inside the iteration. */
  index: number;
  components: RewardComponent[];
  rationale: string;
  /** The `reward: …` snippet to apply to the file. */
  code: string;
  /**
   * "rejected": failed validation (even after a repair); "failed": training stopped on an error;
   * "cancelled": the evolution was cancelled while it trained (or before it started; `globalStep`
   * says how far it got).
   */
  status: "trained" | "failed" | "rejected" | "cancelled";
  repaired: boolean;
  /** Mean unshaped episodic return of the last 20 episodes; null when none finished or not trained. */
  fitness: number | null;
  /** Share of the last 20 episodes whose return reached the env's reward threshold; null without a threshold. */
  successRate: number | null;
  episodes: number;
  globalStep: number;
  wallSeconds: number;
  curves: CurvePoint[];
  /** The run folder of its training. */
  runDir?: string;
  /** Why it was rejected or failed (the traceback for a training failure). */
  error?: string;
}

export interface EvolutionResult {
  id: string;
  dir: string;
  experimentPath: string;
  envId: string;
  /**
   * "running" while it runs (and left so by a killed process), then how it ended; "failed": an
   * error outside any one candidate (the LLM, the experiment), in `error`.
   */
  status: "running" | "completed" | "cancelled" | "failed";
  error?: string;
  /** The process writing the file, so a reader can tell a live evolution from an interrupted one (evolution-status.ts). */
  pid?: number;
  writer?: WriterIdentity;
  candidatesPerIteration: number;
  iterations: number;
  budget: number;
  best: CandidateResult | null;
  candidates: CandidateResult[];
  /** The reflection text fed to each iteration after the first. */
  reflections: string[];
  llm: DesignStats;
  wallSeconds: number;
}

const RETURN_WINDOW = 20;

export async function evolveReward(experimentPath: string, options: EvolveOptions): Promise<EvolutionResult> {
  const started = performance.now();
  const K = options.candidates ?? 4;
  const N = options.iterations ?? 3;
  if (!Number.isInteger(K) || K < 1 || K > 16) throw new RangeError(`candidates must be an integer from 1 to 16, got ${K}`);
  if (!Number.isInteger(N) || N < 1 || N > 20) throw new RangeError(`iterations must be an integer from 1 to 20, got ${N}`);
  const experiment = await loadExperiment(experimentPath);
  const budget = options.budget ?? Math.min(experiment.hyperparameters.totalTimesteps, 20_000);
  if (!Number.isInteger(budget) || budget <= 0) throw new RangeError(`budget must be a positive integer number of steps, got ${budget}`);
  const signal = options.signal;
  const root = options.evolutionsRoot ?? join(findWorkspaceRoot(experimentPath), EVOLUTIONS_DIR);
  const id = uniqueId(root, `${slugify(experiment.name)}-${formatRunTimestamp(new Date())}`);
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true });

  const ctx = designContextOf(experiment);
  const layout = layoutOf(experiment.spec);
  const samples = sampleTransitions(experiment.makeEnv, { count: 128, seed: experiment.seed });
  const result: EvolutionResult = {
    id,
    dir,
    experimentPath: experiment.source.path,
    envId: experiment.envId,
    status: "running",
    pid: process.pid,
    writer: currentWriter(),
    candidatesPerIteration: K,
    iterations: N,
    budget,
    best: null,
    candidates: [],
    reflections: [],
    llm: { generations: 0, promptTokens: 0, generatedTokens: 0, seconds: 0, tokensPerSecond: 0 },
    wallSeconds: 0,
  };
  const save = () => {
    result.wallSeconds = (performance.now() - started) / 1000;
    writeFileAtomic(join(dir, "evolution.json"), JSON.stringify(result, null, 2) + "\n");
  };
  save();
  options.onProgress?.({ phase: "started", id, dir, experimentPath: result.experimentPath, envId: result.envId, candidates: K, iterations: N, budget });

  let reflection: string | undefined;
  try {
    for (let iteration = 1; iteration <= N; iteration++) {
      signal?.throwIfAborted();
      options.onProgress?.({ phase: "designing", iteration, iterations: N });
      if (reflection) result.reflections.push(reflection);
      const round = await designRewards(ctx, {
        provider: options.provider,
        count: K,
        layout,
        samples,
        ...(reflection ? { reflection } : {}),
        ...(options.seed !== undefined ? { seed: options.seed + iteration } : {}),
        ...(signal ? { signal } : {}),
      });
      addStats(result.llm, round.stats);
      const iterationResults: CandidateResult[] = [];
      let index = 0;
      // Recorded as soon as they are known, so a cancel later in the iteration still saves them.
      for (const rejected of round.rejected) {
        const r = emptyResult(iteration, ++index, rejected.components ?? [], "", "rejected");
        r.error = rejected.reason;
        iterationResults.push(r);
        result.candidates.push(r);
      }
      save();
      for (const r of iterationResults) options.onProgress?.({ phase: "candidate-done", result: r });
      for (const candidate of round.candidates) {
        const r = emptyResult(iteration, ++index, candidate.components, candidate.rationale, "trained");
        r.code = candidate.code;
        r.repaired = candidate.repaired;
        // After a cancel the rest of the iteration is recorded untrained: its code is still worth keeping.
        if (signal?.aborted) r.status = "cancelled";
        else await trainCandidate(experiment, r, { ...options, budget, dir, total: round.candidates.length + round.rejected.length });
        iterationResults.push(r);
        result.candidates.push(r);
        if (isBetter(r, result.best)) result.best = r;
        save();
        options.onProgress?.({ phase: "candidate-done", result: r });
      }
      signal?.throwIfAborted();
      const iterationBest = iterationResults.filter((r) => r.fitness !== null).sort((a, b) => b.fitness! - a.fitness!)[0] ?? null;
      options.onProgress?.({ phase: "iteration-done", iteration, best: iterationBest });
      reflection = rewardReflection(iterationBest, iterationResults, experiment);
      save();
    }
    result.status = "completed";
  } catch (err) {
    if (!signal?.aborted) {
      // Saved before rethrowing: the folder must not claim a completion that did not happen.
      result.status = "failed";
      result.error = err instanceof Error ? err.message : String(err);
      save();
      throw err;
    }
    result.status = "cancelled";
  }
  save();
  return result;
}

/** A candidate's result before it is trained (exported for the tests that train a candidate directly). */
export function emptyResult(iteration: number, index: number, components: RewardComponent[], rationale: string, status: CandidateResult["status"]): CandidateResult {
  return { iteration, index, components, rationale, code: "", status, repaired: false, fitness: null, successRate: null, episodes: 0, globalStep: 0, wallSeconds: 0, curves: [] };
}

function addStats(into: DesignStats, s: DesignStats): void {
  into.generations += s.generations;
  into.promptTokens += s.promptTokens;
  into.generatedTokens += s.generatedTokens;
  into.seconds += s.seconds;
  into.tokensPerSecond = into.seconds > 0 ? into.generatedTokens / into.seconds : 0;
}

function uniqueId(root: string, base: string): string {
  for (let n = 1; ; n++) {
    const id = n === 1 ? base : `${base}-${n}`;
    if (!existsSync(join(root, id))) return id;
  }
}

/**
 * Train candidate `r` in a candidate process (candidate-process.ts, train-worker.ts); fills in its
 * status, fitness, curves and error. Never throws: a cancel stops the training and leaves `r`
 * "cancelled" at the step it reached, for the caller to save. Exported for the tests that run
 * candidate code through exactly this path.
 */
export async function trainCandidate(
  experiment: ResolvedExperiment,
  r: CandidateResult,
  o: EvolveOptions & { budget: number; dir: string; total: number },
): Promise<void> {
  const t0 = performance.now();
  const data: TrainWorkerData = {
    source: experiment.source,
    seed: experiment.seed,
    totalTimesteps: o.budget,
    components: r.components,
    snippet: r.code,
    runsRoot: o.dir,
    runId: `i${r.iteration}-c${r.index}`,
    backend: o.backend ?? "auto",
  };
  const returns: number[] = [];
  const threshold = experiment.spec.rewardThreshold;
  const stallMs = o.stallMs ?? 60_000;
  const heapMb = o.heapMb ?? 256;
  const outcome = await new Promise<{ summary?: TrainSummary; error?: string; stopped?: boolean }>((resolve) => {
    const proc = startCandidateProcess("train", { heapMb });
    const child = proc.child;
    let done = false;
    let watchdog: NodeJS.Timeout;
    let grace: NodeJS.Timeout | undefined;
    const finish = (v: { summary?: TrainSummary; error?: string; stopped?: boolean }) => {
      if (done) return;
      done = true;
      clearTimeout(watchdog);
      if (grace) clearTimeout(grace);
      o.signal?.removeEventListener("abort", onAbort);
      proc.kill();
      resolve(v);
    };
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => finish({ error: `no training progress for ${Math.round(stallMs / 1000)} s: the reward never returned (an endless loop?) and its process was stopped` }), stallMs);
    };
    const onAbort = () => {
      if (child.connected) child.send({ type: "stop" } satisfies TrainWorkerCommand, () => undefined);
      // The trainer stops at its next step boundary; a hung reward cannot, so the process goes anyway.
      grace = setTimeout(() => finish({ stopped: true }), 5000);
    };
    o.signal?.addEventListener("abort", onAbort, { once: true });
    arm();
    child.on("message", (m: TrainWorkerMessage) => {
      arm();
      if (m.type === "metrics") {
        const comps: Record<string, number> = {};
        for (const [k, v] of Object.entries(m.record.metrics)) if (k.startsWith("reward/")) comps[k.slice(7)] = v;
        r.curves.push({ globalStep: m.record.globalStep, episodicReturn: m.record.metrics["charts/episodic_return"] ?? null, components: comps });
        r.globalStep = m.record.globalStep;
        o.onProgress?.({ phase: "training", iteration: r.iteration, candidate: r.index, candidates: o.total, globalStep: m.record.globalStep, budget: o.budget });
      } else if (m.type === "episode") {
        returns.push(m.record.episodicReturn);
        if (returns.length > RETURN_WINDOW) returns.shift();
        r.episodes++;
      } else if (m.type === "done") {
        finish({ summary: m.summary, ...(m.summary.status === "stopped" ? { stopped: true } : {}) });
      } else {
        finish({ error: m.message });
      }
    });
    child.on("error", (err) => finish({ error: `could not run the candidate's training process: ${err.message}` }));
    // "close", not "exit": by then every message it sent has been delivered.
    child.on("close", (code, signal) => finish({ error: `training ${exitReason(code, signal, proc.stderrTail(), proc.heapMb)}` }));
    // A failed send means the process is gone: its "close" reports that.
    child.send({ type: "start", data } satisfies TrainWorkerCommand, () => undefined);
  });
  r.wallSeconds = (performance.now() - t0) / 1000;
  r.runDir = join(o.dir, data.runId);
  if (outcome.summary) r.globalStep = outcome.summary.globalStep;
  if (returns.length > 0) {
    r.fitness = returns.reduce((a, b) => a + b, 0) / returns.length;
    r.successRate = threshold === undefined ? null : returns.filter((x) => x >= threshold).length / returns.length;
  }
  if (outcome.stopped) {
    // Stopped early by the cancel: a fitness over a fraction of the budget is not comparable.
    r.status = "cancelled";
    r.fitness = null;
  } else if (outcome.error || outcome.summary?.status === "failed") {
    r.status = "failed";
    r.error = outcome.error ?? outcome.summary?.error ?? "training failed";
    // A candidate that crashes training is not a reward to keep, however it scored before.
    r.fitness = null;
  }
}

/** Up to `n` evenly spaced values of a series, as Eureka samples its logged curves. */
function thin(values: number[], n = 10): number[] {
  if (values.length <= n) return values;
  return Array.from({ length: n }, (_, i) => values[Math.round((i * (values.length - 1)) / (n - 1))]!);
}

const num = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3));

/**
 * Eureka's reward reflection: the iteration's best candidate's components and fitness over
 * training, each with max / mean / min, Eureka's tips for rewriting, and the failures' errors.
 */
export function rewardReflection(best: CandidateResult | null, all: readonly CandidateResult[], experiment: Pick<ResolvedExperiment, "spec">): string {
  const lines: string[] = [];
  if (best) {
    lines.push(
      `We trained a PPO policy for ${best.globalStep} steps with this reward and tracked the values of its components (per-episode sums) and the task's fitness (the environment's own episodic return; ${experiment.spec.rewardThreshold !== undefined ? `solved at ${experiment.spec.rewardThreshold}` : "higher is better"}) over training, with the maximum, mean and minimum values encountered:`,
      best.components.map((c) => `- ${c.name}: ${c.code}`).join("\n"),
    );
    const series = (values: number[], label: string) => {
      if (values.length === 0) return;
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      lines.push(`${label}: [${thin(values).map(num).join(", ")}], Max: ${num(Math.max(...values))}, Mean: ${num(mean)}, Min: ${num(Math.min(...values))}`);
    };
    for (const c of best.components) series(best.curves.map((p) => p.components[c.name]).filter((v): v is number => v !== undefined), c.name);
    series(best.curves.map((p) => p.episodicReturn).filter((v): v is number => v !== null), "task fitness (episodic return)");
    if (best.successRate !== null) lines.push(`success rate over the last episodes: ${num(best.successRate)}`);
    lines.push(
      "Analyse this feedback and write new, improved reward functions. Tips: (1) if the fitness stays near its starting value, rewrite the whole reward; (2) if a component's values are nearly identical throughout, RL cannot optimise it as written: change its scale, rewrite it, or drop it; (3) if one component's magnitude is much larger than the others, rescale it to a comparable range.",
    );
  } else {
    lines.push("No candidate of the previous iteration trained successfully; write new reward functions from scratch.");
  }
  const failures = all.filter((r) => r.status === "failed" || r.status === "rejected");
  if (failures.length > 0) {
    lines.push("These candidates failed; do not repeat their mistakes:");
    for (const f of failures) lines.push(`- ${f.components.map((c) => `${c.name}: ${c.code}`).join("; ") || "(malformed)"}\n  error: ${(f.error ?? "").split("\n").slice(0, 4).join(" | ")}`);
  }
  return lines.join("\n");
}
