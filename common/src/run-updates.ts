/**
 * The live updates of training runs (metrics records, progress), batched on their way to a slower
 * reader: the runtime's JSON-RPC notifications to the extension host, and the extension host's
 * updates of the dashboard, status bar and progress notification. A PPO iteration of a small
 * network can take a few milliseconds, so per-iteration messages can come by the hundred per
 * second; a loaded editor that draws each of them falls behind training by minutes (seen at load
 * 25: the status bar at step 19 k while the run had stopped at 73 k).
 *
 * - Metrics: every record is kept (the dashboard draws them all, and the e2e test checks the chart
 *   holds every recorded return); the records of one run that arrive within an interval go out
 *   together, in order, with the oldest record's `sentAt`, so latency measured from it includes the
 *   time spent waiting here.
 * - Progress: only the latest per run is kept (each report supersedes the previous one).
 * - `flush()` delivers everything pending at once: call it before passing on a run's state change,
 *   so a final state always follows the last records and progress of the run and never waits.
 */
import type { MetricsRecord, TrainProgress } from "../../protocol/src/runtime.js";
import { Coalescer, type Clock } from "./coalesce.js";

export interface RunUpdateSink {
  /** A run's records since the last delivery, in order; `sentAt`: when the oldest of them was handed over. */
  metrics(runId: string, records: MetricsRecord[], sentAt: number): void;
  /** A run's latest progress. */
  progress(runId: string, progress: TrainProgress): void;
}

export interface RunUpdateIntervals {
  /** Shortest time between two deliveries of metrics, ms. */
  metricsIntervalMs: number;
  /** Shortest time between two deliveries of progress, ms. */
  progressIntervalMs: number;
}

interface PendingMetrics {
  records: MetricsRecord[];
  sentAt: number;
}

export class RunUpdateBatcher {
  private readonly metricsQueue: Coalescer<{ runId: string; records: readonly MetricsRecord[]; sentAt: number }, Map<string, PendingMetrics>>;
  private readonly progressQueue: Coalescer<{ runId: string; progress: TrainProgress }, Map<string, TrainProgress>>;

  constructor(sink: RunUpdateSink, intervals: RunUpdateIntervals, clock?: Clock) {
    this.metricsQueue = new Coalescer({
      intervalMs: intervals.metricsIntervalMs,
      ...(clock ? { clock } : {}),
      merge: (pending, next) => {
        const batches = pending ?? new Map<string, PendingMetrics>();
        const run = batches.get(next.runId);
        if (run) {
          run.records.push(...next.records);
          run.sentAt = Math.min(run.sentAt, next.sentAt);
        } else {
          batches.set(next.runId, { records: [...next.records], sentAt: next.sentAt });
        }
        return batches;
      },
      deliver: (batches) => {
        for (const [runId, b] of batches) if (b.records.length > 0) sink.metrics(runId, b.records, b.sentAt);
      },
    });
    this.progressQueue = new Coalescer({
      intervalMs: intervals.progressIntervalMs,
      ...(clock ? { clock } : {}),
      merge: (pending, next) => (pending ?? new Map<string, TrainProgress>()).set(next.runId, next.progress),
      deliver: (latest) => {
        for (const [runId, p] of latest) sink.progress(runId, p);
      },
    });
  }

  metrics(runId: string, records: readonly MetricsRecord[], sentAt: number): void {
    this.metricsQueue.push({ runId, records, sentAt });
  }

  progress(runId: string, progress: TrainProgress): void {
    this.progressQueue.push({ runId, progress });
  }

  /** Deliver every pending record and progress now (metrics first). */
  flush(): void {
    this.metricsQueue.flush();
    this.progressQueue.flush();
  }

  /** Drop what is pending and ignore later updates. */
  dispose(): void {
    this.metricsQueue.dispose();
    this.progressQueue.dispose();
  }
}
