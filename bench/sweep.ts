/**
 * Sweep benchmark: a 4-member sweep (2 configurations × 2 seeds of examples/cartpole.rl.ts) as a
 * user runs it with the built CLI, and what the pool and Slurm add around the training.
 *
 *   local   `rl-studio sweep … --parallel 1` then `--parallel 2`: wall time, CPU time of every
 *           process (the members included: /proc/self/stat's cutime + cstime of waited-for
 *           children), and the speed-up of 2 members at once.
 *   slurm   the same sweep with `--slurm --parallel 2` on a one-node cluster started here by
 *           test/slurm/start-slurm.sh (root, Debian's slurm-wlm and munge): submit → all 4 completed.
 *
 * Run: `npm run bench -- sweep [local] [slurm]` (after `npm run build`; default local, slurm needs root).
 * BENCH_SWEEP_STEPS sets each member's totalTimesteps (default 16384). Prints one JSON line per
 * measurement and a summary.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CLI, procStatFields } from "./cli-process";

const EXPERIMENT = resolve("examples/cartpole.rl.ts");
const steps = Number(process.env.BENCH_SWEEP_STEPS ?? 16384);
const sections = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["local"];
const load = () => loadavg().map((x) => +x.toFixed(2));

/** CPU seconds of this process's waited-for descendants (cutime 16 + cstime 17, clock ticks of 100 Hz). */
function childrenCpuSeconds(): number {
  const fields = procStatFields("self");
  return fields ? (Number(fields[13]) + Number(fields[14])) / 100 : NaN;
}

function cli(args: string[], env: NodeJS.ProcessEnv = process.env): { json: Record<string, unknown>; seconds: number; cpu: number } {
  const cpu0 = childrenCpuSeconds();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`rl-studio ${args.join(" ")} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return { json: JSON.parse(r.stdout.trimEnd().split("\n").at(-1)!) as Record<string, unknown>, seconds, cpu: childrenCpuSeconds() - cpu0 };
}

const grid = ["--seeds", "1-2", "--set", "learningRate=2.5e-3,1e-3", "--total-timesteps", String(steps), "--backend", "js", "--json"];
const summary: Record<string, unknown> = { cores: availableParallelism(), stepsPerMember: steps };
async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "rl-studio-bench-sweep-"));
  try {
    if (sections.includes("local")) {
      const wall: Record<number, number> = {};
      for (const parallel of [1, 2]) {
        const before = load();
        const r = cli(["sweep", EXPERIMENT, ...grid, "--parallel", String(parallel), "--runs-dir", join(root, `runs-${parallel}`), "--sweeps-dir", join(root, `sweeps-${parallel}`)]);
        wall[parallel] = r.seconds;
        console.log(JSON.stringify({ section: "local", parallel, members: 4, status: r.json.status, wallSeconds: +r.seconds.toFixed(2), cpuSeconds: +r.cpu.toFixed(2), loadBefore: before, loadAfter: load() }));
      }
      summary.local = { wallSeconds1: +wall[1]!.toFixed(2), wallSeconds2: +wall[2]!.toFixed(2), speedup: +(wall[1]! / wall[2]!).toFixed(2) };
    }
    if (sections.includes("slurm")) {
      const state = join(root, "slurm");
      const start = spawnSync("bash", ["test/slurm/start-slurm.sh", state], { encoding: "utf8", env: { ...process.env, SLURMCTLD_PORT: "16917", SLURMD_PORT: "16918" } });
      if (start.status !== 0) throw new Error(`start-slurm.sh failed: ${start.stderr}`);
      const env = { ...process.env, SLURM_CONF: join(state, "slurm.conf") };
      try {
        const before = load();
        const t0 = performance.now();
        const sub = cli(["sweep", EXPERIMENT, ...grid, "--slurm", "--parallel", "2", "--runs-dir", join(root, "runs-slurm"), "--sweeps-dir", join(root, "sweeps-slurm")], env);
        const id = sub.json.sweepId as string;
        for (;;) {
          const st = cli(["sweep", "status", id, "--json", "--sweeps-dir", join(root, "sweeps-slurm")], env).json as { counts: Record<string, number> };
          if ((st.counts.completed ?? 0) + (st.counts.failed ?? 0) === 4) {
            const seconds = (performance.now() - t0) / 1000;
            console.log(JSON.stringify({ section: "slurm", parallel: 2, members: 4, counts: st.counts, submitSeconds: +sub.seconds.toFixed(2), wallSeconds: +seconds.toFixed(2), loadBefore: before, loadAfter: load() }));
            summary.slurm = { wallSeconds: +seconds.toFixed(2), submitSeconds: +sub.seconds.toFixed(2) };
            break;
          }
          if ((performance.now() - t0) / 1000 > 900) throw new Error("the Slurm sweep did not finish within 15 minutes");
          await new Promise((r) => setTimeout(r, 1000));
        }
      } finally {
        if (existsSync(state)) spawnSync("bash", ["test/slurm/stop-slurm.sh", state]);
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  console.log(JSON.stringify({ summary: { ...summary, load: load() } }));
}

void main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
