/**
 * Candidate validation in a child process (candidate-process.ts, sandbox-child.ts): each candidate's
 * components run on the sample transitions in a locked-down vm realm (sandbox.ts), each call under a
 * time limit, the process under a heap limit.
 *
 * A candidate that exhausts the heap ends its process: it is reported failed with the reason and a
 * fresh process takes the remaining candidates. A candidate the per-call timeout cannot stop is ended
 * by the host's wall-clock limit the same way. The runtime never runs candidate code itself.
 */
import type { ChildProcess } from "node:child_process";
import { exitReason, startCandidateProcess } from "./candidate-process.js";
import type { RewardComponent, SandboxResult, TransitionLayout } from "./sandbox.js";

export type { ComponentStats, SandboxResult } from "./sandbox.js";

export interface SandboxJob {
  components: readonly RewardComponent[];
  layout: TransitionLayout;
  /** Input rows (see `SandboxedReward.setInput` for the layout), one per sample transition. */
  samples: readonly (readonly number[])[];
}

/** Host → validation process: one candidate to run. */
export interface SandboxJobMessage {
  index: number;
  components: RewardComponent[];
  layout: TransitionLayout;
  samples: number[][];
  timeoutMs: number;
}

/** Validation process → host: it is ready for jobs, it started candidate `index`, or here is its result. */
export type SandboxReplyMessage = { ready: true } | { index: number; started: true } | { index: number; result: SandboxResult };

export interface SandboxRunOptions {
  /**
   * Time limit of one call of all components, in ms (default 250: a reward is a few arithmetic
   * operations, so only an endless loop comes near it, while a first call on a loaded machine —
   * compilation, GC — can take tens of ms and must not reject a valid candidate).
   */
  timeoutMs?: number;
  /** The validation process's heap limit in MB (default 64). */
  heapMb?: number;
  /** Wall-clock limit for one candidate, covering every sample (default 5000 ms). */
  candidateLimitMs?: number;
  signal?: AbortSignal;
}

/**
 * Run every job in a validation process, in order; one result per job. Never throws for a
 * candidate's misbehaviour (that is its result); rejects on abort, or when no process can be started.
 */
export async function runInSandbox(jobs: readonly SandboxJob[], options: SandboxRunOptions = {}): Promise<SandboxResult[]> {
  const results: SandboxResult[] = new Array(jobs.length);
  let next = 0;
  while (next < jobs.length) {
    options.signal?.throwIfAborted();
    next = await runSome(jobs, next, results, options);
  }
  return results;
}

/** Start a process at job `from` and let it go until it finishes or dies; returns the next job to run. */
function runSome(jobs: readonly SandboxJob[], from: number, results: SandboxResult[], options: SandboxRunOptions): Promise<number> {
  const limitMs = options.candidateLimitMs ?? 5000;
  const proc = startCandidateProcess("sandbox", { heapMb: options.heapMb ?? 64 });
  const child: ChildProcess = proc.child;
  return new Promise((resolveNext, reject) => {
    let current = from;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (nextJob: number | Error) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      proc.kill();
      if (nextJob instanceof Error) reject(nextJob);
      else resolveNext(nextJob);
    };
    const onAbort = () => {
      const e = new Error("candidate validation was cancelled");
      e.name = "AbortError";
      finish(e);
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const send = () => {
      const job = jobs[current]!;
      const message: SandboxJobMessage = {
        index: current,
        components: job.components.map((c) => ({ name: c.name, code: c.code })),
        layout: job.layout,
        samples: job.samples.map((row) => [...row]),
        timeoutMs: options.timeoutMs ?? 250,
      };
      // A failed send means the process is gone: its "close" reports that, attributed to this job.
      child.send(message, () => undefined);
    };
    let ready = false;
    child.on("message", (m: SandboxReplyMessage) => {
      if (settled) return;
      if ("ready" in m) {
        ready = true;
        send();
        return;
      }
      if ("started" in m) {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          results[current] = { ok: false, error: `ran longer than ${limitMs} ms on the sample transitions and was stopped` };
          finish(current + 1);
        }, limitMs);
        return;
      }
      results[m.index] = m.result;
      current = m.index + 1;
      if (current >= jobs.length) finish(current);
      else send();
    });
    child.on("error", (err) => finish(new Error(`could not run the reward sandbox process: ${err.message}`)));
    // "close", not "exit": by then every message it sent has been delivered.
    child.on("close", (code, signal) => {
      if (settled) return;
      // Before it said it was ready no candidate code had run: the process itself could not start.
      if (!ready) return finish(new Error(`the reward sandbox process did not start: ${exitReason(code, signal, proc.stderrTail(), proc.heapMb)}`));
      results[current] = { ok: false, error: exitReason(code, signal, proc.stderrTail(), proc.heapMb) };
      finish(current + 1);
    });
  });
}
