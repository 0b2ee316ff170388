/**
 * `rl-studio sweep`: seeds × hyperparameter grids as ordinary runs, on this machine (a pool of
 * child processes) or on a Slurm cluster (one job array).
 *
 *   rl-studio sweep <experiment> --seeds 1-5 --set learningRate=1e-3,3e-4 [--parallel K] [--slurm …]
 *   rl-studio sweep status <sweep>      each member's state (Slurm's view, the member records, the runs)
 *   rl-studio sweep cancel <sweep>      scancel, or stop this machine's members gracefully
 *   rl-studio sweep resume <sweep>      run every member that is not completed (from its checkpoint)
 *   rl-studio sweep resubmit <sweep> [--failed]   Slurm: a new array of the failed (or unfinished) members
 *   rl-studio sweep run-member <sweep-dir> <i>    (internal) what a pool child or an array task runs
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { hostname } from "node:os";
import { findWorkspaceRoot } from "../runs/run-id.js";
import { RunDir } from "../runs/run-dir.js";
import type { BackendName, TrainProgress } from "../ppo/train.js";
import { createSweep } from "../sweeps/create.js";
import { arraySpec, parseSeeds, parseSetFlag, SweepGridError, type GridAxis } from "../sweeps/grid.js";
import { defaultParallelism, runLocalPool } from "../sweeps/local-pool.js";
import { runMember } from "../sweeps/member-run.js";
import { SlurmClient, SlurmError, type CliCommand } from "../sweeps/slurm.js";
import { cancelSweep } from "../sweeps/control.js";
import { membersToRerun, sweepStatus, type MemberStatus } from "../sweeps/status.js";
import { SweepDir, SweepError, sweepsRootFor, type SlurmOptions } from "../sweeps/sweep-dir.js";
import type { CommandContext } from "./command-context.js";
import { displayPath, EXIT } from "./errors.js";
import { ProgressReporter } from "./progress.js";
import { countStates, formatSweepStatus, SWEEP_PROGRESS_VIEW, type SweepProgress } from "./sweep-report.js";
import { BACKEND_CHOICES, parseCount } from "./program.js";

/** How this very CLI is started again (a pool child, a Slurm task): same Node, same flags, same script. */
export function thisCli(): CliCommand {
  const script = process.argv[1];
  if (!script) throw new SweepError("cannot tell how this CLI was started (no script path in process.argv)");
  return { command: process.execPath, args: [...process.execArgv, script] };
}

function sweepsRoot(cwd: string, flag?: string): string {
  return flag ?? sweepsRootFor(findWorkspaceRoot(join(cwd, "sweep")));
}

