/**
 * Same work as the peers: RL Studio on RL Zoo's CartPole-v1 config and on CleanRL's `ppo.py` defaults
 * (bench/rlzoo-cartpole.rl.ts, bench/cleanrl-cartpole.rl.ts), and the learner kernels that decide it.
 * Run: `npm run build && npm run bench -- compare` or `node --import tsx bench/compare.ts [sections…]`.
 * Prints one JSON line per measurement, a final JSON summary, and the README table's rows.
 *
 * Sections:
 *  - zoo, cleanrl: 3 seeds, each a fresh process (`node dist/cli.js train <file> --seed S --json`, backend
 *    auto), timed from the parent: launch → first progress line, launch → solved (the parent's clock at
 *    the child's "backend:" line, which train() prints just before its clock starts, plus the child's
 *    solvedAtSeconds), SPS, steps to solve, per-update time and where the time goes (rollout, updates,
 *    the rest);
 *  - zoo-js, cleanrl-js: the same seeds on the float64 `js` learner, the reference the float32 learner
 *    must match (same seeds solved, steps to solve within seed noise);
 *  - microbench: one update of the WebAssembly SIMD learner for hidden widths 64/256/1024 × minibatches
 *    64/256/1024 (1 thread), achieved GFLOP/s next to this core's f32x4 peak, estimated from
 *    /proc/cpuinfo and measured with a register-resident multiply-add loop in the same module;
 *    the JS learner beside it where it takes less than a few seconds; and the cost model's figures;
 *  - threads: 1 vs 2 threads per width and minibatch, the barrier cost, the break-even minibatch.
 *  - first-feedback: `rl-studio train examples/cartpole.rl.ts` launch → first progress line, 5 launches.
 *
 * Peer figures are not measured here (no PyPI on this machine): they are DESIGN.md's measurements of
 * SB3 2.4.1 + torch 1.13 and CleanRL on the same kind of 2-core machine, quoted as such.
 * The machine is shared: every figure comes with the load average and CPU time.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { ActorCriticLayout, type PpoCoefficients } from "../runtime/src/nn/actor-critic.js";
import { JsLearner } from "../runtime/src/nn/learner.js";
import { WasmSimdLearner } from "../runtime/src/nn/simd/learner.js";
import { instantiateKernels, loadKernelModule } from "../runtime/src/nn/simd/module.js";
import { RowParallelPool, PHASE_FORWARD } from "../runtime/src/nn/simd/threads.js";
import { breakEvenMinibatch, MEASURED_SIMD_COST, updateFlops, type SimdCostFigures } from "../runtime/src/nn/simd/cost.js";
import { Rng } from "../runtime/src/rng.js";
import { randomMinibatch } from "../test/unit/nn/fixtures.js";
import { cpuSecondsOf } from "./cli-process.js";

const CLI = "dist/cli.js";
const SEEDS = [1, 2, 3];
const load = () => loadavg().map((x) => +x.toFixed(2));
const print = (o: unknown) => console.log(JSON.stringify(o));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const round = (x: number | null | undefined, digits = 2) => (x === null || x === undefined || !Number.isFinite(x) ? null : +x.toFixed(digits));
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** DESIGN.md: peers measured side by side on this kind of machine (2026-12-06, 3 seeds, fresh processes, load ≈ 1). */
const PEERS = {
  zoo: { peer: "SB3 2.4.1 + torch 1.13 (CPU)", sps: "~4,000", timeToSolve: "6–16 s (28–64 k steps)", median: "~11 s" },
  cleanrl: { peer: "CleanRL `ppo.py`", sps: "~5,400–6,500", timeToSolve: "24–29 s (156–181 k steps)", median: "~29 s" },
};

const CONFIGS = {
  zoo: { file: "bench/rlzoo-cartpole.rl.ts", label: "RL Zoo CartPole-v1 (8 envs × 32 steps, batch 256, 20 epochs, 64×64, lr and clip lin)" },
  cleanrl: { file: "bench/cleanrl-cartpole.rl.ts", label: "CleanRL `ppo.py` defaults (4 × 128, 4 minibatches, 4 epochs, 64×64)" },
};

