/**
 * The process boundary around every place LLM-written reward code runs: candidate validation
 * (sandbox-child.ts) and candidate training (train-worker.ts) each run in a child process with V8
 * heap limits, which the host watches and may kill; its death, with any exit code or signal, is the
 * candidate's failure, never the runtime's.
 *
 * Why a process and not a worker thread (issue 9, item 2: `new Array(2 ** 26).fill(0)` in a worker
 * with `resourceLimits` aborted the whole runtime, exit 134): running out of heap is fatal to the
 * whole process in V8 (`FatalProcessOutOfMemory`, whose handler in Node aborts), whichever isolate ran
 * out. A worker's `resourceLimits` only sets its heap's limits; near the limit Node raises it by
 * 16 MB and asks the worker to stop, which holds for gradual growth but not for one allocation larger
 * than that leeway (here a dictionary-mode array growing its backing store past the limit): V8 aborts,
 * runtime included. Only a process boundary contains that. Memory outside the V8 heap is not limited
 * by any V8 flag; the candidate's realm has no way to allocate it (sandbox-realm.ts removes
 * ArrayBuffer, the typed arrays, WebAssembly…).
 */
import { fork, type ChildProcess } from "node:child_process";
import { Worker } from "node:worker_threads";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** What a candidate process runs: validation on sample transitions, or a training run. */
export type CandidateProcessKind = "sandbox" | "train";

const ENTRIES: Record<CandidateProcessKind, { source: string; bundle: string }> = {
  sandbox: { source: "sandbox-child.ts", bundle: "reward-sandbox.js" },
  train: { source: "train-worker.ts", bundle: "reward-train-worker.js" },
};

/** The argument that tells an entry module it was started as a candidate process (and is not merely imported). */
export const CANDIDATE_PROCESS_ARG = "--rl-studio-candidate-process";

/** True in a process started by `startCandidateProcess` with an IPC channel to its host. */
export function isCandidateProcess(): boolean {
  return typeof process.send === "function" && process.argv.includes(CANDIDATE_PROCESS_ARG);
}

/**
 * The module a candidate process starts: the bundle beside this one (dist/), or from source (tests,
 * `tsx`) the .ts file with tsx's loader.
 */
export function candidateEntry(kind: CandidateProcessKind): { modulePath: string; loader: string[] } {
  const entry = ENTRIES[kind];
  if (__filename.endsWith(".ts")) {
    // createRequire: resolved from this file, whatever the working directory (and not a bundling hint to esbuild).
    const tsx = createRequire(__filename).resolve("tsx");
    return { modulePath: join(__dirname, entry.source), loader: ["--import", pathToFileURL(tsx).href] };
  }
  const bundled = join(__dirname, entry.bundle);
  if (existsSync(bundled)) return { modulePath: bundled, loader: [] };
  throw new Error(`the reward candidate ${kind} process is missing: ${bundled} (scripts/build.mjs must bundle runtime/src/reward-design/${entry.source} to dist/${entry.bundle})`);
}

export interface CandidateProcessLimits {
  /** V8's old-generation heap limit in MB (`--max-old-space-size`). */
  heapMb: number;
}

export interface CandidateProcess {
  child: ChildProcess;
  readonly heapMb: number;
  /** The last 4 KB of its stderr, where V8 writes its fatal-error report. */
  stderrTail(): string;
  /** End it at once (SIGKILL: a candidate in an endless loop ignores everything else). Safe to call twice. */
  kill(): void;
}

/**
 * Start a candidate process: its own Node (the runtime's executable and environment, so the editor's
 * Electron-as-Node works too) with a heap limit, an IPC channel with structured-clone serialization
 * (NaN survives), stdout discarded, stderr kept for `exitReason`. It exits when its host goes.
 */
export function startCandidateProcess(kind: CandidateProcessKind, limits: CandidateProcessLimits): CandidateProcess {
  const { modulePath, loader } = candidateEntry(kind);
  const heapMb = Math.max(16, Math.round(limits.heapMb));
  const execArgv = [
    ...loader,
    `--max-old-space-size=${heapMb}`,
    // Validation runs nothing but the sandbox: a small young generation, and no code in that process
    // needs eval. Training also runs the experiment's own code (a custom env, which may) and the
    // trainer, so it keeps V8's and Node's defaults there (the young generation is bounded anyway).
    ...(kind === "sandbox" ? [`--max-semi-space-size=${Math.max(1, Math.round(heapMb / 32))}`, "--disallow-code-generation-from-strings"] : []),
  ];
  const child = fork(modulePath, [CANDIDATE_PROCESS_ARG], { execArgv, stdio: ["ignore", "ignore", "pipe", "ipc"], serialization: "advanced" });
  let tail = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    tail = (tail + chunk).slice(-4096);
  });
  let killed = false;
  return {
    child,
    heapMb,
    stderrTail: () => tail,
    kill: () => {
      if (killed) return;
      killed = true;
      child.kill("SIGKILL");
    },
  };
}

/** Why a candidate process ended without reporting, in words for the candidate's failure. */
export function exitReason(code: number | null, signal: NodeJS.Signals | null, stderr: string, heapMb: number): string {
  if (/JavaScript heap out of memory|Reached heap limit|Allocation failed/i.test(stderr)) return `used more than its ${heapMb} MB heap and its process was stopped`;
  if (/Fatal JavaScript invalid size error/i.test(stderr)) return "allocated more than V8 allows in one object and its process was stopped";
  const how = signal ? `signal ${signal}` : `exit code ${code}`;
  // The error line of Node's report of an uncaught error (its stack and the Node version follow it).
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const said = lines.filter((l) => /^(\w*Error\b|FATAL)/.test(l)).pop() ?? lines.pop();
  return `its process ended (${how})${said ? `: ${said.slice(0, 300)}` : ""}`;
}

/**
 * In a candidate process: exit when the host goes. A disconnect is seen only when the event loop
 * turns, which a reward stuck in a loop never lets it do, so a thread beside it also watches the
 * parent and ends the process when it is gone (the process is re-parented: its ppid changes).
 */
export function exitWithHost(): void {
  process.on("disconnect", () => process.exit(0));
  const watcher = new Worker(
    `const { workerData } = require("node:worker_threads");
setInterval(() => { if (process.ppid !== workerData) process.kill(process.pid, "SIGKILL"); }, 500);`,
    { eval: true, workerData: process.ppid, execArgv: [], resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 } },
  );
  watcher.unref();
}
