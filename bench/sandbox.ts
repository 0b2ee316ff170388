/**
 * Reward sandbox benchmark, printed as JSON lines and a final JSON summary.
 * Run: `npm run bench -- sandbox` or `node --import tsx bench/sandbox.ts`.
 *
 * - call: CPU time of one reward evaluation (two CartPole components), median of rounds:
 *   a plain function (no sandbox), the training path (`stepFast`, and through
 *   sandboxedRewardFunction + RewardShaper as the trainer calls it once per env step), and the
 *   validation path (`stepWithTimeout`: a vm watchdog per call).
 * - setup: building one candidate's locked-down realm (SandboxedReward constructor), and one
 *   validation round trip in a fresh validation process (start, 128 sample transitions, answer),
 *   from source through tsx and, when built, from the bundle the product starts.
 * CPU time (process.cpuUsage) beside wall time: the figures are taken on shared machines.
 */
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { CANDIDATE_PROCESS_ARG } from "../runtime/src/reward-design/candidate-process.js";
import { SandboxedReward, sandboxedRewardFunction, type TransitionLayout } from "../runtime/src/reward-design/sandbox.js";
import { runInSandbox, type SandboxJobMessage, type SandboxReplyMessage } from "../runtime/src/reward-design/sandbox-worker.js";
import { RewardShaper } from "../runtime/src/experiment/reward-shaper.js";
import { CARTPOLE_SPEC } from "../runtime/src/envs/cartpole.js";

const print = (o: unknown) => console.log(JSON.stringify(o));
const load = () => loadavg().map((x) => +x.toFixed(2));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** CPU and wall microseconds per call of `f`, over `n` calls. */
function time(n: number, f: (i: number) => void): { cpu: number; wall: number } {
  const c = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < n; i++) f(i);
  const d = process.cpuUsage(c);
  return { cpu: (d.user + d.system) / n, wall: ((performance.now() - t) * 1000) / n };
}

const layout: TransitionLayout = { fields: ["x", "xDot", "theta", "thetaDot"], actionKind: "discrete", actionSize: 1 };
const components = [
  { name: "alive", code: "envReward" },
  { name: "upright", code: "1 - Math.abs(nextObs.theta) / 0.2095" },
];
const summary: Record<string, unknown> = { loadavg: load() };

async function main(): Promise<void> {
  const obs = [0.01, 0.02, 0.03, 0.04];
  const f32 = Float32Array.from(obs);
  const sandbox = new SandboxedReward(components, layout, { timeoutMs: 5000 });
  const shaper = new RewardShaper(sandboxedRewardFunction(sandbox), CARTPOLE_SPEC, 1);
  const plain = (t: { nextObs: Record<string, number>; envReward: number }) => ({ alive: t.envReward, upright: 1 - Math.abs(t.nextObs.theta!) / 0.2095 });
  let sink = 0;
  const rounds: Record<string, { cpu: number; wall: number }[]> = { plain: [], stepFast: [], shaper: [], stepWithTimeout: [] };
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < 9; r++) {
    rounds.plain!.push(time(100_000, (i) => (sink += plain({ nextObs: { x: obs[0]!, xDot: obs[1]!, theta: obs[2]! + i * 1e-9, thetaDot: obs[3]! }, envReward: 1 }).upright)));
    rounds.stepFast!.push(
      time(100_000, (i) => {
        sandbox.setInput(obs, 1, obs, 1, false, false, i);
        sink += sandbox.stepFast()[1]!;
      }),
    );
    rounds.shaper!.push(time(50_000, (i) => (sink += shaper.shape(0, f32, 1, f32, 1, false, false, i))));
    rounds.stepWithTimeout!.push(
      time(2_000, (i) => {
        sandbox.setInput(obs, 1, obs, 1, false, false, i);
        sink += sandbox.stepWithTimeout()[1]!;
      }),
    );
  }
  const cpu = process.cpuUsage(cpu0);
  const med = (k: string, f: "cpu" | "wall") => +median(rounds[k]!.map((x) => x[f])).toFixed(3);
  summary.call = {
    unit: "microseconds per reward evaluation (median of 9 rounds)",
    plainCpu: med("plain", "cpu"),
    stepFastCpu: med("stepFast", "cpu"),
    stepFastWall: med("stepFast", "wall"),
    shaperCpu: med("shaper", "cpu"),
    shaperWall: med("shaper", "wall"),
    stepWithTimeoutCpu: med("stepWithTimeout", "cpu"),
    stepWithTimeoutWall: med("stepWithTimeout", "wall"),
    processCpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    sink: sink > 0,
  };
  print({ section: "call", ...(summary.call as object) });

  const builds: number[] = [];
  for (let i = 0; i < 20; i++) builds.push(time(1, () => new SandboxedReward(components, layout)).wall / 1000);
  const rows = Array.from({ length: 128 }, (_, i) => [...obs, i % 2, ...obs, 1, 0, 0, i]);
  const trips: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const [r] = await runInSandbox([{ components, layout, samples: rows }]);
    if (!r?.ok) throw new Error(`the validation round trip failed: ${JSON.stringify(r)}`);
    trips.push(performance.now() - t);
  }
  // The product starts the bundle (no tsx loader): the same round trip with dist/reward-sandbox.js, when built.
  const bundle = join(__dirname, "..", "dist", "reward-sandbox.js");
  const bundleTrips: number[] = [];
  if (existsSync(bundle)) for (let i = 0; i < 3; i++) bundleTrips.push(await bundleRoundTrip(bundle, { index: 0, components, layout, samples: rows, timeoutMs: 250 }));
  summary.setup = {
    unit: "milliseconds, wall",
    realmMedian: +median(builds.slice(1)).toFixed(2),
    // bench runs through tsx, so runInSandbox starts the validation process from source with tsx's loader.
    validationRoundTripFromSourceMedian: +median(trips).toFixed(0),
    validationRoundTripBundleMedian: bundleTrips.length > 0 ? +median(bundleTrips).toFixed(0) : `not built: ${bundle} (npm run build)`,
  };
  print({ section: "setup", ...(summary.setup as object) });
  summary.loadavgAfter = load();
  print({ summary });
}

/** Start the bundled validation process as candidate-process.ts does, run one job, return the wall ms. */
function bundleRoundTrip(bundle: string, job: SandboxJobMessage): Promise<number> {
  const t = performance.now();
  const child = fork(bundle, [CANDIDATE_PROCESS_ARG], { execArgv: ["--max-old-space-size=64", "--disallow-code-generation-from-strings"], stdio: ["ignore", "ignore", "inherit", "ipc"], serialization: "advanced" });
  return new Promise((resolve, reject) => {
    child.on("message", (m: SandboxReplyMessage) => {
      if ("ready" in m) child.send(job);
      else if ("result" in m) {
        child.kill();
        if (m.result.ok) resolve(performance.now() - t);
        else reject(new Error(m.result.error));
      }
    });
    child.on("error", reject);
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
