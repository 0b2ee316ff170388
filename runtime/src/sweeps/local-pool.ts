/**
 * A sweep on one machine: a bounded pool of child processes, each `rl-studio sweep run-member
 * <sweep> <i>` (the same command a Slurm array task runs), at most `parallel` at once (default:
 * the number of cores, one learner per core). Each child's output goes to the member's log.
 *
 * Cancelling (the AbortSignal: Ctrl-C, the editor's Cancel) stops launching and sends each
 * running child one SIGINT: it checkpoints, marks its run stopped and exits, so
 * `rl-studio sweep resume` continues it from there. Children run in their own process group, so
 * a terminal's Ctrl-C reaches only this process, which forwards exactly one SIGINT (a second one
 * would make a child exit without its checkpoint).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { CliCommand } from "./slurm.js";
import type { MemberRecord, SweepDir } from "./sweep-dir.js";

export type PoolEvent =
  | { type: "started"; index: number; pid: number }
  | { type: "finished"; index: number; state: MemberRecord["state"]; exitCode: number | null; signal: NodeJS.Signals | null; error?: string };

export interface LocalPoolOptions {
  /** Members to run, in this order. */
  indices: readonly number[];
  /** At most this many at once (default: the number of cores). */
  parallel?: number;
  cli: CliCommand;
  signal?: AbortSignal;
  onEvent?: (e: PoolEvent) => void;
  /** Extra environment for the children. */
  env?: NodeJS.ProcessEnv;
}

export function defaultParallelism(): number {
  return Math.max(1, availableParallelism());
}

/** Run the members; resolves when every launched child has exited (after a cancel too). */
export async function runLocalPool(sweep: SweepDir, opts: LocalPoolOptions): Promise<Map<number, PoolEvent & { type: "finished" }>> {
  const parallel = Math.max(1, opts.parallel ?? defaultParallelism());
  const queue = [...opts.indices];
  const running = new Map<number, ChildProcess>();
  const results = new Map<number, PoolEvent & { type: "finished" }>();
  const signal = opts.signal;

  return new Promise((resolve) => {
    const onAbort = () => {
      queue.length = 0;
      for (const child of running.values()) child.kill("SIGINT");
      if (running.size === 0) finish();
    };
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      signal?.removeEventListener("abort", onAbort);
      resolve(results);
    };

    const launch = (index: number) => {
      const log = sweep.logFile(index);
      const fd = openSync(log, "a");
      writeSync(fd, `== member ${index}: process started on this machine at ${new Date().toISOString()}\n`);
      let child: ChildProcess;
      try {
        child = spawn(opts.cli.command, [...opts.cli.args, "sweep", "run-member", sweep.path, String(index), "--backend", sweep.manifest.backend], {
          stdio: ["ignore", fd, fd],
          detached: true,
          env: { ...process.env, ...opts.env },
        });
      } finally {
        closeSync(fd);
      }
      running.set(index, child);
      if (child.pid !== undefined) opts.onEvent?.({ type: "started", index, pid: child.pid });
      let spawnError: string | undefined;
      child.on("error", (err) => (spawnError = `could not start ${opts.cli.command}: ${err.message}`));
      child.on("close", (code, sig) => {
        running.delete(index);
        const record = sweep.readMember(index);
        // The child writes the outcome; a child that died before it could says so by its exit.
        const state: MemberRecord["state"] = record && record.state !== "running" ? record.state : sig === "SIGINT" || code === 130 ? "stopped" : "failed";
        const error = record?.state === state ? record.error : (spawnError ?? (sig ? `killed by ${sig}` : `exited with status ${code}`));
        const event = { type: "finished" as const, index, state, exitCode: code, signal: sig, ...(error ? { error } : {}) };
        results.set(index, event);
        opts.onEvent?.(event);
        next();
      });
    };

    const next = () => {
      while (!signal?.aborted && running.size < parallel && queue.length > 0) launch(queue.shift()!);
      if (running.size === 0 && (queue.length === 0 || signal?.aborted)) finish();
    };

    if (signal?.aborted) return finish();
    signal?.addEventListener("abort", onAbort, { once: true });
    next();
  });
}
