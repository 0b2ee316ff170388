/**
 * Training progress on a terminal: a live bar (cli-progress) when the stream is a TTY, otherwise
 * one plain line every few seconds so logs and CI output stay readable. Shows steps/total, SPS,
 * the last episodic return and an ETA computed from the current SPS.
 */
import cliProgress from "cli-progress";
import type { TrainProgress } from "../ppo/train.js";

/** `1234567` → `1,234,567`. */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Seconds as `42s`, `3m 05s`, `1h 02m`; `--` when unknown. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return "--";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** A return as a person reads it: 1 decimal, or `--` before the first finished episode. */
export function formatReturn(r: number | null): string {
  return r === null || !Number.isFinite(r) ? "--" : r.toFixed(1);
}

/** Seconds left at the current rate, or null when the rate is not known yet. */
export function etaSeconds(p: TrainProgress): number | null {
  return p.sps > 0 ? Math.max(0, p.totalTimesteps - p.globalStep) / p.sps : null;
}

/** The one-line form, used for non-TTY output and as the last line of a run. */
export function formatProgressLine(p: TrainProgress): string {
  const pct = p.totalTimesteps > 0 ? Math.floor((100 * p.globalStep) / p.totalTimesteps) : 0;
  return (
    `steps ${formatInt(p.globalStep)}/${formatInt(p.totalTimesteps)} (${pct}%)  ${formatInt(p.sps)} SPS  ` +
    `last return ${formatReturn(p.lastEpisodicReturn)}  mean(20) ${formatReturn(p.meanReturnLast20)}  ETA ${formatDuration(etaSeconds(p))}`
  );
}

/** How one kind of progress is drawn: the bar's value and total, its fields, and the plain line. */
export interface ProgressView<T> {
  /** cli-progress format, with `{bar}`, `{percentage}` and the payload's fields. */
  barFormat: string;
  value(p: T): number;
  total(p: T): number;
  payload(p: T): Record<string, string>;
  /** The one-line form (non-TTY output, and the last line). */
  line(p: T): string;
}

/** Training: steps, SPS, last return, ETA. */
export const TRAIN_PROGRESS_VIEW: ProgressView<TrainProgress> = {
  barFormat: "{bar} {percentage}% | {steps} steps | {sps} SPS | last return {ret} | ETA {remaining}",
  value: (p) => p.globalStep,
  total: (p) => p.totalTimesteps,
  payload: (p) => ({
    steps: `${formatInt(p.globalStep)}/${formatInt(p.totalTimesteps)}`,
    sps: formatInt(p.sps),
    ret: formatReturn(p.lastEpisodicReturn),
    remaining: formatDuration(etaSeconds(p)),
  }),
  line: formatProgressLine,
};

export interface ProgressReporterOptions<T = TrainProgress> {
  /** Where to draw; stderr so stdout stays clean for `--json`. */
  stream: NodeJS.WriteStream;
  /** Draw a live bar; defaults to `stream.isTTY`. */
  tty?: boolean;
  /** Without a TTY: at most one line per this many milliseconds (default 5000). */
  lineIntervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** What is shown (default: training progress). */
  view?: ProgressView<T>;
}

/** Owns the terminal bar while training runs; `dispose()` releases the line and the cursor. */
export class ProgressReporter<T = TrainProgress> {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly lineIntervalMs: number;
  private readonly now: () => number;
  private readonly view: ProgressView<T>;
  private bar: cliProgress.SingleBar | null = null;
  private lastLineAt = -Infinity;
  private last: T | null = null;
  private lastPrinted: T | null = null;

  constructor(options: ProgressReporterOptions<T>) {
    this.stream = options.stream;
    this.tty = options.tty ?? options.stream.isTTY === true;
    this.lineIntervalMs = options.lineIntervalMs ?? 5000;
    this.now = options.now ?? Date.now;
    this.view = options.view ?? (TRAIN_PROGRESS_VIEW as unknown as ProgressView<T>);
  }

  update(p: T): void {
    this.last = p;
    const view = this.view;
    if (this.tty) {
      const payload = view.payload(p);
      if (this.bar === null) {
        this.bar = new cliProgress.SingleBar(
          {
            stream: this.stream,
            format: view.barFormat,
            hideCursor: true,
            clearOnComplete: false,
            barsize: 30,
            fps: 10,
          },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(view.total(p), view.value(p), payload);
      } else {
        this.bar.setTotal(view.total(p));
        this.bar.update(view.value(p), payload);
      }
      return;
    }
    const t = this.now();
    if (t - this.lastLineAt >= this.lineIntervalMs) {
      this.lastLineAt = t;
      this.lastPrinted = p;
      this.stream.write(view.line(p) + "\n");
    }
  }

  /** A message that must not be drawn over by the bar (backend notices, warnings). */
  log(line: string): void {
    if (this.bar !== null) {
      // cli-progress redraws on its own timer: clear the bar's line, print, and let it redraw below.
      this.stream.write("\r\x1b[K" + line + "\n");
    } else {
      this.stream.write(line + "\n");
    }
  }

  /** Stop drawing; without a TTY, print the final state if it was not the last line printed. */
  dispose(): void {
    if (this.bar !== null) {
      this.bar.stop();
      this.bar = null;
    } else if (!this.tty && this.last !== null && this.last !== this.lastPrinted) {
      this.lastPrinted = this.last;
      this.stream.write(this.view.line(this.last) + "\n");
    }
  }
}
