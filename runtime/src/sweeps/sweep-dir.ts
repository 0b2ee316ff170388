/**
 * One sweep on disk: `<workspace>/.rl-studio/sweeps/<sweep-id>/`.
 *
 *   sweep.json          the manifest: the experiment, seeds, grid, every member (index → config,
 *                       seed, hyperparameters, run id), how it is executed (local pool or Slurm,
 *                       with each submission's job id). Written by the process that creates or
 *                       submits the sweep, atomically.
 *   source.rl.ts        the experiment source as it was when the sweep was created: every member
 *                       compiles this text, so a member started hours later by Slurm trains the
 *                       same code as the first.
 *   members/<i>.json    member i's record: its run folder, where and by whom it runs, how it
 *                       ended. Written only by the process that runs member i (holding the lock).
 *   members/<i>.lock    held (exclusive create) while a process runs member i: no run folder is
 *                       ever trained by two processes.
 *   logs/member-<i>.log the member's output (stdout and stderr), appended across attempts.
 *   slurm/submit-<n>.sh the batch script of each Slurm submission.
 *
 * Members are ordinary runs under the runs folder (`<runs>/<sweep-id>-c<config>-s<seed>`), whose
 * experiment.json records `sweep: { id, index, config }`.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { basename, join, resolve } from "node:path";
import { writeAll, writeFileAtomic } from "../runs/atomic.js";
import { currentWriter, isSameProcess, type WriterIdentity } from "../runs/process-identity.js";
import { isProcessAlive } from "../runs/run-dir.js";
import { formatRunTimestamp, isDirectory, slugify, STATE_DIR } from "../runs/run-id.js";
import type { GridAxis, GridConfig } from "./grid.js";

export const SWEEP_FORMAT = "rl-studio/sweep@1";

export interface SweepMemberSpec {
  index: number;
  config: number;
  seed: number;
  /** The run folder name this member trains in. */
  runId: string;
  /** Total environment steps after defaults and overrides (for progress). */
  totalTimesteps: number;
}

export interface SlurmOptions {
  partition?: string;
  time?: string;
  mem?: string;
  cpusPerTask?: number;
  /** Extra `#SBATCH` arguments, as given (`--qos=low`, `--account=rl`). */
  sbatchArgs: string[];
  /** `%K` of `--array`: at most this many members at once. */
  maxParallel?: number;
}

export interface SlurmSubmission {
  jobId: string;
  indices: number[];
  script: string;
  submittedAt: string;
}

export interface SweepManifest {
  format: typeof SWEEP_FORMAT;
  id: string;
  createdAt: string;
  experiment: { path: string; name: string; envId: string; sourceSha256: string };
  /** Where the members' run folders go (shared storage on a cluster). */
  runsRoot: string;
  seeds: number[];
  grid: GridAxis[];
  configs: GridConfig[];
  members: SweepMemberSpec[];
  /** Overrides every member trains with besides its configuration. */
  overrides: { totalTimesteps?: number };
  backend: string;
  executor: "local" | "slurm";
  /** Local: pool size. */
  parallel?: number;
  slurm?: { options: SlurmOptions; submissions: SlurmSubmission[] };
}

/** What the process running a member records (members/<i>.json). */
export interface MemberRecord {
  index: number;
  /** running while the process trains; then how it ended. */
  state: "running" | "completed" | "stopped" | "failed";
  runDir: string | null;
  host: string;
  pid: number;
  writer?: WriterIdentity;
  /** Slurm's job id of the array task (SLURM_JOB_ID) and the array job's id, when run by Slurm. */
  slurm?: { jobId: string; arrayJobId: string | null; taskId: number | null };
  attempts: number;
  startedAt: string;
  updatedAt: string;
  error?: string;
}

/** Who holds a member's lock. */
export interface MemberLock {
  host: string;
  pid: number;
  writer: WriterIdentity;
  slurmJobId: string | null;
  since: string;
}

/** A sweep folder or manifest that cannot be used. */
export class SweepError extends Error {
  override name = "SweepError";
}

