/**
 * The run-folder bookkeeping a trainer calls, so that the trainer reads as its algorithm (CleanRL's
 * `ppo.py` has `writer.add_scalar` and nothing else around the loop): episodes and metrics appended
 * as they happen, the window of recent returns and the "solved" criterion, status.json, checkpoints
 * with the counters, and wall/CPU time that continue across resumes.
 *
 * It knows nothing of the algorithm: what a checkpoint holds besides the counters comes from a
 * `TrainerState` (PPO's learner, normalisers and RNGs in ppo/checkpoint-state.ts; an LLM-policy
 * trainer's adapter weights; one learner's state in multi-learner PPO). A resume validates the
 * whole checkpoint — the counters against metrics.jsonl/episodes.jsonl (checkpoint-counters.ts),
 * then the state's own part — before it restores anything or drops a stale line.
 */
import type { Checkpoint } from "./checkpoint.js";
import { checkRunCheckpoint, freshCounters, RETURN_WINDOW, type RunCounters, type VerifiedCounters } from "./checkpoint-counters.js";
import type { EpisodeRecord, MetricsRecord, RunDir, RunState } from "./run-dir.js";
import { TensorBoardLog } from "../tensorboard/run-log.js";
import type { TrainProgress } from "../../../protocol/src/runtime.js";

/** CleanRL's charts/episodic_return and charts/episodic_length: means over the iteration's finished episodes (none: no entry). */
export function episodeMetrics(episodes: readonly EpisodeRecord[]): Record<string, number> {
  const n = episodes.length;
  if (n === 0) return {};
  return {
    "charts/episodic_return": episodes.reduce((s, r) => s + r.episodicReturn, 0) / n,
    "charts/episodic_length": episodes.reduce((s, r) => s + r.episodicLength, 0) / n,
  };
}

/** The algorithm's part of a checkpoint. */
export interface TrainerState {
  /** `meta.format` of this trainer's checkpoints, e.g. "rl-studio/ppo-checkpoint@1". */
  readonly format: string;
  /** Arrays and meta entries to store beside `format` and `counters`. */
  save(): Promise<{ meta: Record<string, unknown>; arrays: Record<string, Float32Array> }>;
  /**
   * Throws `CheckpointError` (naming the field, its value and the file) when `ckpt` cannot be
   * restored into this state: missing or mis-sized arrays, a non-finite weight or moment, a network
   * of another shape. Changes nothing.
   */
  check(ckpt: Checkpoint, counters: VerifiedCounters, file: string): void;
  /** Restores a checkpoint that passed `check`. */
  restore(ckpt: Checkpoint): Promise<void>;
}

export interface RecorderOptions {
  runDir: RunDir;
  /** Environment steps per iteration (every checkpoint is taken between iterations). */
  stepsPerIteration: number;
  /** Iterations the run trains for in all. */
  numIterations: number;
  /** For status.json. */
  totalTimesteps: number;
  /** The env's "solved" return (mean of the last 20 episodes), if it has one. */
  rewardThreshold: number | undefined;
  /** Write a checkpoint after every this many iterations, and after the last. */
  checkpointEvery: number;
  /** Tensor backend in use, for status.json. */
  backend: string;
  onMetrics?: (r: MetricsRecord) => void;
  onEpisode?: (r: EpisodeRecord) => void;
  log?: (line: string) => void;
}

/** One finished episode as the trainer knows it; the recorder adds the step and the time. */
export type EpisodeFacts = Omit<EpisodeRecord, "globalStep" | "wallSeconds">;

/** The recorder's side of a finished training segment. */
export interface RecordedTotals {
  globalStep: number;
  /** Across every process that trained the run. */
  wallSeconds: number;
  cpuSeconds: number;
  /** Steps per second of this process's segment. */
  sps: number;
  /** Steps this process took. */
  segmentSteps: number;
  /** Seconds this process trained. */
  segmentSeconds: number;
  meanReturnLast20: number | null;
  solvedAtStep: number | null;
  solvedAtSeconds: number | null;
}

function cpuSecondsNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export class RunRecorder {
  /** The counters as they stand; the trainer advances `globalStep` through `addSteps`. */
  readonly counters: RunCounters;
  /** The step the checkpoint restored, or null for a fresh start. */
  readonly resumedFrom: number | null;
  /** Return of the latest finished episode (restored from the window on resume). */
  lastEpisodicReturn: number | null;
  private readonly startWall = performance.now();
  private readonly startCpu = cpuSecondsNow();
  private readonly startStep: number;
  private readonly baseWall: number;
  private readonly baseCpu: number;

  private constructor(
    private readonly opts: RecorderOptions,
    private readonly state: TrainerState,
    counters: RunCounters,
    resumedFrom: number | null,
    /** The events files beside metrics.jsonl (TensorBoard), fed from the same records. */
    private readonly tensorboard: TensorBoardLog,
  ) {
    this.counters = counters;
    this.resumedFrom = resumedFrom;
    this.startStep = counters.globalStep;
    this.baseWall = counters.wallSeconds;
    this.baseCpu = counters.cpuSeconds;
    this.lastEpisodicReturn = counters.recentReturns.at(-1) ?? null;
  }

  /**
   * Start recording into `opts.runDir`. When the run has a checkpoint, it is validated whole
   * (a `CheckpointError` names the first bad field; nothing is changed then), restored into
   * `state`, and the metrics/episode lines after its step — proven stale — are dropped.
   * Then status.json says "running".
   */
  static async open(opts: RecorderOptions, state: TrainerState): Promise<RunRecorder> {
    const { runDir } = opts;
    const ckpt = runDir.readCheckpoint();
    let counters: RunCounters = freshCounters();
    let resumedFrom: number | null = null;
    if (ckpt) {
      const verified = checkRunCheckpoint(ckpt, {
        file: runDir.file("checkpoint"),
        format: state.format,
        stepsPerIteration: opts.stepsPerIteration,
        numIterations: opts.numIterations,
        metrics: runDir.readMetrics(),
        episodes: runDir.readEpisodes(),
      });
      state.check(ckpt, verified, runDir.file("checkpoint"));
      await state.restore(ckpt);
      runDir.truncateAfter(verified.globalStep);
      counters = { ...verified, recentReturns: [...verified.recentReturns] };
      resumedFrom = verified.globalStep;
      opts.log?.(`resuming from the checkpoint at step ${verified.globalStep} (iteration ${verified.iteration})`);
    } else {
      // No checkpoint: training starts again from step 0, so whatever a killed first attempt
      // logged is stale (a fresh run has no files yet, and this changes nothing).
      runDir.truncateAfter(0);
    }
    const tensorboard = TensorBoardLog.open(runDir, { resumeStep: resumedFrom ?? 0, ...(opts.log ? { log: opts.log } : {}) });
    const recorder = new RunRecorder(opts, state, counters, resumedFrom, tensorboard);
    recorder.writeStatus("running");
    return recorder;
  }

  get globalStep(): number {
    return this.counters.globalStep;
  }

  /** Iterations completed (the next one is `iteration + 1`). */
  get iteration(): number {
    return this.counters.iteration;
  }

  /** Count `n` environment steps (one vector step = numEnvs). */
  addSteps(n: number): void {
    this.counters.globalStep += n;
  }

  /** Wall seconds of the whole run: earlier processes plus this one. */
  wallSeconds(): number {
    return this.baseWall + (performance.now() - this.startWall) / 1000;
  }

  cpuSeconds(): number {
    return this.baseCpu + (cpuSecondsNow() - this.startCpu);
  }

  /** Steps per second of this process's segment so far (CleanRL's charts/SPS). */
  sps(): number {
    return (this.counters.globalStep - this.startStep) / Math.max(1e-9, (performance.now() - this.startWall) / 1000);
  }

  /** Mean return of the last (up to 20) finished episodes, or null before the first. */
  meanRecentReturn(): number | null {
    const r = this.counters.recentReturns;
    return r.length === 0 ? null : r.reduce((a, b) => a + b, 0) / r.length;
  }

  /** A finished episode: appended to episodes.jsonl, counted in the return window and the solved criterion. */
  episode(facts: EpisodeFacts): EpisodeRecord {
    const c = this.counters;
    const record: EpisodeRecord = { globalStep: c.globalStep, wallSeconds: this.wallSeconds(), ...facts };
    this.opts.runDir.appendEpisode(record);
    this.opts.onEpisode?.(record);
    c.episodes++;
    this.lastEpisodicReturn = record.episodicReturn;
    c.recentReturns.push(record.episodicReturn);
    if (c.recentReturns.length > RETURN_WINDOW) c.recentReturns.shift();
    const threshold = this.opts.rewardThreshold;
    if (threshold !== undefined && c.solvedAtStep === null && c.recentReturns.length === RETURN_WINDOW && this.meanRecentReturn()! >= threshold) {
      c.solvedAtStep = c.globalStep;
      c.solvedAtSeconds = this.wallSeconds();
    }
    return record;
  }

  /**
   * The end of iteration `iteration`: its metrics record appended to metrics.jsonl, then a
   * checkpoint when one is due (every `checkpointEvery` iterations and after the last).
   */
  async endIteration(iteration: number, metrics: Record<string, number>): Promise<MetricsRecord> {
    this.counters.iteration = iteration;
    const record: MetricsRecord = { globalStep: this.counters.globalStep, iteration, wallSeconds: this.wallSeconds(), metrics };
    this.opts.runDir.appendMetrics(record);
    this.tensorboard.append(record);
    this.opts.onMetrics?.(record);
    if (iteration % this.opts.checkpointEvery === 0 || iteration === this.opts.numIterations) {
      await this.checkpoint();
      this.writeStatus("running");
    }
    return record;
  }

  /**
   * `endIteration` with the non-finite metrics left out (a NaN explained variance, say), then the
   * iteration's progress as trainers report it; `sps` is the figure the trainer logged as charts/SPS.
   */
  async endIterationWithProgress(iteration: number, metrics: Record<string, number>, sps: number): Promise<TrainProgress> {
    for (const [k, v] of Object.entries(metrics)) if (!Number.isFinite(v)) delete metrics[k];
    const record = await this.endIteration(iteration, metrics);
    return {
      iteration,
      numIterations: this.opts.numIterations,
      globalStep: this.counters.globalStep,
      totalTimesteps: this.opts.numIterations * this.opts.stepsPerIteration,
      sps,
      wallSeconds: record.wallSeconds,
      lastEpisodicReturn: this.lastEpisodicReturn,
      meanReturnLast20: this.meanRecentReturn(),
    };
  }

  /** Write a checkpoint now: the counters and the trainer's state, atomically. */
  async checkpoint(): Promise<void> {
    const part = await this.state.save();
    const counters: RunCounters = { ...this.counters, wallSeconds: this.wallSeconds(), cpuSeconds: this.cpuSeconds() };
    this.opts.runDir.writeCheckpoint({ meta: { format: this.state.format, counters, ...part.meta }, arrays: part.arrays });
  }

  writeStatus(state: RunState, error?: string): void {
    this.opts.runDir.writeStatus({
      state,
      pid: process.pid,
      startedAt: new Date(Date.now() - this.wallSeconds() * 1000).toISOString(),
      updatedAt: new Date().toISOString(),
      globalStep: this.counters.globalStep,
      totalTimesteps: this.opts.totalTimesteps,
      backend: this.opts.backend,
      ...(error ? { error } : {}),
    });
  }

  /**
   * The end of this process's segment: a checkpoint unless it failed or `options.checkpoint` is
   * false (a stopped run resumes from exactly here), then the final status.
   */
  async finish(state: Exclude<RunState, "running">, error?: string, options: { checkpoint?: boolean } = {}): Promise<RecordedTotals> {
    this.tensorboard.close();
    // `checkpoint: false`: the trainer stopped inside an iteration (its state is not a whole one); the last checkpoint stands.
    if (options.checkpoint ?? state !== "failed") await this.checkpoint();
    const c = this.counters;
    c.wallSeconds = this.wallSeconds();
    c.cpuSeconds = this.cpuSeconds();
    this.writeStatus(state, error);
    const segmentSteps = c.globalStep - this.startStep;
    const segmentSeconds = (performance.now() - this.startWall) / 1000;
    return {
      globalStep: c.globalStep,
      wallSeconds: c.wallSeconds,
      cpuSeconds: c.cpuSeconds,
      sps: segmentSeconds > 0 ? segmentSteps / segmentSeconds : 0,
      segmentSteps,
      segmentSeconds,
      meanReturnLast20: this.meanRecentReturn(),
      solvedAtStep: c.solvedAtStep,
      solvedAtSeconds: c.solvedAtSeconds,
    };
  }
}
