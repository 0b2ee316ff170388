/**
 * Explanation benchmark: time to explain a trained CartPole run with 50 episodes per mode
 * (rollouts in both modes, sensitivity probes, summary, saving explanation.json), printed as JSON.
 * Run: `npm run bench -- explain` or `node --import tsx bench/explain.ts`.
 * The machine is shared: the figure comes with the load average and the process CPU time.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startRun } from "../runtime/src/runs/start-run.js";
import { explainBehaviourRun, EXPLANATION_FILE } from "../runtime/src/explain/explain.js";

const root = mkdtempSync(join(tmpdir(), "rl-studio-bench-explain-"));
const load = () => loadavg().map((x) => +x.toFixed(2));

async function main(): Promise<void> {
  const trainStart = performance.now();
  const started = await startRun({ experimentPath: "examples/cartpole.rl.ts", runsRoot: root, totalTimesteps: 50_000, backend: "js" });
  const trained = await started.done;
  const trainSeconds = (performance.now() - trainStart) / 1000;
  const timings: number[] = [];
  let last = null as Awaited<ReturnType<typeof explainBehaviourRun>> | null;
  for (let rep = 0; rep < 3; rep++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    last = await explainBehaviourRun(started.runDir.path, { episodes: 50 });
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    timings.push(wall);
    console.log(JSON.stringify({ rep, wallSeconds: +wall.toFixed(3), cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(3), loadavg: load() }));
  }
  const f = last!.facts;
  const steps = f.deterministic.steps + f.stochastic.steps;
  const best = Math.min(...timings);
  console.log(
    JSON.stringify({
      bench: "explain",
      env: f.envId,
      trainedSteps: trained.globalStep,
      trainSeconds: +trainSeconds.toFixed(2),
      episodesPerMode: 50,
      rolloutSteps: steps,
      deterministicMeanReturn: f.deterministic.return.mean,
      explainSecondsBest: +best.toFixed(3),
      explainSecondsMedian: +[...timings].sort((a, b) => a - b)[1]!.toFixed(3),
      stepsPerSecond: Math.round(steps / best),
      explanationBytes: statSync(join(started.runDir.path, EXPLANATION_FILE)).size,
      loadavg: load(),
    }),
  );
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(root, { recursive: true, force: true }));
