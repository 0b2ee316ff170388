/**
 * Worker entry: train one reward candidate with the real trainer, the candidate's components
 * evaluated in a vm context (sandbox.ts) inside this worker, which the host started with
 * `resourceLimits` and watches: an endless loop or a heap blow-up in the reward ends this worker,
 * never the runtime. The experiment's own code (a custom env) runs here as it does in training.
 *
 * Bundled as its own entry (dist/reward-train-worker.js); under tsx the host starts this file.
 */
import { parentPort, workerData } from "node:worker_threads";
import { evaluateExperiment } from "../experiment/compile.js";
import { resolveExperiment, type ResolvedExperiment } from "../experiment/resolve.js";
import type { RewardFunction, Transition } from "../api.js";
import { train } from "../ppo/train.js";
import { RunDir } from "../runs/run-dir.js";
import { experimentRecord } from "../runs/start-run.js";
import { SandboxedReward } from "./sandbox.js";
import { layoutOf } from "./samples.js";
import type { TrainWorkerData, TrainWorkerMessage } from "./train-worker-protocol.js";

/** The candidate as a RewardFunction: the transition goes into the sandbox as numbers, the components come back as numbers. */
export function sandboxedRewardFunction(sandbox: SandboxedReward): RewardFunction {
  const fields = sandbox.layout.fields;
  const obs = new Float64Array(fields.length);
  const nextObs = new Float64Array(fields.length);
  const names = sandbox.names;
  return (t: Transition) => {
    for (let k = 0; k < fields.length; k++) {
      obs[k] = t.obs[fields[k]!]!;
      nextObs[k] = t.nextObs[fields[k]!]!;
    }
    sandbox.setInput(obs, t.action, nextObs, t.envReward, t.terminated, t.truncated, t.episodeStep);
    const out = sandbox.stepFast();
    const r: Record<string, number> = {};
    for (let k = 0; k < names.length; k++) r[names[k]!] = out[k]!;
    return r;
  };
}

async function main(data: TrainWorkerData): Promise<void> {
  const post = (m: TrainWorkerMessage) => parentPort!.postMessage(m);
  const controller = new AbortController();
  parentPort!.on("message", (m: { type: string }) => {
    if (m.type === "stop") controller.abort();
  });
  const config = evaluateExperiment(data.source.bundle, data.source.path);
  const base: ResolvedExperiment = resolveExperiment(config, data.source, { seed: data.seed, totalTimesteps: data.totalTimesteps });
  const sandbox = new SandboxedReward(data.components, layoutOf(base.spec));
  const experiment: ResolvedExperiment = { ...base, reward: sandboxedRewardFunction(sandbox) };
  const runDir = RunDir.create(data.runsRoot, {
    runId: data.runId,
    experiment: { ...experimentRecord(experiment), customReward: true, rewardCandidate: data.components } as unknown as Record<string, unknown>,
    sourceText: data.snippet,
    bundle: data.source.bundle,
  });
  const summary = await train({
    experiment,
    runDir,
    backend: data.backend,
    signal: controller.signal,
    onMetrics: (record) => post({ type: "metrics", record }),
    onEpisode: (record) => post({ type: "episode", record }),
  });
  runDir.close();
  post({ type: "done", summary });
}

if (parentPort && workerData && (workerData as { kind?: string }).kind === "rl-studio-reward-candidate") {
  main(workerData as TrainWorkerData).catch((err: unknown) => {
    parentPort!.postMessage({ type: "error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies TrainWorkerMessage);
  });
}