interface ChildRun {
  seed: number;
  backend: string;
  notice: string | null;
  firstProgressSeconds: number | null;
  /** The child's CPU time at its first progress line (what launch → first feedback costs without contention). */
  firstProgressCpuSeconds: number | null;
  trainingStartSeconds: number | null;
  processSeconds: number;
  summary: Record<string, any>;
}

/** One fresh `rl-studio train` process, timed from the parent. `stopAfterFirstProgress` sends Ctrl-C after the first progress line. */
function trainProcess(file: string, args: string[], stopAfterFirstProgress = false): Promise<ChildRun & { stderr: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, "train", file, "--json", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let pending = "";
    let firstProgress: number | null = null;
    let firstProgressCpu: number | null = null;
    let trainingStart: number | null = null;
    let notice: string | null = null;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      const now = (performance.now() - t0) / 1000;
      stderr += d.toString();
      pending += d.toString();
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        if (trainingStart === null && line.includes("backend: ")) {
          trainingStart = now;
          notice = line.trim();
        }
        if (firstProgress === null && /^steps [\d,]+\//.test(line)) {
          firstProgress = now;
          firstProgressCpu = child.pid === undefined ? null : cpuSecondsOf(child.pid);
          if (stopAfterFirstProgress) child.kill("SIGINT");
        }
      }
    });
    child.on("error", reject);
    child.on("close", () => {
      const processSeconds = (performance.now() - t0) / 1000;
      let summary: Record<string, any> = {};
      try {
        summary = JSON.parse(stdout.trimEnd().split("\n").at(-1)!);
      } catch {
        return reject(new Error(`rl-studio train ${file} ${args.join(" ")} printed no JSON result:\n${stderr}`));
      }
      if (summary.runDir) rmSync(summary.runDir, { recursive: true, force: true });
      resolve({ seed: Number(args[args.indexOf("--seed") + 1] ?? 0), backend: summary.backend, notice, firstProgressSeconds: firstProgress, firstProgressCpuSeconds: firstProgressCpu, trainingStartSeconds: trainingStart, processSeconds, summary, stderr });
    });
  });
}

/** 3 seeds of one config, each a fresh process. */
async function config(name: keyof typeof CONFIGS, backend: "auto" | "js") {
  const { file } = CONFIGS[name];
  const rows = [];
  for (const seed of SEEDS) {
    const r = await trainProcess(file, ["--seed", String(seed), "--backend", backend]);
    const s = r.summary;
    const row = {
      section: backend === "js" ? `${name}-js` : name,
      seed,
      backend: r.backend,
      notice: r.notice,
      solvedAtStep: s.solvedAtStep,
      solvedAtSeconds: round(s.solvedAtSeconds),
      launchToSolvedSeconds: s.solvedAtSeconds !== null && r.trainingStartSeconds !== null ? round(r.trainingStartSeconds + s.solvedAtSeconds) : null,
      launchToFirstProgressSeconds: round(r.firstProgressSeconds, 3),
      sps: Math.round(s.sps),
      stepsPerCpuSecond: Math.round(s.globalStep / s.cpuSeconds),
      rolloutSps: Math.round(s.rolloutSps),
      perUpdateMs: round((1000 * s.updateSeconds) / s.updates, 3),
      profile: {
        rolloutSeconds: round(s.globalStep / s.rolloutSps),
        updateSeconds: round(s.updateSeconds),
        restSeconds: round(s.wallSeconds - s.globalStep / s.rolloutSps - s.updateSeconds),
      },
      wallSeconds: round(s.wallSeconds),
      cpuSeconds: round(s.cpuSeconds),
      processSeconds: round(r.processSeconds),
      load: load(),
    };
    print(row);
    rows.push(row);
  }
  const solved = rows.filter((r) => r.solvedAtStep !== null);
  const all = solved.length === rows.length;
  return {
    backend: rows[0]!.backend,
    solvedSeeds: `${solved.length}/${rows.length}`,
    solvedAtSteps: rows.map((r) => r.solvedAtStep),
    medianSolvedAtStep: all ? median(solved.map((r) => r.solvedAtStep!)) : null,
    medianSolvedAtSeconds: all ? round(median(solved.map((r) => r.solvedAtSeconds!))) : null,
    medianLaunchToSolvedSeconds: all ? round(median(solved.map((r) => r.launchToSolvedSeconds!))) : null,
    medianSps: median(rows.map((r) => r.sps)),
    medianStepsPerCpuSecond: median(rows.map((r) => r.stepsPerCpuSecond)),
    medianPerUpdateMs: round(median(rows.map((r) => r.perUpdateMs!)), 3),
    medianLaunchToFirstProgressSeconds: round(median(rows.map((r) => r.launchToFirstProgressSeconds!)), 3),
  };
}

