/**
 * The GPU benchmark, one command: `npm run bench -- gpu` (or `node --import tsx bench/gpu.ts`).
 * Under 5 minutes, no network. Prints JSON lines as it goes and one JSON summary last; writes
 * bench/out/gpu.json. Sections:
 *   environment  the Vulkan loader and driver (ICD) found, nvidia-smi, the adapter Dawn picked
 *   updates      one PPO update per backend over network shapes × minibatches (bench/backend-grid.ts),
 *                and the crossover: per shape, the smallest minibatch at which webgpu beats the CPU
 *   auto         what `--backend auto` picks for a 3×1024 network (on a hardware GPU: after timing it)
 *   runs         PPO's SPS on CartPole (the example) and on a 3×1024 network, webgpu vs js vs wasm
 *   llm-policy   the TWOSOME transformer's tokens/s, rollout forward and forward+backward, with the test
 *                model on webgpu, tfjs-node-gpu and wasm (runtime/src/llm-policy/bench.ts)
 *
 * On a machine without libvulkan.so.1 it looks for a carried libvulkan1 .deb (RL_STUDIO_VULKAN_DEBS, a
 * folder; default .gpu-bench/debs) and unpacks it beside the bench, or installs it with apt when root;
 * where no Vulkan driver manifest is visible but NVIDIA's driver is (a container given only the compute
 * capability), it points VK_DRIVER_FILES at NVIDIA's manifest or writes one for libGLX_nvidia.so.0.
 * VK_DRIVER_FILES / VK_ICD_FILENAMES set by the caller are honoured as they are. Both fixes need a
 * fresh process (the loader reads them at start), so the bench re-executes itself once.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { BackendName } from "../runtime/src/nn/learner.js";
import { loadExperiment, type ExperimentOverrides } from "../runtime/src/experiment/resolve.js";
import { RunDir } from "../runtime/src/runs/run-dir.js";
import { train } from "../runtime/src/ppo/train.js";
import { createLearner } from "../runtime/src/backends/select.js";
import { Rng } from "../runtime/src/rng.js";
import { benchTransformerThroughput } from "../runtime/src/llm-policy/bench.js";
import { TEST_MODEL, missingTestModel } from "../test/test-model.mjs";
import { crossover, formatCrossover, layoutOf, load, machine, measureGrid, print, probeBackends, rolloutForward, costTable, type Cell, type GridShape } from "./backend-grid.js";

const T0 = performance.now();
/** The whole bench stays under 5 minutes: each section gets a share of this. */
const BUDGET_MS = Number(process.env.RL_STUDIO_GPU_BENCH_BUDGET_S ?? 270) * 1000;
const elapsed = () => performance.now() - T0;
const REEXEC = "RL_STUDIO_GPU_BENCH_CHILD";

function run(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 20_000 });
  } catch {
    return null;
  }
}

const LIB_DIRS = ["/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib64", "/usr/local/nvidia/lib64", "/usr/local/lib"];
const ICD_DIRS = ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d", "/usr/local/share/vulkan/icd.d", "/usr/local/nvidia/share/vulkan/icd.d"];

/** Whether the dynamic linker can find `lib` (ldconfig's cache, LD_LIBRARY_PATH, the usual folders). */
function findLibrary(lib: string): string | null {
  const cache = run("ldconfig", ["-p"]) ?? run("/sbin/ldconfig", ["-p"]);
  const hit = cache?.split("\n").find((l) => l.trim().startsWith(lib + " "));
  if (hit) return hit.split("=>")[1]?.trim() ?? lib;
  for (const dir of [...(process.env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean), ...LIB_DIRS]) {
    if (existsSync(join(dir, lib))) return join(dir, lib);
  }
  return null;
}

function icdFiles(): string[] {
  return ICD_DIRS.flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith(".json")).map((f) => join(d, f)) : []));
}

