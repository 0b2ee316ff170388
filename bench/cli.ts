/**
 * Whole-process CLI benchmark: `rl-studio train examples/cartpole.rl.ts --json` as a user runs it
 * (built CLI, fresh process each time), so the cost of everything around the trainer — the worker
 * thread that runs the experiment's code, the user-code heartbeat, streaming progress to the owning
 * thread — shows up in the figures. Prints one JSON line per run and a summary with medians.
 *
 * Run: `npm run bench -- cli` (after `npm run build`). Options through the environment:
 *   BENCH_CLI=path[,path…]   CLI bundles to compare (default dist/cli.js), run alternately
 *   BENCH_RUNS=n              runs per bundle (default 3)
 *   BENCH_EXPERIMENT=file     experiment (default examples/cartpole.rl.ts)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";

const clis = (process.env.BENCH_CLI ?? "dist/cli.js").split(",").map((p) => resolve(p));
const runs = Number(process.env.BENCH_RUNS ?? 3);
const experiment = process.env.BENCH_EXPERIMENT ?? "examples/cartpole.rl.ts";
const load = () => loadavg().map((x) => +x.toFixed(2));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Row {
  cli: string;
  run: number;
  sps: number;
  /** Launch → exit of the whole process. */
  processSeconds: number;
  /** The trainer's wall time, and the CPU time of the whole process (every thread) while it trained. */
  wallSeconds: number;
  cpuSeconds: number;
  status: string;
  load: number[];
}

const rows: Row[] = [];
const root = mkdtempSync(join(tmpdir(), "rl-studio-bench-cli-"));
try {
  for (let i = 0; i < runs; i++) {
    // Alternate the bundles so a change in machine load falls on both alike.
    for (const cli of clis) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [cli, "train", experiment, "--json", "--runs-dir", join(root, `r${i}`)], { encoding: "utf8" });
      const processSeconds = (performance.now() - t0) / 1000;
      if (r.status !== 0) {
        console.error(r.stderr);
        throw new Error(`${cli} exited with ${r.status}`);
      }
      const summary = JSON.parse(r.stdout.trimEnd().split("\n").at(-1)!) as { sps: number; wallSeconds: number; cpuSeconds: number; status: string };
      const row: Row = {
        cli,
        run: i + 1,
        sps: Math.round(summary.sps),
        processSeconds: +processSeconds.toFixed(2),
        wallSeconds: +summary.wallSeconds.toFixed(2),
        cpuSeconds: +summary.cpuSeconds.toFixed(2),
        status: summary.status,
        load: load(),
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
const summary = clis.map((cli) => {
  const mine = rows.filter((r) => r.cli === cli);
  return {
    cli,
    runs: mine.length,
    medianSps: median(mine.map((r) => r.sps)),
    medianProcessSeconds: median(mine.map((r) => r.processSeconds)),
    medianWallSeconds: median(mine.map((r) => r.wallSeconds)),
    medianCpuSeconds: median(mine.map((r) => r.cpuSeconds)),
  };
});
console.log(JSON.stringify({ bench: "cli", experiment, summary, load: load() }));