interface SweepFlags {
  seeds?: string;
  set: string[];
  parallel?: number;
  totalTimesteps?: number;
  backend: BackendName | "auto";
  runsDir?: string;
  sweepsDir?: string;
  json?: boolean;
  slurm?: boolean;
  partition?: string;
  time?: string;
  mem?: string;
  cpusPerTask?: number;
  sbatchArg: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerSweep(program: Command, ctx: CommandContext): void {
  const sweep = program
    .command("sweep")
    .description("run an experiment over seeds and a hyperparameter grid, each member an ordinary run; locally in a pool of processes or on Slurm as one job array")
    .argument("<experiment>", "the experiment file, e.g. examples/cartpole.rl.ts")
    .option("--seeds <list>", "seeds, e.g. 1-5 or 1,3,7 (default: the experiment's seed)")
    .option("--set <field=values>", "a hyperparameter and its values, e.g. learningRate=1e-3,3e-4; repeat for a grid (hiddenSizes=64x64,32x32)", collect, [])
    .option("--parallel <k>", "at most k members at once (local default: the number of cores; Slurm: the array's %k)", parseCount("--parallel", 1))
    .option("--total-timesteps <n>", "override hyperparameters.totalTimesteps for every member", parseCount("--total-timesteps", 1))
    .addOption(new Option("--backend <name>", "tensor backend of every member").choices(BACKEND_CHOICES as string[]).default("auto"))
    .option("--runs-dir <dir>", "folder for the members' run folders (default: <workspace>/.rl-studio/runs)")
    .option("--sweeps-dir <dir>", "folder for sweep folders (default: <workspace>/.rl-studio/sweeps)")
    .option("--json", "print the result as one JSON object on the last stdout line")
    .option("--slurm", "submit one Slurm job array (sbatch) instead of running here; the runs folder must be on storage the compute nodes share")
    .option("--partition <name>", "Slurm partition (sbatch --partition)")
    .option("--time <limit>", "Slurm time limit per member, e.g. 01:00:00 (sbatch --time)")
    .option("--mem <size>", "Slurm memory per member, e.g. 4G (sbatch --mem)")
    .option("--cpus-per-task <n>", "Slurm CPUs per member (sbatch --cpus-per-task)", parseCount("--cpus-per-task", 1))
    .option("--sbatch-arg <arg>", "an extra sbatch argument, e.g. --sbatch-arg=--qos=low; repeatable", collect, [])
    .action(async (experimentPath: string, flags: SweepFlags) => {
      ctx.setJson(flags.json === true);
      const slurmOnly = (["partition", "time", "mem", "cpusPerTask"] as const).filter((k) => flags[k] !== undefined);
      if (!flags.slurm && (slurmOnly.length > 0 || flags.sbatchArg.length > 0)) {
        throw new SweepGridError(`${[...slurmOnly.map((k) => `--${k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())}`), ...(flags.sbatchArg.length > 0 ? ["--sbatch-arg"] : [])].join(", ")} only apply with --slurm`);
      }
      // Everything about the grid is checked before anything is written, run or submitted.
      const seeds = flags.seeds !== undefined ? parseSeeds(flags.seeds) : undefined;
      const grid: GridAxis[] = flags.set.map(parseSetFlag);
      const slurm = flags.slurm ? new SlurmClient() : null;
      const slurmOptions: SlurmOptions | undefined = flags.slurm
        ? {
            ...(flags.partition !== undefined ? { partition: flags.partition } : {}),
            ...(flags.time !== undefined ? { time: flags.time } : {}),
            ...(flags.mem !== undefined ? { mem: flags.mem } : {}),
            ...(flags.cpusPerTask !== undefined ? { cpusPerTask: flags.cpusPerTask } : {}),
            sbatchArgs: flags.sbatchArg,
            ...(flags.parallel !== undefined ? { maxParallel: flags.parallel } : {}),
          }
        : undefined;
      if (slurm) await slurm.checkAvailable();
      const created = await createSweep({
        experimentPath,
        ...(seeds ? { seeds } : {}),
        grid,
        ...(flags.totalTimesteps !== undefined ? { totalTimesteps: flags.totalTimesteps } : {}),
        ...(flags.runsDir !== undefined ? { runsRoot: flags.runsDir } : {}),
        sweepsRoot: sweepsRoot(ctx.io.cwd, flags.sweepsDir),
        backend: flags.backend,
        ...(!flags.slurm ? { parallel: flags.parallel ?? defaultParallelism() } : {}),
        ...(slurmOptions ? { slurm: slurmOptions } : {}),
      });
      const m = created.manifest;
      ctx.err(`sweep ${created.id}: ${m.configs.length} configuration${m.configs.length === 1 ? "" : "s"} × ${m.seeds.length} seed${m.seeds.length === 1 ? "" : "s"} = ${m.members.length} members (${displayPath(created.path, ctx.io.cwd)})`);
      if (slurm) {
        // Nothing has run yet: a refused first submission leaves no sweep behind (its options, say a
        // wrong --partition, are in the manifest), so the user fixes the command and runs it again.
        await submit(ctx, slurm, created, created.manifest.members.map((x) => x.index), flags.json === true, () => {
          rmSync(created.path, { recursive: true, force: true });
          return `nothing was submitted and sweep ${created.id} is removed; fix the cause and run the same command again`;
        });
      } else await runHere(ctx, created, created.manifest.members.map((x) => x.index), m.parallel, flags.json === true);
    });