/** Finds and fixes what Vulkan needs; returns the environment changes (empty: nothing to do) and notes. */
function prepareVulkan(): { env: Record<string, string>; notes: string[] } {
  const env: Record<string, string> = {};
  const notes: string[] = [];
  if (!findLibrary("libvulkan.so.1")) {
    const debDir = resolve(process.env.RL_STUDIO_VULKAN_DEBS ?? ".gpu-bench/debs");
    const debs = existsSync(debDir) ? readdirSync(debDir).filter((f) => /^libvulkan1_.*\.deb$/.test(f)) : [];
    if (debs.length > 0) {
      const into = mkdtempSync(join(tmpdir(), "rls-vulkan-"));
      execFileSync("dpkg-deb", ["-x", join(debDir, debs[0]!), into]);
      const lib = LIB_DIRS.map((d) => join(into, d)).find((d) => existsSync(join(d, "libvulkan.so.1")));
      if (lib) {
        env.LD_LIBRARY_PATH = [lib, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
        notes.push(`libvulkan.so.1 was missing: unpacked ${debs[0]} into ${into}`);
      }
    } else if (process.getuid?.() === 0 && run("apt-get", ["--version"])) {
      const r = spawnSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", "libvulkan1"], { encoding: "utf8", timeout: 120_000, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
      notes.push(r.status === 0 ? "libvulkan.so.1 was missing: installed libvulkan1 with apt" : `libvulkan.so.1 is missing and apt-get install libvulkan1 failed (${(r.stderr ?? "").trim().split("\n").at(-1)}); carry its .deb in ${debDir}`);
    } else {
      notes.push(`libvulkan.so.1 is missing: install libvulkan1 (apt) or carry its .deb in ${debDir}`);
    }
  }
  if (!process.env.VK_DRIVER_FILES && !process.env.VK_ICD_FILENAMES) {
    const icds = icdFiles();
    const nvidiaSeen = run("nvidia-smi", ["-L"]) !== null;
    if (nvidiaSeen && !icds.some((f) => /nvidia/i.test(f))) {
      const nvidiaIcd = "/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json";
      if (existsSync(nvidiaIcd)) {
        env.VK_DRIVER_FILES = nvidiaIcd;
        notes.push(`NVIDIA's Vulkan manifest is not in the loader's folders: VK_DRIVER_FILES=${nvidiaIcd}`);
      } else if (findLibrary("libGLX_nvidia.so.0")) {
        const dir = mkdtempSync(join(tmpdir(), "rls-icd-"));
        const file = join(dir, "nvidia_icd.json");
        writeFileSync(file, JSON.stringify({ file_format_version: "1.0.1", ICD: { library_path: "libGLX_nvidia.so.0", api_version: "1.3.0" } }));
        env.VK_DRIVER_FILES = file;
        notes.push(`no NVIDIA Vulkan manifest, but libGLX_nvidia.so.0 is there: wrote ${file}`);
      } else {
        notes.push("nvidia-smi sees a GPU but neither NVIDIA's Vulkan manifest nor libGLX_nvidia.so.0 is present: the driver was mounted without its graphics part (NVIDIA_DRIVER_CAPABILITIES needs 'graphics')");
      }
    }
  }
  return { env, notes };
}

function environment(notes: string[]): Record<string, unknown> {
  const smi = run("nvidia-smi", ["--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"]);
  const vulkaninfo = run("vulkaninfo", ["--summary"]);
  return {
    libvulkan: findLibrary("libvulkan.so.1"),
    VK_DRIVER_FILES: process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES ?? null,
    icdFiles: icdFiles(),
    nvidiaSmi: smi?.trim().split("\n") ?? null,
    vulkanDevices: vulkaninfo
      ? vulkaninfo.split("\n").filter((l) => /deviceName|driverName|driverInfo|deviceType/.test(l)).map((l) => l.trim())
      : null,
    preparation: notes,
  };
}

const GPU_SHAPES: GridShape[] = [
  { name: "2x64", hidden: [64, 64] },
  { name: "2x256", hidden: [256, 256] },
  { name: "2x1024", hidden: [1024, 1024] },
  { name: "3x1024", hidden: [1024, 1024, 1024] },
  { name: "2x2048", hidden: [2048, 2048] },
];

/** Per shape: the smallest minibatch at which webgpu's update beats the fastest CPU backend's. */
function crossoverVsCpu(cells: readonly Cell[]): Record<string, { minibatch: number | null; webgpuMs: number | null; cpuBest: string | null }> {
  const out: Record<string, { minibatch: number | null; webgpuMs: number | null; cpuBest: string | null }> = {};
  for (const shape of GPU_SHAPES) {
    const here = cells.filter((c) => c.shape === shape.name);
    const minibatches = [...new Set(here.map((c) => c.minibatch))].sort((a, b) => a - b);
    out[shape.name] = { minibatch: null, webgpuMs: null, cpuBest: null };
    for (const mb of minibatches) {
      const gpu = here.find((c) => c.minibatch === mb && c.backend === "webgpu");
      const cpu = here.filter((c) => c.minibatch === mb && c.backend !== "webgpu" && c.backend !== "tfjs-node-gpu" && c.backend !== "cpu").sort((a, b) => a.ms - b.ms)[0];
      if (gpu && cpu && gpu.ms < cpu.ms) {
        out[shape.name] = { minibatch: mb, webgpuMs: gpu.ms, cpuBest: `${cpu.backend} ${cpu.ms} ms${cpu.estimated ? " (estimated)" : ""}` };
        break;
      }
    }
  }
  return out;
}

/** A PPO run on `backend` for at most `budgetMs` (stopped at the next iteration boundary). */
async function ppoRun(name: string, backend: BackendName, overrides: ExperimentOverrides, budgetMs: number) {
  const root = mkdtempSync(join(tmpdir(), "rls-gpu-bench-"));
  const experiment = await loadExperiment("examples/cartpole.rl.ts", overrides);
  const runDir = RunDir.create(root, { experiment: { name: experiment.name }, sourceText: experiment.source.text, bundle: experiment.source.bundle });
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), budgetMs);
  const notices: string[] = [];
  const s = await train({ experiment, runDir, backend, signal: ac.signal, log: (l) => notices.push(l) });
  clearTimeout(timer);
  runDir.close();
  const row = {
    section: "runs",
    run: name,
    backend: s.backend,
    requested: backend,
    status: s.status,
    steps: s.globalStep,
    sps: Math.round(s.sps),
    rolloutSps: Math.round(s.rolloutSps),
    meanReturnLast20: s.meanReturnLast20 && +s.meanReturnLast20.toFixed(1),
    wallSeconds: +s.wallSeconds.toFixed(1),
    cpuSeconds: +s.cpuSeconds.toFixed(1),
    notice: notices[0],
    load: load(),
    ...(s.error ? { error: s.error } : {}),
  };
  print(row);
  return row;
}

