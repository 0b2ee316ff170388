/**
 * Sweeps on Slurm: one job array per submission (CleanRL's benchmark utility does the same), each
 * array task running `rl-studio sweep run-member <sweep-dir> $SLURM_ARRAY_TASK_ID`, so the task id
 * IS the member index of sweep.json (config = id / nSeeds, seed = id % nSeeds).
 *
 * What Slurm knows about the tasks: `squeue -r` lists queued and running ones; `scontrol show job`
 * keeps ended ones for MinJobAge (300 s by default); `sacct` has everything, but only where the
 * cluster runs slurmdbd (without it, 22.05's sacct answers "Slurm accounting storage is
 * disabled"). The member records and run folders on the shared storage say the rest, so status
 * works on a cluster without accounting too.
 *
 * The parsers are pure; `SlurmClient` runs the commands and turns a missing or failing one into a
 * `SlurmError` carrying its own message.
 */
import { execFile } from "node:child_process";
import { writeFileSync, mkdirSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { arraySpec } from "./grid.js";
import type { SlurmOptions, SweepDir } from "./sweep-dir.js";

export class SlurmError extends Error {
  override name = "SlurmError";
}

/** A program and its leading arguments: how to start `rl-studio` on a compute node. */
export interface CliCommand {
  command: string;
  args: string[];
}

/** Single-quote for bash: every character literal. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The batch script of one submission (pure). */
export function batchScript(p: {
  sweepId: string;
  sweepDir: string;
  indices: readonly number[];
  options: SlurmOptions;
  cli: CliCommand;
  backend: string;
}): string {
  const o = p.options;
  const lines = [
    "#!/bin/bash",
    `#SBATCH --job-name=${shellQuote(`rl-studio-${p.sweepId}`)}`,
    `#SBATCH --array=${arraySpec(p.indices, o.maxParallel)}`,
    // One log per member, appended across attempts (%a: the array task id = the member index).
    `#SBATCH --output=${shellQuote(join(p.sweepDir, "logs", "member-%a.log"))}`,
    "#SBATCH --open-mode=append",
  ];
  if (o.partition) lines.push(`#SBATCH --partition=${shellQuote(o.partition)}`);
  if (o.time) lines.push(`#SBATCH --time=${shellQuote(o.time)}`);
  if (o.mem) lines.push(`#SBATCH --mem=${shellQuote(o.mem)}`);
  if (o.cpusPerTask !== undefined) lines.push(`#SBATCH --cpus-per-task=${o.cpusPerTask}`);
  for (const a of o.sbatchArgs) lines.push(`#SBATCH ${a}`);
  lines.push(
    "",
    `# RL Studio sweep ${p.sweepId}: array task i trains member i of sweep.json`,
    "# (configuration i / number of seeds, seed i % number of seeds) into the shared runs folder.",
    'echo "== member $SLURM_ARRAY_TASK_ID: Slurm job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} (job id $SLURM_JOB_ID) on $(hostname) at $(date -Is)"',
    `exec ${[p.cli.command, ...p.cli.args, "sweep", "run-member", p.sweepDir].map(shellQuote).join(" ")} "$SLURM_ARRAY_TASK_ID" --backend ${shellQuote(p.backend)}`,
    "",
  );
  return lines.join("\n");
}

/** `sbatch --parsable` prints `<jobid>` or `<jobid>;<cluster>`. */
export function parseSbatchJobId(stdout: string): string {
  const first = stdout.trim().split("\n").at(-1)?.split(";")[0]?.trim() ?? "";
  if (!/^\d+$/.test(first)) throw new SlurmError(`sbatch printed no job id (got ${JSON.stringify(stdout.trim())})`);
  return first;
}

/** A task's state as Slurm reports it. */
export interface TaskState {
  /** Array job id. */
  jobId: string;
  taskId: number;
  /** PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, … */
  state: string;
  reason?: string;
  /** `code:signal`, when ended. */
  exitCode?: string;
}

/** `squeue -h -r -o "%i|%T|%r"` lines (`123_4|RUNNING|None`). Non-array jobs are ignored. */
export function parseSqueue(text: string): TaskState[] {
  const out: TaskState[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\d+)_(\d+)\|([A-Z_]+)\|(.*)$/.exec(line.trim());
    if (m) out.push({ jobId: m[1]!, taskId: Number(m[2]), state: m[3]!, ...(m[4] && m[4] !== "None" ? { reason: m[4] } : {}) });
  }
  return out;
}

/** Expand Slurm's task list `0-3,5,7-9%2` to numbers (the `%K` throttle dropped). */
export function expandTaskList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.replace(/%\d+$/, "").split(",")) {
    const m = /^(\d+)(?:-(\d+))?(?::\d+)?$/.exec(part.trim());
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}

/**
 * `scontrol show job -o <id>`: one line per record, `Key=Value` pairs. An array's pending tasks
 * share one record whose ArrayTaskId is a list; every started task has its own record.
 */
export function parseScontrolJobs(text: string): TaskState[] {
  const out: TaskState[] = [];
  for (const line of text.split("\n")) {
    if (!line.includes("JobId=")) continue;
    const field = (key: string) => new RegExp(`(?:^|\\s)${key}=(\\S*)`).exec(line)?.[1];
    const arrayJobId = field("ArrayJobId");
    const tasks = field("ArrayTaskId");
    const state = field("JobState");
    if (!arrayJobId || !tasks || !state) continue;
    const reason = field("Reason");
    const exitCode = field("ExitCode");
    for (const taskId of expandTaskList(tasks)) {
      out.push({ jobId: arrayJobId, taskId, state, ...(reason && reason !== "None" ? { reason } : {}), ...(exitCode ? { exitCode } : {}) });
    }
  }
  return out;
}

