/**
 * What the extension knows about runs: summaries read through the runtime (run folders on disk,
 * CLI-made runs included) updated live by the runtime's notifications. The Runs view, the status
 * bar and the dashboard all read this one model. No `vscode` import (its events are
 * vscode-jsonrpc's Emitter, the same shape), so it is unit-tested.
 */
import { Emitter } from "vscode-jsonrpc";
import type { MetricsRecord, RunState, RunSummary, TrainProgress } from "../../protocol/src/runtime.js";

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
  private readonly metricsEmitter = new Emitter<{ runId: string; record: MetricsRecord; sentAt: number }>();
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
    for (const s of summaries) this.runs.set(s.runId, { summary: s, progress: previous.get(s.runId)?.progress ?? null });
    this.changed.fire(undefined);
  }

  upsert(summary: RunSummary): RunEntry {
    const entry = { summary, progress: this.runs.get(summary.runId)?.progress ?? null };
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
    return this.upsert(current ? { ...summary, state: current.state, live: current.live, error: current.error } : summary);
  }

  remove(runId: string): void {
    if (this.runs.delete(runId)) this.changed.fire(undefined);
  }

  setState(runId: string, state: RunState, error?: string): void {
    const entry = this.runs.get(runId);
    if (!entry) return;
    entry.summary = { ...entry.summary, state, live: state === "running", error: error ?? (state === "running" ? null : entry.summary.error) };
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
      error: null,
      globalStep: progress.globalStep,
      totalTimesteps: progress.totalTimesteps,
      lastEpisodicReturn: progress.lastEpisodicReturn ?? entry.summary.lastEpisodicReturn,
    };
    this.changed.fire(entry);
  }

  metrics(runId: string, record: MetricsRecord, sentAt: number): void {
    this.metricsEmitter.fire({ runId, record, sentAt });
  }

  dispose(): void {
    this.changed.dispose();
    this.metricsEmitter.dispose();
  }
}
