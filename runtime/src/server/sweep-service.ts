/**
 * Sweeps for the editor: `runtime/runSweep` creates a sweep (the grid validated first) and runs it
 * in a local pool of `rl-studio sweep run-member` processes — the CLI's own path — sending
 * `sweep/status` about once a second and once at the end; `runtime/cancelSweep`,
 * `runtime/listSweeps` and `runtime/readSweep` serve the Runs view and the sweep page. Each sweep
 * this process runs has one AbortController, aborted on cancel or shutdown.
 */
import { dirname, join } from "node:path";
import type { RunSweepParams, RunSweepResult, SweepStatusParams, SweepSummary } from "../../../protocol/src/sweep.js";
import { cancelSweep, readSweepView, summarizeSweep } from "../sweeps/control.js";
import { createSweep } from "../sweeps/create.js";
import { parseSeeds, parseSetFlag } from "../sweeps/grid.js";
import { runLocalPool } from "../sweeps/local-pool.js";
import type { CliCommand } from "../sweeps/slurm.js";
import { sweepStatus } from "../sweeps/status.js";
import { SweepDir } from "../sweeps/sweep-dir.js";

/** How this runtime starts the CLI: dist/cli.js beside dist/runtime.js, or the sources under tsx. */
export function runtimeCli(callerDir = __dirname, callerFile = __filename): CliCommand {
  if (callerFile.endsWith(".ts")) return { command: process.execPath, args: [...process.execArgv, join(callerDir, "..", "cli", "main.ts")] };
  return { command: process.execPath, args: [join(callerDir, "cli.js")] };
}


export class SweepService {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  constructor(
    private readonly notify: (p: SweepStatusParams) => void,
    private readonly cli: CliCommand = runtimeCli(),
  ) {}

  async run(params: RunSweepParams): Promise<RunSweepResult> {
    // The same parsers and table checks as `--seeds` and `--set`, before anything is written.
    const grid = params.grid.map((a) => parseSetFlag(`${a.field}=${a.values}`));
    const seeds = parseSeeds(params.seeds);
    const sweep = await createSweep({
      experimentPath: params.experimentPath,
      seeds,
      grid,
      runsRoot: params.runsRoot,
      sweepsRoot: join(dirname(params.runsRoot), "sweeps"),
      backend: params.backend ?? "auto",
      ...(params.parallel !== undefined ? { parallel: params.parallel } : {}),
    });
    const controller = new AbortController();
    const report = async (done: boolean) => {
      const members = await sweepStatus(sweep);
      this.notify({ sweepId: sweep.id, sweepDir: sweep.path, members: members.map(({ logTail: _t, slurmJob: _j, ...m }) => m), done });
    };
    const timer = setInterval(() => void report(false).catch(() => undefined), 1000);
    const done = runLocalPool(sweep, {
      indices: sweep.manifest.members.map((m) => m.index),
      ...(params.parallel !== undefined ? { parallel: params.parallel } : {}),
      cli: this.cli,
      signal: controller.signal,
      onEvent: () => void report(false).catch(() => undefined),
    })
      .then(() => undefined)
      .finally(() => {
        clearInterval(timer);
        this.running.delete(sweep.path);
        return report(true).catch(() => undefined);
      });
    this.running.set(sweep.path, { controller, done });
    return { sweepId: sweep.id, sweepDir: sweep.path, members: sweep.manifest.members.length };
  }

  async cancel(sweepDir: string): Promise<{ cancelled: string[] }> {
    const mine = this.running.get(sweepDir);
    const sweep = SweepDir.open(sweepDir, sweepDir);
    if (mine) {
      const cancelled = (await sweepStatus(sweep)).filter((m) => m.state === "running").map((m) => `member ${m.index}`);
      mine.controller.abort();
      return { cancelled };
    }
    return { cancelled: await cancelSweep(sweep) };
  }

  async list(sweepsRoot: string): Promise<{ sweeps: SweepSummary[] }> {
    const sweeps: SweepSummary[] = [];
    for (const id of SweepDir.listIds(sweepsRoot)) {
      try {
        const s = SweepDir.open(id, sweepsRoot);
        sweeps.push(summarizeSweep(s, await sweepStatus(s)));
      } catch {
        // A damaged sweep folder is left out of the list; `rl-studio sweep status` reports it.
      }
    }
    return { sweeps };
  }

  read(sweepDir: string) {
    return readSweepView(SweepDir.open(sweepDir, sweepDir));
  }

  /** Stop every sweep this process runs (its members checkpoint) and wait for them. */
  async dispose(): Promise<void> {
    const all = [...this.running.values()];
    for (const r of all) r.controller.abort();
    await Promise.all(all.map((r) => r.done));
  }
}