  sweep
    .command("status")
    .description("show each member's state: Slurm's view (squeue, scontrol, sacct where accounting runs), the member records and the run folders; failed members with their log")
    .argument("<sweep>", "the sweep id (under .rl-studio/sweeps) or folder")
    .option("--sweeps-dir <dir>", "folder holding sweep folders")
    .option("--json", "print the statuses as one JSON object")
    .action(async (id: string, flags: { sweepsDir?: string; json?: boolean }) => {
      ctx.setJson(flags.json === true);
      const s = SweepDir.open(id, sweepsRoot(ctx.io.cwd, flags.sweepsDir));
      const statuses = await sweepStatus(s, s.manifest.executor === "slurm" ? new SlurmClient() : undefined);
      report(ctx, s, statuses, flags.json === true, "status");
      ctx.setExitCode(EXIT.ok);
    });

  sweep
    .command("cancel")
    .description("cancel a sweep: scancel its Slurm jobs, or stop the members running on this machine (each checkpoints and can be resumed)")
    .argument("<sweep>", "the sweep id or folder")
    .option("--sweeps-dir <dir>", "folder holding sweep folders")
    .option("--json", "print the result as one JSON object")
    .action(async (id: string, flags: { sweepsDir?: string; json?: boolean }) => {
      ctx.setJson(flags.json === true);
      const s = SweepDir.open(id, sweepsRoot(ctx.io.cwd, flags.sweepsDir));
      const cancelled = await cancelSweep(s);
      ctx.out(flags.json ? JSON.stringify({ status: "ok", sweepId: s.id, cancelled }) : cancelled.length > 0 ? `cancelled ${cancelled.join(", ")}` : `nothing of sweep ${s.id} is queued or running`);
      ctx.setExitCode(EXIT.ok);
    });

  sweep
    .command("resume")
    .description("run every member that is not completed: interrupted ones continue from their checkpoints, unstarted ones start (locally, or as a new Slurm array)")
    .argument("<sweep>", "the sweep id or folder")
    .option("--parallel <k>", "at most k members at once", parseCount("--parallel", 1))
    .option("--sweeps-dir <dir>", "folder holding sweep folders")
    .option("--json", "print the result as one JSON object on the last stdout line")
    .action(async (id: string, flags: { parallel?: number; sweepsDir?: string; json?: boolean }) => {
      ctx.setJson(flags.json === true);
      const s = SweepDir.open(id, sweepsRoot(ctx.io.cwd, flags.sweepsDir));
      const slurm = s.manifest.executor === "slurm" ? new SlurmClient() : undefined;
      const indices = membersToRerun(await sweepStatus(s, slurm), false);
      if (indices.length === 0) return nothingToDo(ctx, s, flags.json === true, "every member is completed, queued or running");
      if (slurm) return submit(ctx, slurm, s, indices, flags.json === true);
      for (const i of indices) s.clearStaleLock(i);
      await runHere(ctx, s, indices, flags.parallel ?? s.manifest.parallel, flags.json === true);
    });

  sweep
    .command("resubmit")
    .description("Slurm: submit a new job array of the failed members (--failed) or of every member that is not completed, queued or running")
    .argument("<sweep>", "the sweep id or folder")
    .option("--failed", "only the members whose state is failed")
    .option("--sweeps-dir <dir>", "folder holding sweep folders")
    .option("--json", "print the result as one JSON object on the last stdout line")
    .action(async (id: string, flags: { failed?: boolean; sweepsDir?: string; json?: boolean }) => {
      ctx.setJson(flags.json === true);
      const s = SweepDir.open(id, sweepsRoot(ctx.io.cwd, flags.sweepsDir));
      if (s.manifest.executor !== "slurm") throw new SweepError(`sweep ${s.id} runs on this machine, not on Slurm: use rl-studio sweep resume ${s.id}`);
      const client = new SlurmClient();
      const indices = membersToRerun(await sweepStatus(s, client), flags.failed === true);
      if (indices.length === 0) return nothingToDo(ctx, s, flags.json === true, flags.failed ? "no member failed" : "every member is completed, queued or running");
      await submit(ctx, client, s, indices, flags.json === true);
    });