/**
 * The TWOSOME transformer's section: tokens/s of the rollout forward and of one PPO minibatch
 * (forward + backward + Adam) with the test model at TWOSOME's Overcooked shape
 * (runtime/src/llm-policy/bench.ts, as `npm run bench -- twosome-model`), on the GPU backends and wasm.
 * Backends are tried in order while the budget lasts; one that cannot start says why.
 */
async function llmPolicy(budgetMs: number): Promise<Record<string, unknown>> {
  const missing = missingTestModel();
  if (missing !== null) return { skipped: missing };
  const start = performance.now();
  const out: Record<string, unknown> = {};
  for (const backend of ["webgpu", "tfjs-node-gpu", "wasm"] as const) {
    if (performance.now() - start > budgetMs) {
      out[backend] = { skipped: `the section's ${Math.round(budgetMs / 1000)} s budget is spent` };
      continue;
    }
    try {
      const r = await benchTransformerThroughput(backend, TEST_MODEL, { reps: 3, reference: false });
      out[backend] = { promptTokens: r.promptTokens, actions: r.actions, envs: r.envs, forward: r.forward, forwardBackward: r.forwardBackward, loadSeconds: r.loadSeconds, load: load() };
    } catch (err) {
      out[backend] = { error: (err as Error).message };
    }
  }
  return out;
}