/** `<workspace>/.rl-studio/sweeps`. */
export function sweepsRootFor(workspace: string): string {
  return join(workspace, STATE_DIR, "sweeps");
}

export class SweepDir {
  readonly path: string;
  readonly id: string;
  private constructor(
    path: string,
    readonly manifest: SweepManifest,
  ) {
    this.path = resolve(path);
    this.id = basename(this.path);
  }

  /** Create `<sweepsRoot>/<name>-<timestamp>` (a suffix when taken: mkdir decides) with its manifest and source copy. */
  static create(
    sweepsRoot: string,
    manifest: Omit<SweepManifest, "id" | "members"> & { members: Omit<SweepMemberSpec, "runId">[] },
    sourceText: string,
    date = new Date(),
  ): SweepDir {
    mkdirSync(sweepsRoot, { recursive: true });
    const base = `${slugify(manifest.experiment.name)}-${formatRunTimestamp(date)}`;
    for (let attempt = 1; attempt <= 1000; attempt++) {
      const id = attempt === 1 ? base : `${base}-${attempt}`;
      const dir = join(sweepsRoot, id);
      try {
        mkdirSync(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") continue;
        throw err;
      }
      mkdirSync(join(dir, "members"));
      mkdirSync(join(dir, "logs"));
      const full: SweepManifest = {
        ...manifest,
        id,
        members: manifest.members.map((m) => ({ ...m, runId: `${id}-c${m.config}-s${m.seed}` })),
      };
      writeFileSync(join(dir, "source.rl.ts"), sourceText);
      const sweep = new SweepDir(dir, full);
      // sweep.json last: its presence marks a complete sweep folder.
      sweep.writeManifest();
      return sweep;
    }
    throw new SweepError(`${sweepsRoot}: could not find a free sweep folder name for "${base}"`);
  }

  /** Open by path, or by id under `sweepsRoot`. */
  static open(idOrPath: string, sweepsRoot: string): SweepDir {
    const candidates = [resolve(idOrPath), join(sweepsRoot, idOrPath)];
    const dir = candidates.find((c) => existsSync(join(c, "sweep.json")));
    if (!dir) {
      const known = SweepDir.listIds(sweepsRoot);
      throw new SweepError(
        `no sweep ${JSON.stringify(idOrPath)}: looked for ${candidates.map((c) => join(c, "sweep.json")).join(" and ")}` +
          (known.length > 0 ? `; sweeps here: ${known.slice(-5).join(", ")}` : ""),
      );
    }
    const file = join(dir, "sweep.json");
    let manifest: SweepManifest;
    try {
      manifest = JSON.parse(readFileSync(file, "utf8")) as SweepManifest;
    } catch (err) {
      throw new SweepError(`${file}: cannot parse (${(err as Error).message})`);
    }
    if (manifest?.format !== SWEEP_FORMAT || !Array.isArray(manifest.members)) {
      throw new SweepError(`${file}: not an RL Studio sweep manifest (format ${JSON.stringify(manifest?.format)}, expected ${SWEEP_FORMAT})`);
    }
    return new SweepDir(dir, manifest);
  }

  /** Sweep ids under `sweepsRoot`, oldest first. */
  static listIds(sweepsRoot: string): string[] {
    if (!isDirectory(sweepsRoot)) return [];
    return readdirSync(sweepsRoot)
      .filter((n) => !n.startsWith(".") && existsSync(join(sweepsRoot, n, "sweep.json")))
      .sort();
  }

  get sourceFile(): string {
    return join(this.path, "source.rl.ts");
  }

  readSourceText(): string {
    return readFileSync(this.sourceFile, "utf8");
  }

  writeManifest(): void {
    writeFileAtomic(join(this.path, "sweep.json"), JSON.stringify(this.manifest, null, 2) + "\n");
  }

  member(index: number): SweepMemberSpec {
    const m = this.manifest.members[index];
    if (!m || m.index !== index) {
      throw new SweepError(`sweep ${this.id} has no member ${index} (members 0 to ${this.manifest.members.length - 1})`);
    }
    return m;
  }

  runDirOf(index: number): string {
    return join(this.manifest.runsRoot, this.member(index).runId);
  }

  logFile(index: number): string {
    return join(this.path, "logs", `member-${index}.log`);
  }

  private memberFile(index: number): string {
    return join(this.path, "members", `${index}.json`);
  }

  private lockFile(index: number): string {
    return join(this.path, "members", `${index}.lock`);
  }

  /** Member i's record, or null before it first ran (or when unreadable: a writer is replacing it). */
  readMember(index: number): MemberRecord | null {
    const file = this.memberFile(index);
    if (!existsSync(file)) return null;
    try {
      return JSON.parse(readFileSync(file, "utf8")) as MemberRecord;
    } catch {
      return null;
    }
  }

  writeMember(record: MemberRecord): void {
    writeFileAtomic(this.memberFile(record.index), JSON.stringify(record, null, 2) + "\n");
  }

  readLock(index: number): MemberLock | null {
    try {
      return JSON.parse(readFileSync(this.lockFile(index), "utf8")) as MemberLock;
    } catch {
      return null;
    }
  }

  /**
   * Take member i's lock (exclusive create). A lock left by a process that is gone — on this
   * host, a pid that is not alive or belongs to another process; elsewhere, a Slurm job that
   * `isJobActive` says has ended — is taken over (renamed away first, so of two processes
   * taking it over only one succeeds). Returns the release function, or the holder when held.
   */
  tryLock(index: number, opts: { slurmJobId?: string | null; isJobActive?: (jobId: string) => boolean } = {}): { release: () => void } | { heldBy: MemberLock } {
    const file = this.lockFile(index);
    const lock: MemberLock = { host: hostname(), pid: process.pid, writer: currentWriter(), slurmJobId: opts.slurmJobId ?? null, since: new Date().toISOString() };
    for (let attempt = 0; attempt < 3; attempt++) {
      let fd: number;
      try {
        fd = openSync(file, "wx");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        const holder = this.readLock(index);
        if (holder && lockHolderAlive(holder, opts.isJobActive)) return { heldBy: holder };
        // Stale (or unreadable: a holder killed between create and write). Move it aside; a
        // concurrent taker that loses the rename race sees ENOENT and retries the create.
        const aside = `${file}.stale.${process.pid}`;
        try {
          renameSync(file, aside);
          rmSync(aside, { force: true });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
        }
        continue;
      }
      try {
        writeAll(fd, Buffer.from(JSON.stringify(lock) + "\n"));
      } finally {
        closeSync(fd);
      }
      let released = false;
      return {
        release: () => {
          if (released) return;
          released = true;
          const now = this.readLock(index);
          if (now && now.pid === lock.pid && now.host === lock.host) rmSync(file, { force: true });
        },
      };
    }
    const holder = this.readLock(index);
    if (holder) return { heldBy: holder };
    throw new SweepError(`${file}: could not take the member's lock`);
  }

  /** Remove member i's lock when its holder is gone (before a resubmission); true when removed. */
  clearStaleLock(index: number, isJobActive?: (jobId: string) => boolean): boolean {
    const holder = this.readLock(index);
    if (!holder || lockHolderAlive(holder, isJobActive)) return false;
    rmSync(this.lockFile(index), { force: true });
    return true;
  }
}

/**
 * Whether a lock's holder may still run. On this host: its pid is alive and still the same
 * process. Elsewhere: only Slurm can say (its job still queued or running); without a job id we
 * cannot tell, so it counts as alive (never two trainers on one folder).
 */
export function lockHolderAlive(holder: MemberLock, isJobActive?: (jobId: string) => boolean): boolean {
  if (holder.slurmJobId && isJobActive) return isJobActive(holder.slurmJobId);
  if (holder.host === hostname()) return isProcessAlive(holder.pid) && isSameProcess(holder.pid, holder.writer) !== false;
  return true;
}