const COEF: PpoCoefficients = { clipCoef: 0.2, clipVloss: true, entCoef: 0.01, vfCoef: 0.5, normAdv: true };

/** Median wall and CPU seconds of one `learner.stepSync` (after warm-up), repeated to fill about `budgetSeconds`. */
function timeUpdate(learner: WasmSimdLearner | JsLearner, layout: ActorCriticLayout, minibatch: number, budgetSeconds: number) {
  const mb = randomMinibatch(layout, minibatch, new Rng(2), () => Math.log(0.5));
  for (let i = 0; i < 3; i++) learner.stepSync(mb, COEF, 1e-5, 0.5);
  const probe = performance.now();
  learner.stepSync(mb, COEF, 1e-5, 0.5);
  const once = (performance.now() - probe) / 1000;
  const reps = Math.max(5, Math.min(300, Math.round(budgetSeconds / Math.max(once, 1e-6))));
  const walls: number[] = [];
  const cpu0 = cpuNow();
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    learner.stepSync(mb, COEF, 1e-5, 0.5);
    walls.push((performance.now() - t) / 1000);
  }
  return { reps, wallSeconds: median(walls), cpuSeconds: (cpuNow() - cpu0) / reps };
}

/** This core's f32x4 multiply + add peak from /proc/cpuinfo, with the assumption it rests on. */
function theoreticalPeak() {
  let model = "unknown", vendor = "unknown", mhz = NaN;
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1] ?? model;
    vendor = /^vendor_id\s*:\s*(.+)$/m.exec(info)?.[1] ?? vendor;
    mhz = Number(/^cpu MHz\s*:\s*([\d.]+)$/m.exec(info)?.[1]);
  } catch {
    // Not Linux: no estimate.
  }
  // Wasm SIMD has no FMA (outside relaxed-simd): a multiply-add is two instructions. AMD Zen 2–5 issue
  // two 128-bit FP multiplies and two FP adds per cycle (4 pipes); Intel since Skylake two ports that
  // each do a multiply, an add or an FMA. Each f32x4 instruction is 4 flops.
  const amd = vendor === "AuthenticAMD";
  const opsPerCycle = amd ? 4 : 2;
  const flopsPerCycle = opsPerCycle * 4;
  return {
    cpu: model,
    vendor,
    mhz,
    assumption: amd
      ? "AMD Zen: 2 FP-multiply + 2 FP-add pipes, each an f32x4 op per cycle → 16 flop/cycle"
      : "Intel (Skylake+): 2 FP ports, each an f32x4 multiply or add per cycle → 8 flop/cycle",
    gflops: round((mhz * 1e6 * flopsPerCycle) / 1e9, 1),
  };
}

/** Empirical f32x4 multiply-add throughput of one core: kernels.ts peakMulAdd (12 register chains). */
function empiricalPeak() {
  const loaded = loadKernelModule();
  if (!loaded.ok) throw new Error(loaded.reason);
  const k = instantiateKernels(loaded.module, new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }));
  k.peakMulAdd(1e5);
  const iterations = 2e7;
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const c0 = cpuNow();
    k.peakMulAdd(iterations);
    runs.push((iterations * 12 * 8) / (cpuNow() - c0) / 1e9);
  }
  return { gflopsByCpuTime: round(Math.max(...runs), 1), runs: runs.map((x) => round(x, 1)) };
}