async function main() {
  const prepared = process.env[REEXEC] ? { env: {}, notes: JSON.parse(process.env[REEXEC]) as string[] } : prepareVulkan();
  if (Object.keys(prepared.env).length > 0) {
    // The Vulkan loader reads LD_LIBRARY_PATH and VK_DRIVER_FILES when the process starts.
    const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: "inherit",
      env: { ...process.env, ...prepared.env, [REEXEC]: JSON.stringify(prepared.notes) },
    });
    process.exit(r.status ?? 1);
  }
  const loadStart = load();
  const cpu0 = process.cpuUsage();
  const env = environment(prepared.notes);
  print({ section: "environment", ...env });
  const host = await machine();
  print({ section: "machine", ...host });
  const { usable, notes } = await probeBackends(["js", "wasm", "webgpu", "tfjs-node-gpu", "tfjs-node"]);
  print({ section: "backends", usable, notes });
  const result: Record<string, unknown> = { bench: "gpu", environment: env, machine: host, backends: { usable, notes } };

  if (!usable.includes("webgpu")) {
    result.webgpu = `not usable here: ${notes.webgpu}`;
  }
  // Updates: half the budget.
  const { cells, fits } = await measureGrid(
    { backends: usable, shapes: GPU_SHAPES, minibatches: [64, 512, 4096, 8192], maxUpdateMs: 1000, deadlineMs: BUDGET_MS * 0.45, cellBudgetMs: 300 },
    (c) => print({ section: "update", ...c }),
  );
  const table = costTable(fits, cells, `${(host.gpuAdapter as { description?: string })?.description ?? "no GPU adapter"}; ${host.cpu}`, "npm run bench -- gpu");
  const rows = crossover(cells, table, GPU_SHAPES);
  console.log(formatCrossover(rows, usable));
  result.updates = { table, crossover: rows, webgpuBeatsCpuFrom: crossoverVsCpu(cells), rolloutForward: rolloutForward(GPU_SHAPES) };

  // What `auto` does here for a large network: on a hardware GPU it times the GPU at run start.
  const autoLayout = layoutOf({ name: "3x1024", hidden: [1024, 1024, 1024] });
  const auto = await createLearner("auto", autoLayout, autoLayout.initParams(new Rng(1)), 512);
  auto.learner.dispose();
  result.auto = { network: "3x1024", minibatch: 512, notice: auto.notice };
  print({ section: "auto", ...(result.auto as object) });

  // PPO runs: 40 % of the budget over up to six runs.
  const perRun = Math.max(10_000, (BUDGET_MS * 0.4) / 6);
  const runBackends = (["webgpu", "js", "wasm"] as const).filter((b) => usable.includes(b));
  const runs: unknown[] = [];
  // A run stops at the first iteration boundary past its budget; past the bench's budget the rest are skipped.
  const timed = async (name: string, b: BackendName, overrides: ExperimentOverrides) => {
    if (elapsed() + perRun > BUDGET_MS) runs.push({ run: name, backend: b, skipped: `the bench's ${BUDGET_MS / 1000} s budget is spent` });
    else runs.push(await ppoRun(name, b, overrides, perRun));
  };
  for (const b of runBackends) await timed("cartpole example", b, { totalTimesteps: 1_000_000 });
  // 3×1024: 8 envs × 16 steps, one update of minibatch 128 per iteration, so that a time-boxed run
  // (stopped at an iteration boundary) ends near its budget even where one update takes seconds.
  const large = { totalTimesteps: 1_000_000, hyperparameters: { hiddenSizes: [1024, 1024, 1024], numEnvs: 8, numSteps: 16, numMinibatches: 1, updateEpochs: 1 } };
  for (const b of runBackends) await timed("cartpole 3x1024", b, large);
  result.runs = runs;

  result.llmPolicy = await llmPolicy(Math.max(5_000, BUDGET_MS - elapsed() - 5_000));
  print({ section: "llm-policy", ...result.llmPolicy as object });

  const u = process.cpuUsage(cpu0);
  Object.assign(result, { wallSeconds: +(elapsed() / 1000).toFixed(1), cpuSeconds: +((u.user + u.system) / 1e6).toFixed(1), loadStart, loadEnd: load() });
  mkdirSync("bench/out", { recursive: true });
  writeFileSync("bench/out/gpu.json", JSON.stringify({ ...result, cells }, null, 2) + "\n");
  console.log(JSON.stringify(result));
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