  sweep
    .command("run-member", { hidden: true })
    .description("run one member of a sweep (what the local pool's children and Slurm's array tasks run)")
    .argument("<sweep-dir>", "the sweep folder")
    .argument("<index>", "the member index (Slurm: $SLURM_ARRAY_TASK_ID)", (v: string) => {
      if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`the member index must be a non-negative integer, got "${v}"`);
      return Number(v);
    })
    .addOption(new Option("--backend <name>", "tensor backend").choices(BACKEND_CHOICES as string[]).default("auto"))
    .option("--json", "print the result as one JSON object on the last stdout line")
    .action(async (dir: string, index: number, flags: { backend: BackendName | "auto"; json?: boolean }) => {
      ctx.setJson(flags.json === true);
      const s = SweepDir.open(dir, dir);
      const spec = s.member(index);
      // A lock left by an earlier Slurm task is taken over only once Slurm says that task ended.
      const holder = s.readLock(index);
      let holderActive: boolean | undefined;
      if (holder?.slurmJobId && holder.host !== hostname()) {
        try {
          holderActive = await new SlurmClient().isJobActive(holder.slurmJobId);
        } catch (e) {
          if (!(e instanceof SlurmError)) throw e;
        }
      }
      const controller = new AbortController();
      const release = ctx.interruptible(controller, "stopping after this iteration and writing a checkpoint…");
      const progress = new ProgressReporter({ stream: ctx.io.stderr, tty: false, lineIntervalMs: 10_000 });
      try {
        ctx.err(`member ${index} of sweep ${s.id}: ${s.manifest.configs[spec.config] ? JSON.stringify(s.manifest.configs[spec.config]) : "{}"}, seed ${spec.seed} → ${spec.runId}`);
        const outcome = await runMember(s, index, {
          backend: flags.backend,
          signal: controller.signal,
          onProgress: (p: TrainProgress) => progress.update(p),
          log: (line) => progress.log(line),
          ...(holderActive !== undefined ? { isJobActive: () => holderActive! } : {}),
        });
        progress.dispose();
        const line = outcome.alreadyCompleted ? `member ${index}: already completed (${outcome.runDir})` : `member ${index}: ${outcome.state}${outcome.error ? `: ${outcome.error}` : ""} (${outcome.runDir})`;
        if (outcome.state === "failed") ctx.err(`error: ${line}`);
        ctx.out(flags.json ? JSON.stringify({ status: outcome.state, sweepId: s.id, index, runDir: outcome.runDir, ...(outcome.error ? { error: outcome.error } : {}) }) : line);
        ctx.setExitCode(outcome.state === "completed" ? EXIT.ok : outcome.state === "stopped" ? EXIT.interrupted : EXIT.runFailed);
      } finally {
        progress.dispose();
        release();
      }
    });
}

function report(ctx: CommandContext, s: SweepDir, statuses: MemberStatus[], json: boolean, status: string): void {
  ctx.out(
    json
      ? JSON.stringify({ status, sweepId: s.id, sweepDir: s.path, executor: s.manifest.executor, counts: countStates(statuses), members: statuses })
      : formatSweepStatus(s.id, statuses, ctx.io.cwd),
  );
}

function nothingToDo(ctx: CommandContext, s: SweepDir, json: boolean, why: string): void {
  ctx.out(json ? JSON.stringify({ status: "nothing-to-do", sweepId: s.id, reason: why }) : `sweep ${s.id}: nothing to do (${why})`);
  ctx.setExitCode(EXIT.ok);
}

