/**
 * Entry of a candidate-training process (candidate-process.ts): trains one reward candidate with the
 * real trainer, the candidate's components evaluated in a locked-down vm realm (sandbox.ts) inside
 * this process, which the host started with a heap limit and watches: an endless loop or a heap
 * blow-up in the reward ends this process, never the runtime. The experiment's own code (a custom
 * env) runs here as it does in training.
 *
 * Bundled as its own entry (dist/reward-train-worker.js); under tsx the host starts this file.
 */
import { evaluateExperiment } from "../experiment/compile.js";
import { resolveExperiment, type ResolvedExperiment } from "../experiment/resolve.js";
import { train } from "../ppo/train.js";
import { RunDir } from "../runs/run-dir.js";
import { experimentRecord } from "../runs/experiment-record.js";
import { exitWithHost, isCandidateProcess } from "./candidate-process.js";
import { SandboxedReward, sandboxedRewardFunction } from "./sandbox.js";
import { layoutOf } from "./samples.js";
import type { TrainWorkerData, TrainWorkerMessage, TrainWorkerCommand } from "./train-worker-protocol.js";

const post = (m: TrainWorkerMessage, then?: () => void) => process.send!(m, undefined, undefined, then);

async function main(data: TrainWorkerData, signal: AbortSignal): Promise<void> {
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
    signal,
    onMetrics: (record) => post({ type: "metrics", record }),
    onEpisode: (record) => post({ type: "episode", record }),
  });
  runDir.close();
  post({ type: "done", summary }, () => process.disconnect());
}

if (isCandidateProcess()) {
  exitWithHost();
  const controller = new AbortController();
  process.on("message", (m: TrainWorkerCommand) => {
    if (m.type === "stop") controller.abort();
    else if (m.type === "start") {
      main(m.data, controller.signal).catch((err: unknown) => {
        post({ type: "error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () => process.disconnect());
      });
    }
  });
}
