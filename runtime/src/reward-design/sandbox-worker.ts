/**
 * Candidate validation in a `worker_threads` Worker: each candidate's components run on the sample
 * transitions inside a vm context (see sandbox.ts), the context inside a worker with a small heap.
 * The worker's code is a self-contained script (`eval: true`), so it needs no bundle entry and
 * loads no TypeScript tooling; the driver script it runs is built here by `driverSource`.
 *
 * A candidate that exhausts the worker's heap kills the worker: it is reported failed and a fresh
 * worker takes the remaining candidates. A candidate the per-call timeout cannot stop is ended by
 * the host's wall-clock limit the same way.
 */
import { Worker } from "node:worker_threads";
import { driverSource, type RewardComponent, type TransitionLayout } from "./sandbox.js";

export interface SandboxJob {
  components: readonly RewardComponent[];
  layout: TransitionLayout;
  /** Input rows (see `SandboxedReward.setInput` for the layout), one per sample transition. */
  samples: readonly (readonly number[])[];
}

/** Per-component statistics over the samples. */
export interface ComponentStats {
  min: number;
  mean: number;
  max: number;
}

export type SandboxResult =
  | { ok: true; stats: Record<string, ComponentStats> }
  | { ok: false; error: string; component?: string; sampleIndex?: number };

export interface SandboxRunOptions {
  /**
   * Time limit of one call of all components, in ms (default 250: a reward is a few arithmetic
   * operations, so only an endless loop comes near it, while a first call on a loaded machine —
   * compilation, GC — can take tens of ms and must not reject a valid candidate).
   */
  timeoutMs?: number;
  /** The worker's old-generation heap limit in MB (default 64). */
  heapMb?: number;
  /** Wall-clock limit for one candidate, covering every sample (default 5000 ms). */
  candidateLimitMs?: number;
  signal?: AbortSignal;
}

// Plain JavaScript: runs as the worker's whole program. Mirrors SandboxedReward (sandbox.ts).
const WORKER_SOURCE = String.raw`
const { parentPort } = require("node:worker_threads");
const vm = require("node:vm");
parentPort.on("message", (job) => {
  parentPort.postMessage({ index: job.index, started: true });
  let result;
  try {
    const context = vm.createContext(Object.create(null), { name: "reward candidate", codeGeneration: { strings: false, wasm: false }, microtaskMode: "afterEvaluate" });
    const parts = new vm.Script(job.driver, { filename: "reward-candidate.js" }).runInContext(context, { timeout: 1000 });
    const input = parts[0], output = parts[1];
    const call = new vm.Script(job.stepName + "()");
    const n = job.names.length;
    const min = new Array(n).fill(Infinity), max = new Array(n).fill(-Infinity), sum = new Array(n).fill(0);
    for (let i = 0; i < job.samples.length && !result; i++) {
      const row = job.samples[i];
      for (let k = 0; k < row.length; k++) input[k] = row[k];
      let r;
      try { r = call.runInContext(context, { timeout: job.timeoutMs }); }
      catch (err) {
        const m = err && err.message ? String(err.message) : String(err);
        result = { ok: false, sampleIndex: i, error: /timed out/i.test(m) ? "did not finish within " + job.timeoutMs + " ms on a sample transition (an endless loop?)" : m };
        break;
      }
      if (typeof r !== "string") { result = { ok: false, sampleIndex: i, error: "the sandbox driver was tampered with" }; break; }
      if (r !== "") {
        const c = r.indexOf(":");
        const k = Number(r.slice(0, c));
        result = { ok: false, sampleIndex: i, component: job.names[k], error: r.slice(c + 1) };
        break;
      }
      for (let k = 0; k < n; k++) {
        const v = output[k];
        if (!Number.isFinite(v)) { result = { ok: false, sampleIndex: i, component: job.names[k], error: "returned " + v + "; a component must be a finite number" }; break; }
        if (v < min[k]) min[k] = v;
        if (v > max[k]) max[k] = v;
        sum[k] += v;
      }
    }
    if (!result) {
      const stats = {};
      for (let k = 0; k < n; k++) stats[job.names[k]] = { min: min[k], mean: sum[k] / Math.max(1, job.samples.length), max: max[k] };
      result = { ok: true, stats };
    }
  } catch (err) {
    result = { ok: false, error: err && err.message ? String(err.message) : String(err) };
  }
  parentPort.postMessage({ index: job.index, result });
});
`;

/**
 * Run every job in a sandbox worker, in order; one result per job. Never throws for a candidate's
 * misbehaviour (that is its result); rejects only on abort.
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

/** Start a worker at job `from` and let it go until it finishes or dies; returns the next job to run. */
function runSome(jobs: readonly SandboxJob[], from: number, results: SandboxResult[], options: SandboxRunOptions): Promise<number> {
  const heapMb = options.heapMb ?? 64;
  const limitMs = options.candidateLimitMs ?? 5000;
  return new Promise((resolveNext, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // No inherited loader hooks (tsx): the script is plain JS and must start fast.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: Math.max(4, heapMb / 8), codeRangeSizeMb: 16, stackSizeMb: 4 },
      stdout: true,
      stderr: true,
    });
    let current = from;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (nextJob: number | Error) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      void worker.terminate();
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
      const names = job.components.map((c) => c.name);
      // An unguessable global name for the step function, so candidate code cannot shadow it.
      const stepName = `__rlStep${Math.random().toString(36).slice(2)}`;
      const driver = driverSource(job.components, job.layout, stepName);
      worker.postMessage({ index: current, driver, stepName, names, samples: job.samples, timeoutMs: options.timeoutMs ?? 250 });
    };
    worker.on("message", (m: { index: number; started?: boolean; result?: SandboxResult }) => {
      if (m.started) {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          results[current] = { ok: false, error: `ran longer than ${limitMs} ms on the sample transitions and was stopped` };
          finish(current + 1);
        }, limitMs);
        return;
      }
      results[m.index] = m.result!;
      current = m.index + 1;
      if (current >= jobs.length) finish(current);
      else send();
    });
    worker.on("error", (err: Error & { code?: string }) => {
      const oom = err.code === "ERR_WORKER_OUT_OF_MEMORY" || /out of memory|heap/i.test(err.message);
      results[current] = { ok: false, error: oom ? `used more than the sandbox's ${heapMb} MB heap and was stopped` : `crashed the sandbox: ${err.message}` };
      finish(current + 1);
    });
    worker.on("exit", () => {
      if (!settled) {
        results[current] = { ok: false, error: "the sandbox worker exited while evaluating it" };
        finish(current + 1);
      }
    });
    send();
  });
}