/** `sacct -n -P -X -o JobID,State,ExitCode` lines (`123_4|COMPLETED|0:0`, `123_[5-7]|PENDING|0:0`). */
export function parseSacct(text: string): TaskState[] {
  const out: TaskState[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\d+)_(\[[^\]]+\]|\d+)\|([A-Z_]+)(?: by \d+)?\|(\S*)$/.exec(line.trim());
    if (!m) continue;
    const tasks = m[2]!.startsWith("[") ? expandTaskList(m[2]!.slice(1, -1)) : [Number(m[2])];
    for (const taskId of tasks) out.push({ jobId: m[1]!, taskId, state: m[3]!, ...(m[4] ? { exitCode: m[4] } : {}) });
  }
  return out;
}

/** States in which a task still holds (or waits for) its member. */
export const ACTIVE_STATES = new Set(["PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "RESIZING", "SIGNALING", "STAGE_OUT"]);

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; the default runner is `execFile`. */
export type CommandRunner = (command: string, args: readonly string[]) => Promise<CommandResult>;

export const execRunner: CommandRunner = (command, args) =>
  new Promise((resolve, reject) => {
    execFile(command, args as string[], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: unknown }) | null;
      if (e && e.code === "ENOENT") {
        reject(new SlurmError(`${command} was not found on PATH (${process.env.PATH ?? ""}): Slurm's client commands must be installed here (run this on the cluster's login node)`));
        return;
      }
      resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });

/** The Slurm commands a sweep uses. */
export class SlurmClient {
  constructor(private readonly run: CommandRunner = execRunner) {}

  private async must(command: string, args: string[]): Promise<string> {
    const r = await this.run(command, args);
    if (r.code !== 0) {
      const message = (r.stderr.trim() || r.stdout.trim() || `exit status ${r.code}`).split("\n").slice(-5).join("\n");
      throw new SlurmError(`${command} ${args.join(" ")} failed: ${message}`);
    }
    return r.stdout;
  }

  /** Fails with a SlurmError (sbatch's own words, or "not found on PATH") when sbatch cannot run here. */
  async checkAvailable(): Promise<void> {
    await this.must("sbatch", ["--version"]);
  }

  /**
   * Write the batch script of submission n and submit it; returns the array job id. Everything
   * about the members was validated before: a failure here is Slurm's, shown as it said it.
   */
  async submit(sweep: SweepDir, indices: readonly number[], cli: CliCommand): Promise<{ jobId: string; script: string }> {
    const slurm = sweep.manifest.slurm;
    if (!slurm) throw new SlurmError(`sweep ${sweep.id} was not made for Slurm`);
    const dir = join(sweep.path, "slurm");
    mkdirSync(dir, { recursive: true });
    const script = join(dir, `submit-${slurm.submissions.length + 1}.sh`);
    writeFileSync(script, batchScript({ sweepId: sweep.id, sweepDir: sweep.path, indices, options: slurm.options, cli, backend: sweep.manifest.backend }));
    chmodSync(script, 0o755);
    const jobId = parseSbatchJobId(await this.must("sbatch", ["--parsable", script]));
    slurm.submissions.push({ jobId, indices: [...indices], script, submittedAt: new Date().toISOString() });
    sweep.writeManifest();
    return { jobId, script };
  }

  /**
   * Every task Slurm still knows of for these array jobs: squeue for the queued and running,
   * then scontrol for recently ended ones, then sacct where accounting is on. A later source only
   * fills tasks an earlier one did not report.
   */
  async tasks(jobIds: readonly string[]): Promise<TaskState[]> {
    if (jobIds.length === 0) return [];
    const byKey = new Map<string, TaskState>();
    const add = (list: TaskState[]) => {
      for (const t of list) if (jobIds.includes(t.jobId) && !byKey.has(`${t.jobId}_${t.taskId}`)) byKey.set(`${t.jobId}_${t.taskId}`, t);
    };
    // squeue errors for job ids it no longer knows ("Invalid job id specified"): ask per job.
    for (const id of jobIds) {
      const q = await this.run("squeue", ["-h", "-r", "-j", id, "-o", "%i|%T|%r"]);
      if (q.code === 0) add(parseSqueue(q.stdout));
      const s = await this.run("scontrol", ["show", "job", "-o", id]);
      if (s.code === 0) add(parseScontrolJobs(s.stdout));
    }
    const a = await this.run("sacct", ["-n", "-P", "-X", "-j", jobIds.join(","), "-o", "JobID,State,ExitCode"]);
    if (a.code === 0) add(parseSacct(a.stdout));
    return [...byKey.values()];
  }

  /** Whether a job (an array task's own job id, or an array) is queued or running. */
  async isJobActive(jobId: string): Promise<boolean> {
    const r = await this.run("squeue", ["-h", "-j", jobId, "-o", "%T"]);
    return r.code === 0 && r.stdout.split("\n").some((s) => ACTIVE_STATES.has(s.trim()));
  }

  async cancel(jobIds: readonly string[]): Promise<void> {
    if (jobIds.length > 0) await this.must("scancel", [...jobIds]);
  }
}
