/**
 * One seed of one variant of the sub-goals bench (bench/subgoals.ts runs each in a fresh process):
 * trains an experiment file and prints one JSON line with success figures read from episodes.jsonl.
 *
 * Usage: node --import tsx bench/subgoals-run.ts <experiment.rl.ts> <seed> <budget> <runsRoot> <experienceRoot|-> [successCause]
 */
import { cpus, loadavg } from "node:os";
import { loadExperiment } from "../runtime/src/experiment/resolve.js";
import { RunDir } from "../runtime/src/runs/run-dir.js";
import { train } from "../runtime/src/ppo/train.js";

async function main(): Promise<void> {
const [path, seedArg, budgetArg, runsRoot, experienceRoot] = process.argv.slice(2);
const seed = Number(seedArg);
const budget = Number(budgetArg);
const experiment = await loadExperiment(path!, { seed, totalTimesteps: budget });
const runDir = RunDir.create(runsRoot!, { experiment: { name: experiment.name, seed }, sourceText: experiment.source.text, bundle: experiment.source.bundle });
const logs: string[] = [];
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const summary = await train({ experiment, runDir, backend: "js", experienceRoot: experienceRoot === "-" ? null : experienceRoot!, log: (l) => logs.push(l) });
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const episodes = runDir.readEpisodes();
const succeeded = (e: { terminated: boolean; cause?: string }) => e.terminated && (e.cause === "goal reached" || e.cause === "correct delivery");
const last20 = episodes.slice(-20);
const first = episodes.find(succeeded);
const lastMetrics = runDir.readMetrics().at(-1)?.metrics ?? {};
console.log(
  JSON.stringify({
    experiment: experiment.name,
    seed,
    budget,
    status: summary.status,
    error: summary.error,
    episodes: episodes.length,
    last20SuccessShare: last20.length === 0 ? 0 : last20.filter(succeeded).length / last20.length,
    succeeded: last20.length === 20 && last20.every(succeeded),
    firstSuccessStep: first?.globalStep ?? null,
    meanReturnLast20: summary.meanReturnLast20,
    wallSeconds: wall,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    sps: summary.sps,
    subgoalRates: Object.fromEntries(Object.entries(lastMetrics).filter(([k]) => k.startsWith("subgoals/"))),
    silEpisodes: lastMetrics["charts/sil_episodes"] ?? null,
    notices: logs.filter((l) => /self-imitation|experience store/.test(l)),
    loadavg: loadavg(),
    cores: cpus().length,
  }),
);
}

void main();
