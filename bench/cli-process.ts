/**
 * One training run as its own process, as a user starts it: `node dist/cli.js train … --json`,
 * timed from this (the spawning) process. So every seed starts cold (module loading, the
 * experiment's bundling, JIT warm-up) and its figures include that, beside the ones the trainer
 * measures inside itself (`wallSeconds`, `solvedAtSeconds` in the `--json` line).
 *
 * "Solved" is watched from outside too: episodes.jsonl is read as the child appends it (one
 * `writeSync` per episode), every POLL_MS, and the mean of the last 20 episodic returns is compared
 * with the threshold, so launch → solved is measured by the parent (late by at most POLL_MS plus
 * a poll's read). With `stopWhenSolved` the child then gets SIGINT (the CLI's Stop: it checkpoints,
 * prints its `--json` line and exits 130).
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { join, resolve } from "node:path";

export const CLI = resolve(__dirname, "..", "dist", "cli.js");
const POLL_MS = 10;
const WINDOW = 20;

export interface ProcessRun {
  /** The `--json` line the CLI printed last (TrainSummary and runId). */
  summary: Record<string, unknown> & { globalStep: number; wallSeconds: number; cpuSeconds: number; sps: number; rolloutSps: number; meanReturnLast20: number | null; solvedAtStep: number | null; solvedAtSeconds: number | null };
  exitCode: number | null;
  /** Launch → exit, seen by the parent. */
  processSeconds: number;
  /** Launch → the parent read the episode that brought the mean of the last 20 to the threshold. */
  processSolveSeconds: number | null;
  /** The child's CPU time (user + system, all threads) at that moment, from /proc (Linux), else null. */
  processCpuSecondsAtSolve: number | null;
}

/**
 * The fields of /proc/<pid>/stat after the command name (man 5 proc: index 0 is field 3, `state`),
 * or null off Linux or once the process is gone.
 */
export function procStatFields(pid: number | "self"): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** The child's CPU seconds so far from /proc/<pid>/stat (utime 14 + stime 15, clock ticks of 100 Hz), or null off Linux. */
export function cpuSecondsOf(pid: number): number | null {
  const fields = procStatFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / 100 : null;
}

/** Runs `train <experiment> --json --runs-dir <runsDir> …args` in a fresh Node process. */
export function trainInProcess(experiment: string, runsDir: string, args: string[], options: { threshold?: number; stopWhenSolved?: boolean } = {}): Promise<ProcessRun> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, "train", experiment, "--json", "--runs-dir", runsDir, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    let processSolveSeconds: number | null = null;
    let processCpuSecondsAtSolve: number | null = null;
    let fd: number | null = null;
    let offset = 0;
    let partial = "";
    const recent: number[] = [];
    const poll = setInterval(() => {
      if (processSolveSeconds !== null || options.threshold === undefined) return;
      if (fd === null) {
        const run = existsSync(runsDir) ? readdirSync(runsDir)[0] : undefined;
        const file = run && join(runsDir, run, "episodes.jsonl");
        if (!file || !existsSync(file)) return;
        fd = openSync(file, "r");
      }
      const buf = Buffer.alloc(1 << 16);
      for (let n; (n = readSync(fd, buf, 0, buf.length, offset)) > 0; ) {
        offset += n;
        const lines = (partial + buf.subarray(0, n).toString()).split("\n");
        partial = lines.pop()!;
        for (const line of lines) {
          recent.push((JSON.parse(line) as { episodicReturn: number }).episodicReturn);
          if (recent.length > WINDOW) recent.shift();
          if (processSolveSeconds === null && recent.length === WINDOW && recent.reduce((a, b) => a + b, 0) / WINDOW >= options.threshold) {
            processSolveSeconds = (performance.now() - t0) / 1000;
            processCpuSecondsAtSolve = child.pid === undefined ? null : cpuSecondsOf(child.pid);
            if (options.stopWhenSolved) child.kill("SIGINT");
          }
        }
      }
    }, POLL_MS);
    child.on("error", reject);
    child.on("close", (exitCode) => {
      clearInterval(poll);
      if (fd !== null) closeSync(fd);
      const processSeconds = (performance.now() - t0) / 1000;
      const last = stdout.trim().split("\n").at(-1) ?? "";
      try {
        resolvePromise({ summary: JSON.parse(last), exitCode, processSeconds, processSolveSeconds, processCpuSecondsAtSolve });
      } catch {
        reject(new Error(`${CLI} train ${experiment} ${args.join(" ")} printed no --json line (exit ${exitCode}):\n${stderr.slice(-2000)}`));
      }
    });
  });
}