/** Submits `indices` as one array; when sbatch refuses, `onRefused` (default: keep the sweep, hint at resubmit) says what next. */
async function submit(
  ctx: CommandContext,
  client: SlurmClient,
  s: SweepDir,
  indices: number[],
  json: boolean,
  onRefused: () => string = () => `sweep ${s.id} is written but these members were not submitted; fix the cause, then: rl-studio sweep resubmit ${s.id}`,
): Promise<void> {
  // Locks left by tasks that have ended (killed, timed out) are stale: clear them so the new tasks can run.
  for (const i of indices) {
    const holder = s.readLock(i);
    if (!holder) continue;
    const active = holder.slurmJobId ? await client.isJobActive(holder.slurmJobId) : undefined;
    s.clearStaleLock(i, active === undefined ? undefined : () => active);
  }
  let jobId: string;
  let script: string;
  try {
    ({ jobId, script } = await client.submit(s, indices, thisCli()));
  } catch (e) {
    if (e instanceof SlurmError) throw new SlurmError(`${e.message}\n${onRefused()}`);
    throw e;
  }
  const spec = arraySpec(indices, s.manifest.slurm?.options.maxParallel);
  ctx.out(
    json
      ? JSON.stringify({ status: "submitted", sweepId: s.id, sweepDir: s.path, jobId, array: spec, members: indices, script })
      : `submitted Slurm job ${jobId} (--array=${spec}) for ${indices.length} member${indices.length === 1 ? "" : "s"} of sweep ${s.id}\n` +
          `  script: ${displayPath(script, ctx.io.cwd)}\n  follow: rl-studio sweep status ${s.id}`,
  );
  ctx.setExitCode(EXIT.ok);
}

/** Run members in a local pool with a progress bar; Ctrl-C stops them gracefully. */
async function runHere(ctx: CommandContext, s: SweepDir, indices: number[], parallel: number | undefined, json: boolean): Promise<void> {
  const controller = new AbortController();
  const release = ctx.interruptible(controller, "stopping the sweep: each running member checkpoints and stops…");
  const progress = new ProgressReporter<SweepProgress>({ stream: ctx.io.stderr, view: SWEEP_PROGRESS_VIEW });
  const started = Date.now();
  const stepsAtStart = stepsDone(s);
  const states = new Map<number, string>();
  const tick = () => {
    const steps = stepsDone(s);
    const seconds = (Date.now() - started) / 1000;
    const records = s.manifest.members.map((m) => s.readMember(m.index));
    const running = [...states.entries()].filter(([i, v]) => v === "running" && records[i]?.state !== "completed").length;
    const values = [...states.values()];
    progress.update({
      steps,
      total: s.manifest.members.reduce((a, m) => a + m.totalTimesteps, 0),
      members: s.manifest.members.length,
      completed: records.filter((r) => r?.state === "completed").length,
      running,
      failed: values.filter((v) => v === "failed").length,
      sps: seconds > 0 ? (steps - stepsAtStart) / seconds : 0,
    });
  };
  const timer = setInterval(tick, 1000);
  try {
    await runLocalPool(s, {
      indices,
      ...(parallel !== undefined ? { parallel } : {}),
      cli: thisCli(),
      signal: controller.signal,
      onEvent: (e) => {
        states.set(e.index, e.type === "started" ? "running" : e.state);
        const m = s.member(e.index);
        if (e.type === "finished") {
          progress.log(`member ${e.index} (${JSON.stringify(s.manifest.configs[m.config])}, seed ${m.seed}): ${e.state}${e.state === "failed" && e.error ? `: ${e.error}` : ""}`);
        }
        tick();
      },
    });
  } finally {
    clearInterval(timer);
    progress.dispose();
    release();
  }
  const statuses = await sweepStatus(s);
  const mine = statuses.filter((x) => indices.includes(x.index));
  const outcome = controller.signal.aborted ? "stopped" : mine.some((x) => x.state === "failed") ? "failed" : mine.every((x) => x.state === "completed") ? "completed" : "stopped";
  report(ctx, s, statuses, json, outcome);
  if (!json && outcome === "stopped") ctx.err(`resume with: rl-studio sweep resume ${s.id}`);
  ctx.setExitCode(outcome === "completed" ? EXIT.ok : outcome === "stopped" ? EXIT.interrupted : EXIT.runFailed);
}

/** Steps trained so far over every member (from the run folders' status.json). */
function stepsDone(s: SweepDir): number {
  let steps = 0;
  for (const m of s.manifest.members) {
    try {
      steps += RunDir.open(s.runDirOf(m.index)).readStatus()?.globalStep ?? 0;
    } catch {
      // Not started yet.
    }
  }
  return steps;
}
