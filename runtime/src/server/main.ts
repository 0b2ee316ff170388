/**
 * The runtime process (`dist/runtime.js`): a JSON-RPC server over the IPC channel of a child
 * forked by the extension (`child_process.fork`, the editor's own Node with
 * ELECTRON_RUN_AS_NODE=1). Messages are declared in protocol/src/runtime.ts.
 *
 * Lifetime: exits after `runtime/shutdown`, or when the parent goes away (IPC disconnect) —
 * in both cases after every run has been stopped and has written its checkpoint, so a run is
 * never left "running" by a clean exit.
 */
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, ResponseError, type CancellationToken } from "vscode-jsonrpc/node";
import { ExplainProgressNotification, ExplainRequest } from "../../../protocol/src/explain.js";
import { handleExplainRequest } from "../explain/adapters.js";
import { RewardDesignService } from "./reward-design.js";
import { handleEvalPriorRequest } from "./eval-prior.js";
import {
  EnvsRequest,
  EvalPriorProgressNotification,
  EvalPriorRequest,
  HelloRequest,
  ListRunsRequest,
  LogNotification,
  MarkFailedRequest,
  PROTOCOL_VERSION,
  ReadRunRequest,
  RESUME_NEEDS_FORCE,
  ResumeRequest,
  RUN_METRICS_INTERVAL_MS,
  RUN_PROGRESS_INTERVAL_MS,
  RunMetricsNotification,
  RunProgressNotification,
  RunStatusNotification,
  ShutdownRequest,
  StopRequest,
  TrainRequest,
} from "../../../protocol/src/runtime.js";
import { listEnvs, createLauncher } from "./launcher.js";
import { RunManager } from "./run-manager.js";
import { SweepService } from "./sweep-service.js";
import { CancelSweepRequest, ListSweepsRequest, ReadSweepRequest, RunSweepRequest, SweepStatusNotification } from "../../../protocol/src/sweep.js";
import { ResumeRefusedError } from "../runs/start-run.js";
import { RunUpdateBatcher } from "../../../common/src/run-updates.js";

if (typeof process.send !== "function") {
  process.stderr.write("dist/runtime.js is the RL Studio extension's runtime process: start it with child_process.fork (it talks JSON-RPC over IPC). For a terminal, use `npx rl-studio`.\n");
  process.exit(2);
}

const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));

// A trainer reports every PPO iteration, which can be hundreds a second: the editor gets them in
// batches (every record, the latest progress), and a state change only after the run's last batch.
const updates = new RunUpdateBatcher(
  {
    metrics: (runId, records, sentAt) => void connection.sendNotification(RunMetricsNotification.type, { runId, records, sentAt }),
    progress: (runId, progress) => void connection.sendNotification(RunProgressNotification.type, { runId, progress }),
  },
  { metricsIntervalMs: RUN_METRICS_INTERVAL_MS, progressIntervalMs: RUN_PROGRESS_INTERVAL_MS },
);
const manager = new RunManager(createLauncher(), {
  metrics: (runId, record) => updates.metrics(runId, [record], Date.now()),
  progress: (runId, progress) => updates.progress(runId, progress),
  status: (runId, runDir, state, extra) => {
    updates.flush();
    void connection.sendNotification(RunStatusNotification.type, { runId, runDir, state, ...extra });
  },
  log: (params) => void connection.sendNotification(LogNotification.type, params),
});

connection.onRequest(HelloRequest.type, () => ({ pid: process.pid, nodeVersion: process.version, protocolVersion: PROTOCOL_VERSION }));
connection.onRequest(TrainRequest.type, (params) => manager.train(params));
connection.onRequest(ResumeRequest.type, async (params) => {
  try {
    return await manager.resume(params);
  } catch (err) {
    // The editor offers "Resume Anyway" for this one, and asks again with force.
    if (err instanceof ResumeRefusedError && err.overridable) throw new ResponseError(RESUME_NEEDS_FORCE, err.message);
    throw err;
  }
});
connection.onRequest(StopRequest.type, async (params) => ({ stopped: await manager.stop(params.runId) }));
connection.onRequest(ListRunsRequest.type, (params) => ({ runs: manager.list(params.runsRoot) }));
connection.onRequest(ReadRunRequest.type, (params) => manager.read(params.runDir, params.episodes ?? false));
connection.onRequest(MarkFailedRequest.type, (params) => manager.markFailed(params.runDir, params.error));
connection.onRequest(EnvsRequest.type, () => ({ envs: listEnvs() }));
const rewardDesign = new RewardDesignService(connection);
const sweeps = new SweepService((p) => void connection.sendNotification(SweepStatusNotification.type, p));
connection.onRequest(RunSweepRequest.type, (params) => sweeps.run(params));
connection.onRequest(CancelSweepRequest.type, (params) => sweeps.cancel(params.sweepDir));
connection.onRequest(ListSweepsRequest.type, (params) => sweeps.list(params.sweepsRoot));
connection.onRequest(ReadSweepRequest.type, (params) => sweeps.read(params.sweepDir));
/** An AbortSignal that aborts when the editor cancels the request (vscode-jsonrpc's $/cancelRequest). */
function abortSignalOf(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}
connection.onRequest(ExplainRequest.type, (params, token) => {
  return handleExplainRequest(params, {
    signal: abortSignalOf(token),
    notify: (p) => void connection.sendNotification(ExplainProgressNotification.type, p),
    writer: rewardDesign.narrativeWriter(),
  });
});
connection.onRequest(EvalPriorRequest.type, (params, token) => {
  return handleEvalPriorRequest(params, {
    signal: abortSignalOf(token),
    notify: (p) => void connection.sendNotification(EvalPriorProgressNotification.type, p),
    log: (message) => void connection.sendNotification(LogNotification.type, { level: "info", message }),
  });
});

let exiting = false;
async function shutdown(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  // A trainer that ignores its signal must not keep the process alive forever.
  const force = setTimeout(() => process.exit(code), 10_000);
  force.unref();
  try {
    await manager.dispose();
    await sweeps.dispose();
    await rewardDesign.dispose();
  } finally {
    updates.flush();
    updates.dispose();
    connection.dispose();
    process.exit(code);
  }
}
connection.onRequest(ShutdownRequest.type, () => {
  // Answer first, then exit: the extension awaits the reply before it stops waiting.
  setImmediate(() => void shutdown(0));
});
process.on("disconnect", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

connection.listen();