async function microbench() {
  const peak = { theoretical: theoreticalPeak(), empirical: empiricalPeak() };
  print({ section: "microbench", peak, load: load() });
  const cells = [];
  for (const width of [64, 256, 1024]) {
    const layout = new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: [width, width] });
    for (const minibatch of [64, 256, 1024]) {
      const flops = updateFlops(layout, minibatch);
      const learner = await WasmSimdLearner.create(layout, layout.initParams(new Rng(1)), minibatch, { threads: 1 });
      const t = timeUpdate(learner, layout, minibatch, 1.5);
      learner.dispose();
      // The float64 JS learner beside it where one update costs under ~0.2 s.
      const js = flops < 3e8 ? timeUpdate(new JsLearner(layout, layout.initParams(new Rng(1)), minibatch), layout, minibatch, 1.5) : null;
      const gflops = flops / t.cpuSeconds / 1e9;
      const cell = {
        section: "microbench",
        width,
        minibatch,
        mflopPerUpdate: round(flops / 1e6, 1),
        simdMs: round(t.wallSeconds * 1000, 3),
        simdCpuMs: round(t.cpuSeconds * 1000, 3),
        simdGflops: round(gflops, 1),
        ofEmpiricalPeak: round(gflops / peak.empirical.gflopsByCpuTime!, 2),
        jsCpuMs: js ? round(js.cpuSeconds * 1000, 3) : null,
        jsGflops: js ? round(flops / js.cpuSeconds / 1e9, 2) : null,
        reps: t.reps,
        load: load(),
      };
      print(cell);
      cells.push(cell);
    }
  }
  return { peak, cells, costModel: fitCost(cells), costModelInUse: MEASURED_SIMD_COST };
}

/**
 * The cost model's figures fitted from the microbenchmark (CPU time: the arithmetic of one core):
 * per width, t(B) = fixed + flops(B) / R through minibatches 64 and 256 gives R (the slope) and the
 * fixed cost (taken at width 64, where it matters).
 */
function fitCost(cells: { width: number; minibatch: number; simdCpuMs: number | null; mflopPerUpdate: number | null }[]) {
  const at = (w: number, b: number) => cells.find((c) => c.width === w && c.minibatch === b)!;
  const rate = (w: number) => (at(w, 256).mflopPerUpdate! - at(w, 64).mflopPerUpdate!) / (at(w, 256).simdCpuMs! - at(w, 64).simdCpuMs!) / 1e3;
  const gflopsByWidth = [64, 256, 1024].map((w) => [w, round(rate(w), 1)!] as [number, number]);
  const fixedSeconds = Math.max(0, at(64, 64).simdCpuMs! / 1e3 - at(64, 64).mflopPerUpdate! / 1e3 / rate(64));
  return { gflopsByWidth, fixedSeconds: +fixedSeconds.toExponential(2) };
}

/** 1 vs 2 threads (wall time: what threads are for), and the cost of the two barriers of a parallel update. */
async function threads() {
  const loaded = loadKernelModule();
  if (!loaded.ok) throw new Error(loaded.reason);
  // The barrier alone: two zero-row phases per update, as lossAndGradient runs them.
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const pool = await RowParallelPool.start(loaded.module, memory, 2, { actor: 0, critic: 0, grads: [0, 0], paddedSize: 0 });
  const barrier: number[] = [];
  for (let i = 0; i < 400; i++) {
    const t = performance.now();
    pool.run(PHASE_FORWARD, [[0, 0], [0, 0]], () => {});
    pool.run(PHASE_FORWARD, [[0, 0], [0, 0]], () => {});
    barrier.push((performance.now() - t) / 1000);
  }
  pool.dispose();
  const syncSeconds = median(barrier.slice(50));
  print({ section: "threads", syncMicroseconds: round(syncSeconds * 1e6, 1), cores: availableParallelism(), load: load() });
  const rows = [];
  for (const width of [64, 256]) {
    const layout = new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: [width, width] });
    for (const minibatch of [64, 256, 1024, 4096]) {
      const times: Record<number, number> = {};
      for (const t of [1, 2]) {
        const learner = await WasmSimdLearner.create(layout, layout.initParams(new Rng(1)), minibatch, { threads: t, blocks: 2 });
        times[t] = timeUpdate(learner, layout, minibatch, 0.8).wallSeconds;
        learner.dispose();
      }
      const row = { section: "threads", width, minibatch, oneThreadMs: round(times[1]! * 1000, 3), twoThreadsMs: round(times[2]! * 1000, 3), speedup: round(times[1]! / times[2]!, 2), load: load() };
      print(row);
      rows.push(row);
    }
  }
  return { syncSeconds: +syncSeconds.toExponential(2), rows };
}

