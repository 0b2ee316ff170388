/**
 * What the extension knows about runs: summaries read through the runtime (run folders on disk,
 * CLI-made runs included) updated live by the runtime's notifications. The Runs view, the status
 * bar and the dashboard all read this one model. No `vscode` import (its events are
 * vscode-jsonrpc's Emitter, the same shape), so it is unit-tested.
 */
import { Emitter } from "vscode-jsonrpc";
import type { Clock } from "../../common/src/coalesce.js";
import { RunUpdateBatcher } from "../../common/src/run-updates.js";
import type { MetricsRecord, RunState, RunSummary, TrainProgress } from "../../protocol/src/runtime.js";

/**
 * How often live updates reach the views, whatever the training speed: the dashboard gets a run's
 * new metrics records at most every 50 ms (every record, batched: the chart appends them in its
 * next frame); the status bar, the progress notification and the Runs view a run's progress at most
 * 4 times a second. A loaded renderer that had to draw every iteration fell minutes behind training.
 */
export const LIVE_UPDATE_INTERVALS = { metricsIntervalMs: 50, progressIntervalMs: 250 } as const;

/**
 * A run "running" on disk that this runtime does not train, whose process cannot be confirmed to be
 * its trainer (RunSummary.unconfirmed): Resume asks "Resume Anyway" (the runtime answers
 * RESUME_NEEDS_FORCE), Stop explains why it leaves that process alone.
 */
export function isUnconfirmed(s: RunSummary): boolean {
  return s.unconfirmed && s.state === "running" && !s.live;
}

/** Runs Resume is offered for: stopped, failed, and unconfirmed ones. */
export function canResume(s: RunSummary): boolean {
  return s.state === "stopped" || s.state === "failed" || isUnconfirmed(s);
}

/** The Runs view's `contextValue` of a run, which package.json's menus match: `rlStudio.run.<state>` or `rlStudio.run.unconfirmed`. */
export function runContextValue(s: RunSummary): string {
  return `rlStudio.run.${isUnconfirmed(s) ? "unconfirmed" : s.state}`;
}

export interface RunEntry {
  summary: RunSummary;
  /** Last progress report while training in this session. */
  progress: TrainProgress | null;
}

export class RunsModel {
  private readonly runs = new Map<string, RunEntry>();
  private readonly changed = new Emitter<RunEntry | undefined>();
  /** A run changed (undefined: the whole set was reloaded). */
  readonly onDidChange = this.changed.event;
  private readonly metricsEmitter = new Emitter<{ runId: string; records: MetricsRecord[]; sentAt: number }>();
  /** New metrics records of a live run, in order; `sentAt`: the runtime's Date.now() when the oldest of them was handed over. */
  readonly onDidReceiveMetrics = this.metricsEmitter.event;

  all(): RunEntry[] {
    return [...this.runs.values()];
  }

  get(runId: string): RunEntry | undefined {
    return this.runs.get(runId);
  }

  /** Runs being trained by the current runtime process. */
  live(): RunEntry[] {
    return this.all().filter((r) => r.summary.live);
  }

  /** Replace the set with a fresh listing, keeping live progress. */
  replaceAll(summaries: RunSummary[]): void {
    const previous = new Map(this.runs);
    this.runs.clear();
    for (const s of summaries) this.runs.set(s.runId, { summary: withUnconfirmed(s), progress: previous.get(s.runId)?.progress ?? null });
    this.changed.fire(undefined);
  }

  upsert(summary: RunSummary): RunEntry {
    const entry = { summary: withUnconfirmed(summary), progress: this.runs.get(summary.runId)?.progress ?? null };
    this.runs.set(summary.runId, entry);
    this.changed.fire(entry);
    return entry;
  }

  /**
   * A run folder read after a status notification: its summary (steps, return, backend…), but the
   * state the notifications set meanwhile wins — they are newer than the read (a run stopped while
   * its "running" read was in flight stays stopped). A run not in the model yet is added as read.
   */
  mergeRead(summary: RunSummary): RunEntry {
    const current = this.runs.get(summary.runId)?.summary;
    return this.upsert(current ? { ...summary, state: current.state, live: current.live, error: current.error, unconfirmed: current.unconfirmed } : summary);
  }

  remove(runId: string): void {
    if (this.runs.delete(runId)) this.changed.fire(undefined);
  }

  setState(runId: string, state: RunState, error?: string): void {
    const entry = this.runs.get(runId);
    if (!entry) return;
    // From this runtime: its own run, so nothing about it is unconfirmed any more.
    entry.summary = { ...entry.summary, state, live: state === "running", unconfirmed: false, error: error ?? (state === "running" ? null : entry.summary.error) };
    if (state !== "running") entry.progress = null;
    this.changed.fire(entry);
  }

  /**
   * A progress report: the runtime sends them only for runs it is training, so the run is running
   * here whatever the model held (a resumed run reads "running" with its first iteration even if
   * its status notification's folder read failed).
   */
  setProgress(runId: string, progress: TrainProgress): void {
    const entry = this.runs.get(runId);
    if (!entry) return;
    entry.progress = progress;
    entry.summary = {
      ...entry.summary,
      state: "running",
      live: true,
      unconfirmed: false,
      error: null,
      globalStep: progress.globalStep,
      totalTimesteps: progress.totalTimesteps,
      lastEpisodicReturn: progress.lastEpisodicReturn ?? entry.summary.lastEpisodicReturn,
    };
    this.changed.fire(entry);
  }

  metrics(runId: string, records: MetricsRecord[], sentAt: number): void {
    this.metricsEmitter.fire({ runId, records, sentAt });
  }

  dispose(): void {
    this.changed.dispose();
    this.metricsEmitter.dispose();
  }
}

/** `unconfirmed` only where it means something (running on disk, not in this runtime). */
function withUnconfirmed(s: RunSummary): RunSummary {
  return s.unconfirmed && !isUnconfirmed(s) ? { ...s, unconfirmed: false } : s;
}

/**
 * The runtime's `run/metrics` and `run/progress` notifications on their way into `model`, at
 * `LIVE_UPDATE_INTERVALS`. Call `flush()` before applying a run's state change (`run/status`, a
 * crash), so it comes after the updates sent before it and a late progress report cannot make a
 * finished run "running" again.
 */
export function liveUpdatesInto(model: RunsModel, clock?: Clock): RunUpdateBatcher {
  return new RunUpdateBatcher(
    {
      metrics: (runId, records, sentAt) => model.metrics(runId, records, sentAt),
      progress: (runId, progress) => model.setProgress(runId, progress),
    },
    LIVE_UPDATE_INTERVALS,
    clock,
  );
}