/** `rl-studio train examples/cartpole.rl.ts`: launch → first progress line (then Ctrl-C). */
async function firstFeedback() {
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await trainProcess("examples/cartpole.rl.ts", [], true);
    times.push(r.firstProgressSeconds ?? NaN);
    cpu.push(r.firstProgressCpuSeconds ?? NaN);
    print({ section: "first-feedback", launchToFirstProgressSeconds: round(r.firstProgressSeconds, 3), cpuSecondsToFirstProgress: r.firstProgressCpuSeconds, trainingStartSeconds: round(r.trainingStartSeconds, 3), load: load() });
  }
  return { medianLaunchToFirstProgressSeconds: round(median(times), 3), medianCpuSecondsToFirstProgress: round(median(cpu), 2), all: times.map((t) => round(t, 3)) };
}

function tableRows(result: Record<string, any>): string[] {
  const rows: string[] = [];
  for (const name of ["zoo", "cleanrl"] as const) {
    const r = result[name];
    if (!r) continue;
    const p = PEERS[name];
    rows.push(
      `| ${CONFIGS[name].label} | ${p.peer} (measured separately, DESIGN.md) | ${p.sps} | ${r.medianSps.toLocaleString("en-US")} (${r.backend}; ${r.medianStepsPerCpuSecond.toLocaleString("en-US")} per CPU-second) | ${p.timeToSolve}, median ${p.median} | ${r.medianSolvedAtSeconds ?? "—"} s in training, ${r.medianLaunchToSolvedSeconds ?? "—"} s from launch (${r.solvedSeeds} seeds, steps ${r.solvedAtSteps.join(" / ")}) | ${r.medianPerUpdateMs} ms |`,
    );
  }
  return rows;
}

async function main() {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const all = ["microbench", "threads", "first-feedback", "zoo", "cleanrl", "zoo-js", "cleanrl-js"];
  const sections = process.argv.slice(2).length ? process.argv.slice(2) : all;
  const result: Record<string, any> = { loadStart: load(), cores: availableParallelism() };
  const cpu0 = cpuNow();
  const t0 = performance.now();
  for (const section of sections) {
    if (section === "microbench") result.microbench = await microbench();
    else if (section === "threads") {
      result.threads = await threads();
    } else if (section === "first-feedback") result.firstFeedback = await firstFeedback();
    else if (section === "zoo" || section === "cleanrl") result[section] = await config(section, "auto");
    else if (section === "zoo-js") result.zooJs = await config("zoo", "js");
    else if (section === "cleanrl-js") result.cleanrlJs = await config("cleanrl", "js");
    else throw new Error(`unknown section '${section}': expected ${all.join(", ")}`);
  }
  if (result.microbench || result.threads) {
    // Break-even minibatch for 2 threads per width, from the figures measured in this run where present.
    const figures: SimdCostFigures = {
      ...MEASURED_SIMD_COST,
      ...(result.microbench ? { gflopsByWidth: result.microbench.costModel.gflopsByWidth, fixedSeconds: result.microbench.costModel.fixedSeconds } : {}),
      ...(result.threads ? { syncSeconds: result.threads.syncSeconds } : {}),
    };
    result.breakEvenMinibatch2Threads = Object.fromEntries(
      [64, 256, 1024].map((w) => [w, breakEvenMinibatch(new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: [w, w] }), 2, figures)]),
    );
  }
  result.wallSeconds = round((performance.now() - t0) / 1000, 1);
  result.cpuSeconds = round(cpuNow() - cpu0, 1);
  result.loadEnd = load();
  print({ bench: "compare", ...result });
  for (const row of tableRows(result)) console.log(row);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
